"""Turn a schema-valid, rule-valid item dict into the frozen model objects, and back.

``item_from_data`` maps the fields every item has onto ``model.Item`` (the body's fields are
its type module's ``build``/``to_data``, ``question_bank/types``);
``item_to_data`` is its inverse (the bank-file dict, keys in the README's order), used to write
bank files and to fingerprint an item's content for the versions lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank import types as item_types
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import Source


def item_from_data(pool: str, data: Mapping[str, Any]) -> Item:
    item_type = ItemType(data["type"])
    carries = ItemType(data["carries"]) if item_type is ItemType.SCENARIO else None
    return Item(
        id=data["id"],
        version=data["version"],
        pool=pool,
        type=item_type,
        difficulty=data["difficulty"],
        stem=data["stem"],
        body=item_types.spec_for(carries or item_type).build(data),
        rationale=data["rationale"],
        sources=tuple(Source(s["seed"], s["section"]) for s in data["source"]),
        points=data["points"],
        tags=tuple(data["tags"]),
        enemies=tuple(data["enemies"]),
        vignette=data.get("vignette"),
        carries=carries,
        covers=tuple(data.get("covers") or ()),
        lint_ok=data.get("lint_ok"),
    )


def item_to_data(item: Item) -> dict[str, Any]:
    """The bank-file dict of ``item`` (README order; optional fields only when not default)."""
    data: dict[str, Any] = {
        "id": item.id,
        "version": item.version,
        "type": item.type.value,
    }
    if item.type is ItemType.SCENARIO:
        data["carries"] = item.kind.value
    data["difficulty"] = item.difficulty
    if item.vignette is not None:
        data["vignette"] = item.vignette
    data["stem"] = item.stem
    data.update(item_types.spec_for(item).to_data(item.body))
    data["rationale"] = item.rationale
    data["source"] = [{"seed": s.seed, "section": s.section} for s in item.sources]
    if item.tags:
        data["tags"] = list(item.tags)
    if item.enemies:
        data["enemies"] = list(item.enemies)
    if item.points != 1:
        data["points"] = item.points
    if item.covers:
        data["covers"] = list(item.covers)
    if item.lint_ok:
        data["lint_ok"] = item.lint_ok
    return data
