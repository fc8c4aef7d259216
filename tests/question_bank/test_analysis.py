"""Item analysis on a fixed set of attempts, against values worked out by hand below."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from question_bank import credit
from question_bank.analysis import SlotScore
from question_bank.analysis import item_statistics
from question_bank.analysis import score_distribution
from tests.question_bank.conftest import build_item

A = build_item("single", "comp-001")  # options a b c, key b
B = build_item("true_false", "comp-002")  # key false
C = build_item("multiple", "comp-003")  # options a b c d, key a c, right minus wrong

# Four attempts: (response to A, to B, to C). Credits: A 1 1 0 0; B 1 0 1 0; C 1 .5 0 1.
RESPONSES = [("b", False, ["a", "c"]), ("b", True, ["a"]), ("a", False, ["a", "b"]), ("c", True, ["a", "c"])]


ITEMS = {item.id: item for item in (A, B, C)}


def attempts(dropped: frozenset[str] = frozenset()) -> list[list[SlotScore]]:
    return [
        [SlotScore.of(item, response, credit(item, response), counted=item.id not in dropped)
         for item, response in zip((A, B, C), row)]
        for row in RESPONSES
    ]


def test_facility_discrimination_and_option_counts_equal_the_hand_computed_values() -> None:
    stats = {s.item_id: s for s in item_statistics(attempts(), ITEMS)}
    # Totals 3, 1.5, 1, 1. Facility: mean credit.
    assert [stats[i].facility for i in ("comp-001", "comp-002", "comp-003")] == [0.5, 0.5, 0.625]
    assert all(s.attempts == 4 for s in stats.values())
    # A: item [1,1,0,0] against rest [2, .5, 1, 1]: sxy = .25, sxx = 1, syy = 1.1875.
    assert stats["comp-001"].discrimination == pytest.approx(0.25 / math.sqrt(1.1875))
    # B: item [1,0,1,0] against rest [2, 1.5, 0, 1]: sxy = -.25, syy = 2.1875 -> negative.
    assert stats["comp-002"].discrimination == pytest.approx(-0.25 / math.sqrt(2.1875))
    # C: item [1,.5,0,1] against rest [2, 1, 1, 0]: sxy = 0.
    assert stats["comp-003"].discrimination == pytest.approx(0.0)
    assert [(o.id, o.chosen, o.is_key) for o in stats["comp-001"].options] == [("a", 1, False), ("b", 2, True), ("c", 1, False)]
    assert [(o.id, o.chosen, o.is_key) for o in stats["comp-002"].options] == [("true", 2, False), ("false", 2, True)]
    assert [(o.id, o.chosen) for o in stats["comp-003"].options] == [("a", 4), ("b", 1), ("c", 2), ("d", 0)]


def test_flags_name_negative_discrimination_and_an_option_nobody_chose() -> None:
    stats = {s.item_id: s for s in item_statistics(attempts(), ITEMS)}
    assert stats["comp-001"].flags == ()
    assert any("Negative discrimination" in flag for flag in stats["comp-002"].flags)
    assert stats["comp-003"].flags == ("Nobody chose “" + C.body.options[3].text + "”: it distracts no one.",)


def test_a_dropped_item_leaves_the_rest_score_of_the_others() -> None:
    stats = {s.item_id: s for s in item_statistics(attempts(dropped=frozenset({"comp-003"})), ITEMS)}
    # Without C the totals are 2, 1, 1, 0; A's rest is B alone: [1, 0, 1, 0] against A [1, 1, 0, 0].
    assert stats["comp-001"].discrimination == pytest.approx(0.0)
    assert stats["comp-003"].facility == 0.625  # still analysed


def test_discrimination_is_undefined_without_variation() -> None:
    everyone_right = [[SlotScore.of(A, "b", 1), SlotScore.of(B, answer, credit(B, answer))] for answer in (True, False)]
    stats = {s.item_id: s for s in item_statistics(everyone_right, ITEMS)}
    assert stats["comp-001"].discrimination is None  # A never varies
    assert item_statistics([[SlotScore.of(A, "b", 1)]], ITEMS)[0].discrimination is None  # one attempt
    pair = [[SlotScore.of(A, "b", 1), SlotScore.of(B, False, 1)], [SlotScore.of(A, "a", 0), SlotScore.of(B, True, 0)]]
    assert item_statistics(pair, ITEMS)[0].discrimination == pytest.approx(1.0)


def test_a_slot_score_keeps_what_the_statistics_need() -> None:
    slot = SlotScore.of(C, ["c", "a", "c"], Fraction(1, 2))
    assert (slot.item_id, slot.version, slot.points, slot.credit, slot.chosen, slot.earned) == ("comp-003", 1, 1.0, 0.5, ("a", "c"), 0.5)


def test_sums_from_a_database_give_the_same_statistics() -> None:
    """``ItemSums`` added row by row (as a GROUP BY adds them) equal the one-pass statistics."""
    from question_bank.analysis import ItemSums
    from question_bank.analysis import statistics_of

    one_pass = {s.item_id: s for s in item_statistics(attempts(), ITEMS)}
    for item in (A, B, C):
        sums = ItemSums()
        for slots in attempts():
            total = sum(s.earned for s in slots if s.counted)
            sums.add(next(s for s in slots if s.item_id == item.id), total)
        assert statistics_of(item.id, item, sums) == one_pass[item.id]


def test_score_distribution_bands() -> None:
    bins = score_distribution([0, 0.05, 0.1, 0.55, 0.999, 1.0])
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bins[0].label == "0–10%" and bins[-1].label == "90–100%"
    assert sum(b.count for b in bins) == 6


def test_credits_given_are_used_as_they_are() -> None:
    # A regrade's credit (accepting "a" for A) is what the statistics see.
    regraded = [[SlotScore.of(A, "a", Fraction(1))], [SlotScore.of(A, "c", Fraction(0))]]
    assert item_statistics(regraded, ITEMS)[0].facility == 0.5
