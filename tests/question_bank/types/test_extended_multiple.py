"""Extended multiple response: bank file, refusals with lines, +/- and 0/1 scoring, layout,
views, and round trips keeping the scoring rule."""

from __future__ import annotations

from fractions import Fraction

import pytest
from marshmallow import ValidationError

from question_bank import layout_for
from question_bank import review_view
from question_bank import score_item
from question_bank import student_view
from question_bank.formats import FORMATS
from question_bank.formats import export_notes
from question_bank.model import ItemType
from question_bank.types import spec_for
from tests.question_bank.types.support import line
from tests.question_bank.types.support import load_one
from tests.question_bank.types.support import pool_text
from tests.question_bank.types.support import problems
from tests.question_bank.types.support import round_trip

OPTIONS = "".join(f'  - {{id: {c}, text: "Option {c}", rationale: "Why {c}."}}\n' for c in "abcdef")
PLUS_MINUS = f"options:\n{OPTIONS}key: [a, c, e]\nscoring: plus_minus\n"
ZERO_ONE = PLUS_MINUS.replace("plus_minus", "zero_one")


@pytest.fixture
def plus_minus(tmp_path):
    return load_one(tmp_path, pool_text(PLUS_MINUS, item_type="extended_multiple"))


@pytest.fixture
def zero_one(tmp_path):
    return load_one(tmp_path, pool_text(ZERO_ONE, item_type="extended_multiple"))


def test_loads_with_default_scoring(tmp_path):
    item = load_one(tmp_path, pool_text(PLUS_MINUS.replace("scoring: plus_minus\n", ""),
                                        item_type="extended_multiple"))
    assert item.kind is ItemType.EXTENDED_MULTIPLE
    assert item.body.scoring == "plus_minus" and item.body.key == frozenset("ace")


@pytest.mark.parametrize(("body", "needle", "field", "message"), [
    (PLUS_MINUS.replace("plus_minus", "half"), "scoring:", "scoring", "must be plus_minus or zero_one"),
    (PLUS_MINUS.replace("[a, c, e]", "[a, z]"), "key:", "key[1]", "'z' is not among the options"),
    (PLUS_MINUS.replace("[a, c, e]", "[]"), "key:", "key", "tick at least one option"),
    (PLUS_MINUS.replace("[a, c, e]", "[a, b, c, d, e, f]"), "key:", "key", "every option is keyed"),
    (PLUS_MINUS.replace('text: "Option b", rationale: "Why b."', 'text: "Option b"'), "Option b",
     "options[1].rationale", "required field is missing"),
    (PLUS_MINUS.replace('  - {id: a, text: "Option a", rationale: "Why a."}\n', "")
     .replace('  - {id: b, text: "Option b", rationale: "Why b."}\n', "")
     .replace('  - {id: d, text: "Option d", rationale: "Why d."}\n', "")
     .replace('  - {id: f, text: "Option f", rationale: "Why f."}\n', "")
     .replace("[a, c, e]", "[c, e]"), "options:", "options", "needs at least 3 options"),
])
def test_refusals_name_file_line_and_field(tmp_path, body, needle, field, message):
    text = pool_text(body, item_type="extended_multiple")
    found = problems(tmp_path, text)
    expected = f"ngn.yaml:{line(text, needle)}: ngn-001: {field}: "
    assert any(p.startswith(expected) and message in p for p in found), found


def test_more_than_ten_options_refused(tmp_path):
    many = "".join(f'  - {{id: o{n}, text: "Option {n}", rationale: "Why."}}\n' for n in range(11))
    text = pool_text(f"options:\n{many}key: [o1]\n", item_type="extended_multiple")
    assert any("options: at most 10 options (has 11)" in p for p in problems(tmp_path, text))


@pytest.mark.parametrize(("response", "credit"), [
    (["a", "c", "e"], Fraction(1)),
    (["a", "c"], Fraction(2, 3)),
    (["a", "c", "e", "b"], Fraction(2, 3)),     # one wrong tick cancels one right one
    (["a", "b"], Fraction(0)),
    (["a", "b", "d", "f"], Fraction(0)),        # floor 0, never negative
    (list("abcdef"), Fraction(0)),              # ticking everything earns nothing
    ([], Fraction(0)),
    ("a", Fraction(1, 3)),
    ([1, "a"], Fraction(0)),                   # a non-id counts as a wrong tick
])
def test_plus_minus_table(plus_minus, response, credit):
    assert score_item(plus_minus, response) == credit


@pytest.mark.parametrize(("response", "credit"), [
    (["a", "c", "e"], Fraction(1)),
    (["a", "c"], Fraction(2, 3)),
    (["a", "c", "b"], Fraction(2, 3)),          # a wrong tick costs nothing
    (["b", "d", "f"], Fraction(0)),
    (["a", "c", "e", "b"], Fraction(0)),        # more than the 3 asked for: nothing
    (list("abcdef"), Fraction(0)),
])
def test_zero_one_table(zero_one, response, credit):
    assert score_item(zero_one, response) == credit


def test_layout_views_and_response(zero_one, plus_minus):
    layout = layout_for(zero_one, "seed")
    assert sorted(layout.option_order) == list("abcdef")
    assert len({layout_for(zero_one, f"s{n}").option_order for n in range(20)}) > 1
    view = student_view(zero_one, layout)
    assert [o["id"] for o in view["options"]] == list(layout.option_order)
    assert view["select"] == 3 and "key" not in view
    assert student_view(plus_minus)["select"] is None  # +/-: the count is not given away
    field = spec_for(zero_one).response_field(view)
    assert field.deserialize(["a", "b"]) == ["a", "b"]
    with pytest.raises(ValidationError):
        field.deserialize(["a", "b", "c", "d"])
    with pytest.raises(ValidationError):
        field.deserialize(["zz"])
    review = review_view(zero_one, layout, ["a", "b"])
    marks = {o["id"]: (o["is_key"], o["chosen"], o["right"]) for o in review["options"]}
    assert marks["a"] == (True, True, True) and marks["b"] == (False, True, False)
    assert marks["c"] == (True, False, False) and marks["d"] == (False, False, True)
    assert review["score"] == Fraction(1, 3)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scoring", ["plus_minus", "zero_one"])
def test_round_trip_keeps_type_and_scoring(plus_minus, zero_one, fmt, scoring):
    item = plus_minus if scoring == "plus_minus" else zero_one
    assert round_trip(item, fmt) == [item]


def test_zero_one_notes_where_the_format_grades_otherwise(zero_one, plus_minus):
    assert any("Moodle does not limit the ticks" in n for n in export_notes([zero_one], "moodle-xml"))
    assert any("Canvas grades multiple answers" in n for n in export_notes([zero_one], "qti12"))
    assert not any("zero_one" in n for n in export_notes([plus_minus], "moodle-xml"))
    assert not any("zero_one" in n for n in export_notes([zero_one], "qti21"))
