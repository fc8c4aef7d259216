"""Fixtures for engine tests: valid items of every type as bank-file dicts, and a writer that
puts pools into a temporary directory (tests never depend on the shipped content)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from question_bank import BankError
from question_bank import load_bank

SEED = "000_f0ef994ccb1e3b55.txt"
SOURCE = [{"seed": SEED, "section": "Barriers to Therapeutic Relationships"}]

_BODIES: dict[str, dict[str, Any]] = {
    "single": {
        "options": [
            {"id": "a", "text": "Trust", "rationale": "A component, not a barrier."},
            {"id": "b", "text": "Transference", "rationale": "Right: the client transfers feelings."},
            {"id": "c", "text": "Empathy", "rationale": "A component, not a barrier."},
        ],
        "key": "b",
    },
    "multiple": {
        "options": [
            {"id": "a", "text": "Trust", "rationale": "Listed."},
            {"id": "b", "text": "Sympathy", "rationale": "A barrier."},
            {"id": "c", "text": "Empathy", "rationale": "Listed."},
            {"id": "d", "text": "Dependency", "rationale": "A barrier."},
        ],
        "key": ["a", "c"],
        "scoring": "right_minus_wrong",
    },
    "true_false": {"key": False},
    "matching": {
        "premises": [
            {"id": "p1", "text": "Countertransference"},
            {"id": "p2", "text": "Transference"},
            {"id": "p3", "text": "Resistance"},
        ],
        "responses": [
            {"id": "r1", "text": "The nurse transfers feelings onto the client"},
            {"id": "r2", "text": "The client transfers feelings onto the nurse"},
            {"id": "r3", "text": "Ambivalence about self-exploration"},
        ],
        "key": {"p1": "r1", "p2": "r2", "p3": "r3"},
    },
    "ordering": {
        "options": [
            {"id": "a", "text": "Working phase"},
            {"id": "b", "text": "Pre-interaction phase"},
            {"id": "c", "text": "Introductory phase"},
            {"id": "d", "text": "Termination phase"},
        ],
        "key": ["b", "c", "a", "d"],
    },
    "classification": {
        "categories": [
            {"id": "therapeutic", "text": "Therapeutic relationship"},
            {"id": "social", "text": "Social relationship"},
        ],
        "statements": [
            {"id": "s1", "text": "Goal: meet the client's needs", "rationale": "Seed 000's table."},
            {"id": "s2", "text": "Termination is not defined", "rationale": "Seed 000's table."},
            {"id": "s3", "text": "Identification of needs is present"},
        ],
        "key": {"s1": "therapeutic", "s2": "social", "s3": "therapeutic"},
    },
}

KINDS = tuple(_BODIES)


def make_item(kind: str = "single", item_id: str = "comp-001", **changes: Any) -> dict[str, Any]:
    """A valid bank-file item of ``kind`` (a carried kind when ``type="scenario"`` is passed)."""
    item: dict[str, Any] = {
        "id": item_id,
        "version": 1,
        "type": kind,
        "difficulty": 2,
        "stem": f"A {kind} question about barriers?",
    }
    item.update(copy.deepcopy(_BODIES[kind]))
    item["rationale"] = "Why the key is right and the others are not."
    item["source"] = copy.deepcopy(SOURCE)
    if changes.get("type") == "scenario":
        item["carries"] = kind
        item["vignette"] = "A nurse tells a client about her own divorce to comfort him."
    item.update(changes)
    return {k: v for k, v in item.items() if v is not _DROP}


_DROP = object()
#: Pass as a field value to make_item to leave the field out.
DROP = _DROP


def pool_yaml(pool: str, items: list[dict[str, Any]], title: str = "A test pool") -> str:
    return yaml.safe_dump({"pool": pool, "title": title, "items": items}, sort_keys=False)


@pytest.fixture
def write_pool(tmp_path: Path) -> Callable[..., Path]:
    """``write_pool("components", [items...])`` -> the path of ``components.yaml`` in tmp_path.

    ``text=`` writes hand-made YAML instead; ``file=`` names the file differently from the pool.
    """

    def write(
        pool: str = "components",
        items: list[dict[str, Any]] | None = None,
        *,
        text: str | None = None,
        file: str | None = None,
    ) -> Path:
        path = tmp_path / f"{file or pool}.yaml"
        path.write_text(text if text is not None else pool_yaml(pool, items or []), encoding="utf-8")
        return path

    return write


def problems_of(*paths: Path) -> list[str]:
    """The problem lines ``load_bank`` refuses ``paths`` for (fails the test if it accepts them)."""
    with pytest.raises(BankError) as caught:
        load_bank(list(paths))
    return caught.value.messages


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of ``path`` containing ``needle``."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return found[occurrence - 1]


def build_item(kind: str = "single", item_id: str = "comp-001", pool: str = "components", **changes: Any):
    """The model Item of ``make_item(kind, item_id, **changes)``, read through the bank schema."""
    from question_bank.bank.build import item_from_data
    from question_bank.bank.schema import schema_for
    from question_bank.model import ItemType

    data = make_item(kind, item_id, **changes)
    declared = ItemType(data["type"])
    carried = ItemType(data["carries"]) if declared is ItemType.SCENARIO else declared
    return item_from_data(pool, schema_for(declared, carried).load(data))
