"""Scoring a stored response against a given item version (issue 12): ``question_bank.replay``."""

from __future__ import annotations

from fractions import Fraction

import pytest

from question_bank import ItemVersionUnavailable
from question_bank.model import Bank
from question_bank.model import Pool
from question_bank.replay import ItemVersions
from question_bank.replay import from_snapshot
from question_bank.replay import reading_problem
from question_bank.replay import replay
from question_bank.replay import score_against
from question_bank.replay import snapshot_of
from tests.question_bank.conftest import KINDS
from tests.question_bank.conftest import build_item


def _bank(*items) -> Bank:  # noqa: ANN002
    return Bank({"components": Pool("components", "t", tuple(items))})


@pytest.mark.parametrize("kind", KINDS)
def test_a_snapshot_rebuilds_the_same_version(kind: str) -> None:
    item = build_item(kind)
    assert from_snapshot(snapshot_of(item)) == item


def test_a_stored_response_scores_against_the_version_given() -> None:
    v1 = build_item("multiple")  # key a, c; right minus wrong
    v2 = build_item("multiple", version=2, key=["a", "c", "d"])
    ticks = ["a", "d"]
    assert score_against(v1, ticks) == 0
    assert score_against(v2, ticks) == Fraction(2, 3)
    [result] = replay(v2, [(v1, ticks)])
    assert (result.before, result.after, result.problem) == (0, Fraction(2, 3), "")


def test_replay_names_the_ids_the_target_version_lacks_and_refuses_another_kind() -> None:
    v1 = build_item("single")
    options = [{"id": i, "text": t, "rationale": "r"} for i, t in (("a", "Trust"), ("z", "Transference"), ("c", "Empathy"))]
    renamed = build_item("single", version=2, options=options, key="z")
    [result] = replay(renamed, [(v1, "b")])
    assert result.problem == "'b' is not one of this question's options" and result.after == 0
    with pytest.raises(ValueError, match="a response to one is no response to the other"):
        replay(build_item("true_false", version=2), [(v1, "b")])
    with pytest.raises(ValueError, match="is not a version of"):
        replay(build_item("single", "comp-002", version=2), [(v1, "b")])


def test_a_version_reads_a_response_with_its_types_own_check() -> None:
    assert reading_problem(build_item("matching"), {"p1": "r2"}) == ""
    assert reading_problem(build_item("matching"), {"p1": "r9"}) == "'r9' is not one of this question's responses"
    assert reading_problem(build_item("true_false"), False) == "" and reading_problem(build_item("single"), None) == ""


def test_every_shipped_item_reads_its_own_key() -> None:
    """Every type of the shipped bank (the new ones too) reads a keyed response: a replay
    against an unchanged version never refuses."""
    from question_bank import load_bank
    from question_bank import review_view

    bank = load_bank()
    keys = {item.id: review_view(item)["key"] for item in bank.items()}  # the key, shaped as a response
    assert {item.id: reading_problem(item, keys[item.id]) for item in bank.items()
            if reading_problem(item, keys[item.id])} == {}
    assert all(from_snapshot(snapshot_of(item)) == item for item in bank.items())


def test_item_versions_resolve_from_the_bank_and_snapshots_and_refuse_a_changed_version() -> None:
    v1 = build_item("single")
    v2 = build_item("single", version=2, key="a")
    versions = ItemVersions(_bank(v2), [v1])
    assert versions.resolve("comp-001", 1) == v1 and versions.resolve("comp-001", 2) == v2
    assert versions.current("comp-001") == v2
    with pytest.raises(ItemVersionUnavailable, match=r"comp-001@3: .*versions known: 1, 2"):
        versions.resolve("comp-001", 3)
    with pytest.raises(ValueError, match="the bank holds this version with other content"):
        versions.add(build_item("single", version=2, key="c"))
