"""A drawn form as data: which item versions an attempt got and how each was laid out.

Randomization is recorded, not recomputed: the web layer stores ``form.to_json()`` with the
attempt and rebuilds it with ``Form.from_json`` on every page, so an attempt keeps its items and
their order even after the bank or the drawing code changes.

JSON shape (``format`` lets a later shape be told apart)::

    {"format": 1,
     "seed": "3f9c...",
     "slots": [{"item_id": "comp-003", "version": 2, "pool": "components",
                "layout": {"option_order": ["c", "a", "d", "b"]}},
               {"item_id": "phase-001", "version": 1, "pool": "phases",
                "layout": {"option_order": ["d", "b", "a", "c"]}},
               {"item_id": "tvs-004", "version": 1, "pool": "comparison",
                "layout": {"statement_order": ["s3", "s1", "s2"]}}]}

Layout keys by kind: single, multiple, ordering -> ``option_order``; matching ->
``premise_order`` and ``response_order``; classification -> ``statement_order``; true/false ->
none (``{}``). A scenario's layout is that of the type it carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FORM_FORMAT = 1

_LAYOUT_FIELDS = ("option_order", "premise_order", "response_order", "statement_order")


@dataclass(frozen=True, slots=True)
class Layout:
    """The order a student sees each list of an item in (ids); empty where the kind has none."""

    option_order: tuple[str, ...] = ()
    premise_order: tuple[str, ...] = ()
    response_order: tuple[str, ...] = ()
    statement_order: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in _LAYOUT_FIELDS if getattr(self, name)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Layout:
        unknown = set(data) - set(_LAYOUT_FIELDS)
        if unknown:
            raise ValueError(f"unknown layout keys: {', '.join(sorted(unknown))}")
        return cls(**{name: tuple(_str_list(data[name], name)) for name in data})


@dataclass(frozen=True, slots=True)
class FormSlot:
    """One place on a form: the exact item version and its layout for this student."""

    item_id: str
    version: int
    pool: str
    layout: Layout

    @property
    def ref(self) -> str:
        return f"{self.item_id}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "version": self.version,
            "pool": self.pool,
            "layout": self.layout.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormSlot:
        if not isinstance(data, dict) or set(data) != {"item_id", "version", "pool", "layout"}:
            raise ValueError("a form slot is {item_id, version, pool, layout}")
        if not isinstance(data["version"], int) or isinstance(data["version"], bool):
            raise ValueError("a form slot's version is a whole number")
        return cls(
            str(data["item_id"]), data["version"], str(data["pool"]), Layout.from_json(data["layout"])
        )


@dataclass(frozen=True, slots=True)
class FormCase:
    """An unfolding case on a form, recorded with the text the student reads (``question_bank.cases``):
    its items are the ``count`` slots from ``first`` (0-based), in the case's order; ``adds[i]``
    is what the case's item ``i`` adds to the stem."""

    case_id: str
    version: int
    title: str
    stem: str
    adds: tuple[str, ...]
    first: int
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "version": self.version, "title": self.title, "stem": self.stem,
                "adds": list(self.adds), "first": self.first, "count": self.count}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormCase:
        if not isinstance(data, dict) or set(data) != {"case_id", "version", "title", "stem", "adds", "first", "count"}:
            raise ValueError("a form case is {case_id, version, title, stem, adds, first, count}")
        return cls(str(data["case_id"]), int(data["version"]), str(data["title"]), str(data["stem"]),
                   tuple(_str_list(data["adds"], "adds")), int(data["first"]), int(data["count"]))


@dataclass(frozen=True, slots=True)
class Form:
    """The realized form of one attempt, in the order its slots are shown; ``cases`` says which
    runs of slots are the items of an unfolding case (none on most forms)."""

    seed: str
    slots: tuple[FormSlot, ...]
    cases: tuple[FormCase, ...] = ()

    @property
    def item_ids(self) -> list[str]:
        return [slot.item_id for slot in self.slots]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORM_FORMAT,
            "seed": self.seed,
            "slots": [slot.to_json() for slot in self.slots],
        }
        if self.cases:
            data["cases"] = [case.to_json() for case in self.cases]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Form:
        if not isinstance(data, dict) or data.get("format") != FORM_FORMAT:
            raise ValueError(f"not a stored form of format {FORM_FORMAT}")
        slots = data.get("slots")
        if not isinstance(slots, list):
            raise ValueError("a stored form has a list of slots")
        cases = data.get("cases") or []
        if not isinstance(cases, list):
            raise ValueError("a stored form's cases are a list")
        return cls(str(data.get("seed", "")), tuple(FormSlot.from_json(s) for s in slots),
                   tuple(FormCase.from_json(c) for c in cases))


def _str_list(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"layout {name} is a list of ids")
    return value
