"""Rules that relate one field of an item to another, run after the schema accepted its shape.

Each type's own rules are its module's ``check`` (``question_bank/types``); this module runs
them, adds the rules every item has (enemies) and holds the helpers they share.

Each check yields ``(path, message)``; the loader turns the path into a line number and adds the
file and item id. The checks look only at one item: rules across items (duplicate ids, enemies
that exist) and against other files (seeds in ``sources.yaml``) are the loader's.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence

from question_bank.model import ItemType

Path = tuple[str | int, ...]
Finding = tuple[Path, str]


def check_item(kind: ItemType, data: Mapping, *, shape_checked: bool = True) -> list[Finding]:
    """Every cross-field problem of one item whose body is of type ``kind``.

    With ``shape_checked=False`` the item failed its schema and ``data`` is the raw mapping: each
    check then reports what it can and gives up quietly where the shape is wrong (the schema
    errors already say why), so one bad field does not hide the item's other problems.
    """
    from question_bank import types as item_types  # the type modules import this one

    findings: list[Finding] = []
    for check in (item_types.spec_for(kind).check, _check_enemies):
        try:
            findings.extend(check(data))
        except (KeyError, TypeError, AttributeError, IndexError):
            if shape_checked:
                raise
    return findings


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def check_choice_list(data: Mapping, field: str) -> Iterator[Finding]:
    """No two choices of one list share an id or (ignoring case and spacing) a text."""
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for index, choice in enumerate(data[field]):
        if choice["id"] in seen_ids:
            yield (field, index, "id"), f"duplicate id {choice['id']!r}"
        seen_ids.add(choice["id"])
        text = _normalised(choice["text"])
        if text in seen_texts:
            yield (field, index, "text"), f"duplicate {_singular(field)} text \"{choice['text']}\""
        seen_texts.add(text)


def _singular(field: str) -> str:
    return {"options": "option", "premises": "premise", "responses": "response"}.get(
        field, field.rstrip("s")
    )


def ids(data: Mapping, field: str) -> list[str]:
    return [choice["id"] for choice in data[field]]


def listing(ids: Sequence[str]) -> str:
    return ", ".join(ids)


def check_mapping_key(
    key: Mapping[str, str], sources: list[str], targets: list[str], source: str, target: str
) -> Iterator[Finding]:
    """A key ``{source_id: target_id}`` names every source once and only known targets."""
    for source_id, target_id in key.items():
        if source_id not in sources:
            yield ("key", source_id), f"{source_id!r} is not a {source} ({listing(sources)})"
        elif target_id not in targets:
            yield ("key", source_id), f"{target_id!r} is not a {target} ({listing(targets)})"
    missing = [source_id for source_id in sources if source_id not in key]
    if missing:
        yield ("key",), f"no {target} given for {source} {listing(missing)}"


def _check_enemies(data: Mapping) -> Iterator[Finding]:
    for index, enemy in enumerate(data["enemies"]):
        if enemy == data["id"]:
            yield ("enemies", index), "an item cannot be its own enemy"
