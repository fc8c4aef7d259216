"""Turn a schema-valid, rule-valid item dict into the frozen model objects, and back.

``item_from_data`` is the only place that knows how bank-file fields map onto ``model.Item``;
``item_to_data`` is its inverse (the bank-file dict, keys in the README's order), used to write
bank files and to fingerprint an item's content for the versions lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.model import Body
from question_bank.model import Choice
from question_bank.model import ClassificationBody
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.model import OrderingBody
from question_bank.model import SingleBody
from question_bank.model import Source
from question_bank.model import TrueFalseBody


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
        body=_body_from_data(carries or item_type, data),
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


def _choices(raw: list[Mapping[str, str]]) -> tuple[Choice, ...]:
    return tuple(Choice(c["id"], c["text"], c["rationale"]) for c in raw)


def _body_from_data(kind: ItemType, data: Mapping[str, Any]) -> Body:
    if kind is ItemType.SINGLE:
        return SingleBody(_choices(data["options"]), data["key"])
    if kind is ItemType.MULTIPLE:
        return MultipleBody(
            _choices(data["options"]), frozenset(data["key"]), MultipleScoring(data["scoring"])
        )
    if kind is ItemType.TRUE_FALSE:
        return TrueFalseBody(data["key"])
    if kind is ItemType.MATCHING:
        return MatchingBody(
            _choices(data["premises"]), _choices(data["responses"]), dict(data["key"])
        )
    if kind is ItemType.ORDERING:
        return OrderingBody(_choices(data["options"]), tuple(data["key"]))
    return ClassificationBody(
        _choices(data["categories"]), _choices(data["statements"]), dict(data["key"])
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
    data.update(_body_to_data(item.body))
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


def _choices_to_data(choices: tuple[Choice, ...]) -> list[dict[str, str]]:
    out = []
    for choice in choices:
        entry = {"id": choice.id, "text": choice.text}
        if choice.rationale:
            entry["rationale"] = choice.rationale
        out.append(entry)
    return out


def _body_to_data(body: Body) -> dict[str, Any]:
    if isinstance(body, SingleBody):
        return {"options": _choices_to_data(body.options), "key": body.key}
    if isinstance(body, MultipleBody):
        # Authoring order, not set order, so the written file (and the fingerprint) is stable.
        key = [c.id for c in body.options if c.id in body.key]
        key += sorted(body.key.difference(key))
        return {
            "options": _choices_to_data(body.options),
            "key": key,
            "scoring": body.scoring.value,
        }
    if isinstance(body, TrueFalseBody):
        return {"key": body.answer}
    if isinstance(body, MatchingBody):
        return {
            "premises": _choices_to_data(body.premises),
            "responses": _choices_to_data(body.responses),
            "key": dict(body.key),
        }
    if isinstance(body, OrderingBody):
        return {"options": _choices_to_data(body.options), "key": list(body.key)}
    return {
        "categories": _choices_to_data(body.categories),
        "statements": _choices_to_data(body.statements),
        "key": dict(body.key),
    }
