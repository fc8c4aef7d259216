"""Reading the ``cases:`` of a case pool file: unfolding cases, each refused with file:line:field.

The form is documented in ``question_bank/banks/README.md`` ("Unfolding cases"). A case's items
are read exactly as a pool file's items are (the loader's own item reader: schema, rules, seeds),
after the case's ``adds`` is taken off each; what only a case has is checked here: 3 to 6 items,
``adds`` on every item after the first, item ids ``<case id>-<position>``, no scenario inside a
case (the case is the scenario), and no loose items beside cases in one file.

The versions lock records a case like an item: its id, version and a fingerprint of what a
student reads of the case itself (title, stem, every ``adds``, its item ids in order); its items
are recorded as items.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from marshmallow import fields

from question_bank.bank.problems import Problem
from question_bank.bank.schema import Identifier
from question_bank.bank.schema import Text
from question_bank.bank.schema import TextRecords
from question_bank.bank.schema import WholeNumber
from question_bank.bank.schema import _Strict
from question_bank.bank.yaml_lines import LineDict
from question_bank.bank.yaml_lines import LineList
from question_bank.model import Case
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import Source

MIN_ITEMS = 3
MAX_ITEMS = 6

#: The id prefix of cases in the shipped case pool.
CASE_ID_PREFIXES = {"cases": "case"}


class CaseSchema(_Strict):
    """The case's own fields; its items are read one by one by the loader's item reader."""

    id = Identifier(required=True)
    version = WholeNumber(required=True)
    title = Text(required=True)
    difficulty = WholeNumber(required=True, allowed=(1, 2, 3),
                             message="must be 1 (recall), 2 (understanding) or 3 (application)")
    stem = Text(required=True)
    source = TextRecords(required=("seed", "section"), minimum=1, too_few="name at least one source")
    tags = fields.List(Text(), load_default=list)
    enemies = fields.List(Identifier(), load_default=list)
    items = fields.List(fields.Raw(), required=True)


_CASE_SCHEMA = CaseSchema()


@dataclass(slots=True)
class PlacedCase:
    """A case (or what could be read of one) and where it was written."""

    file: str
    line: int
    case_id: str
    raw: LineDict
    case: Case | None = None


#: ``(name, pool, index, raw item, seeds, problems) -> placed item`` (the loader's item reader).
ItemReader = Callable[[str, str, int, LineDict, Any, list[Problem]], Any]


def read_cases(name: str, pool: str, document: LineDict, seeds: Any, problems: list[Problem],
               read_item: ItemReader) -> tuple[list[PlacedCase], list[Any]]:
    """The cases of one file and the placed items of all of them (for the checks across files)."""
    from question_bank.bank.loader import _line_of
    from question_bank.bank.loader import _schema_problems

    raw_cases = document.get("cases")
    if raw_cases is None:
        return [], []
    if not isinstance(raw_cases, LineList):
        problems.append(Problem(name, document.key_lines.get("cases", document.line), "", "cases", "must be a list of cases"))
        return [], []
    if document.get("items"):
        problems.append(Problem(name, document.key_lines.get("items", document.line), "", "items",
                                "a file with cases holds no loose items (a case pool is drawn by whole cases): "
                                "move the items to a pool file"))
    cases: list[PlacedCase] = []
    placed_items: list[Any] = []
    for index, raw in enumerate(raw_cases):
        if not isinstance(raw, LineDict):
            problems.append(Problem(name, raw_cases.item_lines[index], "", f"cases[{index}]", "a case must be a mapping"))
            continue
        raw_id = raw.get("id")
        case_id = raw_id if isinstance(raw_id, str) and raw_id else f"cases[{index}]"
        placed = PlacedCase(name, raw.line, case_id, raw)
        cases.append(placed)
        found: list[Problem] = []

        def report(path: tuple, message: str, raw: LineDict = raw, case_id: str = case_id) -> None:
            from question_bank.bank.problems import format_path

            found.append(Problem(name, _line_of(raw, path), case_id, format_path(path), message))

        try:
            data = _CASE_SCHEMA.load(raw)
        except ValidationError as error:
            found.extend(_schema_problems(name, raw, case_id, error))
            data = None
        prefix = CASE_ID_PREFIXES.get(pool)
        if prefix and isinstance(raw_id, str) and not re.fullmatch(rf"{prefix}-\d{{3,}}", raw_id):
            report(("id",), f"ids in pool {pool!r} look like {prefix}-001")
        raw_items = raw.get("items")
        items: list[Item] = []
        adds: list[str] = []
        if isinstance(raw_items, LineList):
            if not MIN_ITEMS <= len(raw_items) <= MAX_ITEMS:
                report(("items",), f"a case has {MIN_ITEMS} to {MAX_ITEMS} items, not {len(raw_items)}")
            for position, raw_item in enumerate(raw_items, start=1):
                item, text = _read_case_item(name, pool, case_id, position, raw_item, raw_items, seeds, found,
                                             read_item, placed_items)
                if item is not None:
                    items.append(item)
                    adds.append(text)
        elif "items" in raw:
            report(("items",), "must be a list of 3 to 6 items")
        problems.extend(found)
        if data is not None and not found and isinstance(raw_items, LineList) and len(items) == len(raw_items):
            placed.case = Case(
                id=data["id"], version=data["version"], pool=pool, title=data["title"], difficulty=data["difficulty"],
                stem=data["stem"], items=tuple(items), adds=tuple(adds),
                sources=tuple(Source(s["seed"], s["section"]) for s in data["source"]),
                tags=tuple(data["tags"]), enemies=tuple(data["enemies"]))
    return cases, placed_items


def _read_case_item(name: str, pool: str, case_id: str, position: int, raw_item: object, raw_items: LineList,
                    seeds: Any, found: list[Problem], read_item: ItemReader,
                    placed_items: list[Any]) -> tuple[Item | None, str]:
    where = f"items[{position - 1}]"
    if not isinstance(raw_item, LineDict):
        found.append(Problem(name, raw_items.item_lines[position - 1], case_id, where, "an item must be a mapping"))
        return None, ""
    text = raw_item.get("adds")
    add_line = raw_item.key_lines.get("adds", raw_item.line)
    item_id = raw_item.get("id") if isinstance(raw_item.get("id"), str) else where
    if text is None and position > 1:
        found.append(Problem(name, raw_item.line, item_id, "adds",
                             "required from the second item on: the new information this item brings to the case"))
    elif text is not None and (not isinstance(text, str) or not text.strip()):
        found.append(Problem(name, add_line, item_id, "adds", "must be text that says something"))
    if raw_item.get("type") == ItemType.SCENARIO.value:
        found.append(Problem(name, raw_item.key_lines.get("type", raw_item.line), item_id, "type",
                             "a case item cannot be a scenario: the case is the scenario (put its vignette in the "
                             "case's stem or this item's adds)"))
        return None, ""
    expected = f"{case_id}-{position}"
    if isinstance(raw_item.get("id"), str) and raw_item["id"] != expected:
        found.append(Problem(name, raw_item.key_lines.get("id", raw_item.line), item_id, "id",
                             f"item {position} of case {case_id} has the id {expected}"))
    bare = LineDict((k, v) for k, v in raw_item.items() if k != "adds")
    bare.line = raw_item.line
    bare.key_lines = raw_item.key_lines
    before = len(found)
    placed = read_item(name, pool, position - 1, bare, seeds, found)
    if placed is not None:
        placed_items.append(placed)
    if placed is None or placed.item is None or len(found) > before:
        return None, ""
    return placed.item, text.strip() if isinstance(text, str) else ""


def case_fingerprint(case: Case) -> str:
    """``sha256:<hex>`` of what a student reads of the case itself (its items are locked as items)."""
    content = {"title": case.title, "stem": case.stem, "adds": list(case.adds), "items": [i.id for i in case.items]}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def case_version_problem(case: Case, entry: Any) -> str | None:
    """Why ``case`` contradicts its versions-lock entry (a ``LockEntry`` or None), or None."""
    if entry is None or case.version > entry.version:
        return None
    if case.version < entry.version:
        return (f"version went down from {entry.version} to {case.version} "
                "(versions only go up; a retired id is never reused)")
    if case_fingerprint(case) != entry.fingerprint:
        return (f"the case's text (title, stem, adds or its items' order) changed but version is still {case.version}: "
                f"raise it to {case.version + 1}, then run `quiztool bank validate --update-lock`")
    return None
