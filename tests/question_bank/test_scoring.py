"""Scoring per type, malformed input, bounds, and forms."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from question_bank import ItemVersionUnavailable
from question_bank import draw_form
from question_bank import parse_blueprint
from question_bank import score_form
from question_bank import score_item
from question_bank.model import Bank
from question_bank.model import Pool
from tests.question_bank.conftest import KINDS
from tests.question_bank.conftest import build_item

SINGLE = build_item("single", points=2)  # key b
TRUE_FALSE = build_item("true_false")  # key false
RIGHT_MINUS_WRONG = build_item("multiple")  # key a, c of a b c d
ALL_OR_NOTHING = build_item("multiple", scoring="all_or_nothing")
MATCHING = build_item("matching", points=3)  # p1-r1 p2-r2 p3-r3
ORDERING = build_item("ordering", points=4)  # b c a d
CLASSIFICATION = build_item("classification", points=3)  # s1 therapeutic, s2 social, s3 therapeutic


@pytest.mark.parametrize(
    ("item", "response", "score"),
    [
        (SINGLE, "b", 2),
        (SINGLE, "a", 0),
        (SINGLE, "zz", 0),
        (SINGLE, ["b"], 0),
        (SINGLE, None, 0),
        (TRUE_FALSE, False, 1),
        (TRUE_FALSE, True, 0),
        (TRUE_FALSE, "False", 1),
        (TRUE_FALSE, " false ", 1),
        (TRUE_FALSE, "true", 0),
        (TRUE_FALSE, 0, 0),  # not a boolean: no credit, even though 0 == False
        (TRUE_FALSE, "maybe", 0),
        (RIGHT_MINUS_WRONG, ["a", "c"], 1),
        (RIGHT_MINUS_WRONG, ["c", "a", "a"], 1),
        (RIGHT_MINUS_WRONG, ["a"], Fraction(1, 2)),
        (RIGHT_MINUS_WRONG, ["a", "b"], 0),
        (RIGHT_MINUS_WRONG, ["a", "c", "b"], Fraction(1, 2)),
        (RIGHT_MINUS_WRONG, ["a", "b", "c", "d"], 0),
        (RIGHT_MINUS_WRONG, ["b", "d"], 0),  # floored, never negative
        (RIGHT_MINUS_WRONG, ["a", "c", "nope"], Fraction(1, 2)),  # unknown id: a wrong tick
        (RIGHT_MINUS_WRONG, ["a", "c", 7], Fraction(1, 2)),
        (RIGHT_MINUS_WRONG, "a", Fraction(1, 2)),
        (RIGHT_MINUS_WRONG, {"a": True}, 0),
        (RIGHT_MINUS_WRONG, [], 0),
        (ALL_OR_NOTHING, ["a", "c"], 1),
        (ALL_OR_NOTHING, ["a"], 0),
        (ALL_OR_NOTHING, ["a", "c", "d"], 0),
        (MATCHING, {"p1": "r1", "p2": "r2", "p3": "r3"}, 3),
        (MATCHING, {"p1": "r1", "p2": "r3", "p3": "r2"}, 1),
        (MATCHING, {"p1": "r1"}, 1),
        (MATCHING, {"p1": "r1", "zz": "r2", "p2": ["r2"]}, 1),
        (MATCHING, [("p1", "r1")], 0),
        (CLASSIFICATION, {"s1": "therapeutic", "s2": "social", "s3": "therapeutic"}, 3),
        (CLASSIFICATION, {"s1": "therapeutic", "s2": "therapeutic", "s3": "social"}, 1),
        (CLASSIFICATION, {"s1": "friendship"}, 0),
        (ORDERING, ["b", "c", "a", "d"], 4),
        (ORDERING, ["b", "c", "d", "a"], 2),
        (ORDERING, ["c", "a", "d", "b"], 0),
        (ORDERING, ["b", "c"], 2),
        (ORDERING, ["b", "b", "b", "b"], 1),
        (ORDERING, ["b", "c", "a", "d", "x"], 4),
        (ORDERING, "bcad", 0),
    ],
)
def test_score_by_type(item, response, score):
    result = score_item(item, response)
    assert isinstance(result, Fraction)
    assert result == score


def test_scenarios_score_as_the_type_they_carry():
    scenario = build_item("multiple", type="scenario")
    assert score_item(scenario, ["a"]) == score_item(RIGHT_MINUS_WRONG, ["a"]) == Fraction(1, 2)


_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5)
    | st.sampled_from(["a", "b", "c", "d", "p1", "r1", "s1", "social", "therapeutic"]),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=3) | st.sampled_from(["p1", "p2", "s1", "s2"]), inner, max_size=4),
    max_leaves=12,
)
_ITEMS = [SINGLE, TRUE_FALSE, RIGHT_MINUS_WRONG, ALL_OR_NOTHING, MATCHING, ORDERING, CLASSIFICATION]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_ITEMS), _junk)
def test_scores_stay_within_zero_and_the_items_points(item, response):
    score = score_item(item, response)
    assert isinstance(score, Fraction)
    assert 0 <= score <= item.points


def _bank(*items):
    return Bank({"components": Pool("components", "C", tuple(items))})


def test_a_forms_score_is_the_sum_of_its_items():
    items = [build_item(kind, f"comp-00{n}", points=n) for n, kind in enumerate(KINDS, start=1)]
    bank = _bank(*items)
    form = draw_form(bank, parse_blueprint("components:6"), "seed")
    responses = {"comp-001": "b", "comp-002": ["a"], "comp-005": ["b", "c", "d", "a"], "comp-999": "x"}
    result = score_form(form, responses, bank)
    assert result.by_item == {
        "comp-001": 1, "comp-002": 1, "comp-003": 0, "comp-004": 0, "comp-005": Fraction(5, 2), "comp-006": 0,
    }
    assert (result.earned, result.possible) == (Fraction(9, 2), 21)
    assert result.fraction == Fraction(3, 14)


def test_a_form_scores_against_the_exact_versions_it_drew():
    old = build_item("single", "comp-001")
    form = draw_form(_bank(old), parse_blueprint("components:1"), "seed")
    new = build_item("single", "comp-001", version=2, key="a")
    assert score_form(form, {"comp-001": "b"}, {old.ref: old, new.ref: new}).earned == 1
    with pytest.raises(ItemVersionUnavailable) as caught:
        score_form(form, {"comp-001": "b"}, _bank(new))
    assert "comp-001@1" in str(caught.value)
