"""One home per item type: the registry covers every type, and nothing else dispatches on bodies."""

from __future__ import annotations

import re
from pathlib import Path

from question_bank import types as item_types
from question_bank.model import ItemType
from question_bank.types.base import ItemTypeSpec

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "lti_tool" / "templates" / "items"


def test_every_type_has_a_module_in_the_registry() -> None:
    answerable = [t for t in ItemType if t is not ItemType.SCENARIO]
    assert sorted(item_types.TYPES) == sorted(answerable)
    for item_type, spec in item_types.TYPES.items():
        assert isinstance(spec, ItemTypeSpec)
        assert spec.type is item_type
        assert spec.partial_credit
        module = Path(__import__(type(spec).__module__, fromlist=["TYPE"]).__file__)
        assert module.parent.name == "types" and module.stem == item_type.value
    assert item_types.SCENARIO.type is ItemType.SCENARIO


def test_every_type_has_its_student_and_review_partials() -> None:
    for spec in item_types.TYPES.values():
        assert (TEMPLATES / f"{spec.template}.html").is_file(), spec.template
        assert (TEMPLATES / "review" / f"{spec.template}.html").is_file(), spec.template


def test_no_body_class_dispatch_outside_the_type_modules() -> None:
    pattern = re.compile(r"isinstance\(.*Body")
    found = []
    for package in ("lti_tool", "question_bank"):
        for path in (ROOT / package).rglob("*.py"):
            if path.parent == ROOT / "question_bank" / "types":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_every_type_names_itself_for_instructors() -> None:
    from question_bank.blueprint import TYPE_LABELS

    assert set(TYPE_LABELS) == set(ItemType) and all(TYPE_LABELS.values())
    assert TYPE_LABELS[ItemType.BOWTIE] == "bow-tie"
