"""Helpers for the per-type tests: an item from YAML text, its problems with lines, round trips."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from question_bank import load_bank
from question_bank.bank import BankError
from question_bank.formats import export_items
from question_bank.formats import export_notes
from question_bank.formats import import_items
from question_bank.model import Item

SOURCE = '[{seed: 000_f0ef994ccb1e3b55.txt, section: "Barriers to Therapeutic Relationships"}]'


def pool_text(body: str, *, item_type: str, item_id: str = "ngn-001") -> str:
    """A one-item pool file ``ngn`` whose item has ``body`` (YAML, unindented) as its own fields."""
    head = textwrap.dedent(f"""\
        pool: ngn
        title: NGN test pool
        items:
          - id: {item_id}
            version: 1
            type: {item_type}
            difficulty: 2
            stem: "Answer the question."
            rationale: "Why the key is right."
            source: {SOURCE}
        """)
    return head + textwrap.indent(textwrap.dedent(body), " " * 4)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ngn.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_one(tmp_path: Path, text: str) -> Item:
    (item,) = load_bank([write(tmp_path, text)]).pools["ngn"].items
    return item


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(BankError) as caught:
        load_bank([write(tmp_path, text)])
    return caught.value.messages


def line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def round_trip(item: Item, fmt: str) -> list[Item]:
    report = import_items(export_items([item], fmt), fmt, pool="unused")
    assert report.problems == [], report.problems
    return report.items


def skipped_with_note(item: Item, fmt: str) -> list[str]:
    """The export notes of an item the format cannot carry (asserts it is not written)."""
    notes = export_notes([item], fmt)
    report = import_items(export_items([item], fmt), fmt, pool="unused")
    assert report.items == []
    return notes
