"""Marshmallow schemas for bank files: the *shape* of a file and the fields every item has.

Each item type's own schema (``ItemSchema`` plus its fields) lives in its type module
(``question_bank/types/<type>.py``), built from the field classes here.

The schemas check what a field-by-field reading can check (required fields, types, ranges,
unknown keys, with ``unknown = RAISE`` everywhere so a misspelt key is an error, not a silently
ignored line). Rules that relate fields to each other (a key naming an option that exists, equal
sides of a matching item) live in ``rules.py``, which runs only on items whose shape is right.

A scenario is its carried type's schema plus ``carries`` and ``vignette``
(``types/scenario.py``); ``schema_for`` picks
the schema from the raw ``type``/``carries`` values, which the loader has checked first.
"""

from __future__ import annotations

import re

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields

from question_bank.model import ItemType

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Text(fields.String):
    """Text that must say something: empty or all-blank is refused.

    A field class rather than a validator because the check then costs one call; validators go
    through a ``validate.And`` built for every value, which a large bank feels.
    """

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 (marshmallow hook)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            raise ValidationError("must not be empty")
        return value


class Identifier(fields.String):
    """An id: letters, digits, ``-``, ``_`` and ``.``; no spaces."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 (marshmallow hook)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not _ID_PATTERN.match(value):
            raise ValidationError(
                f"{value!r} is not a usable id (letters, digits, '-', '_' and '.'; no spaces)"
            )
        return value


class WholeNumber(fields.Field):
    """A whole number (not a bool, not "2") that is at least ``minimum`` and, if given, in ``allowed``."""

    def __init__(self, *, minimum: int = 1, allowed: tuple[int, ...] = (), message: str = "", **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.minimum = minimum
        self.allowed = allowed
        self.message = message or f"must be a whole number of at least {minimum}"

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 (marshmallow hook)
        if type(value) is not int or value < self.minimum or (self.allowed and value not in self.allowed):
            raise ValidationError(self.message)
        return value


class StrictBoolean(fields.Field):
    """``true`` or ``false`` and nothing else: ``"yes"`` or ``1`` in a key is a typo, not a bool."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 (marshmallow hook)
        if isinstance(value, bool):
            return value
        raise ValidationError(f"must be true or false, not {value!r}")


def _text(**kwargs) -> Text:  # noqa: ANN003
    return Text(required=True, **kwargs)


def _ids(**kwargs) -> fields.List:  # noqa: ANN003
    return fields.List(Identifier(), **kwargs)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TextRecords(fields.Field):
    """A list of small all-text mappings: choices ``{id, text, rationale}``, sources ``{seed, section}``.

    Each record is checked as a nested schema with ``unknown = RAISE`` would check it (required
    keys present and not blank, optional keys text, ids id-like, no other keys), with errors in
    the same shape (``options[2].text``), but in one call per list instead of one schema pass per
    record: a bank has five times more choices than items, and nested schemas were most of the
    load time of a large bank. Optional keys that are absent come back as ``""``.
    """

    def __init__(
        self,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
        minimum: int,
        too_few: str,
        **kwargs,  # noqa: ANN003
    ) -> None:
        super().__init__(required=True, **kwargs)
        self.needed = required
        self.keys = required + optional
        self.minimum = minimum
        self.too_few = too_few

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 (marshmallow hook)
        if not isinstance(value, list):
            raise ValidationError("must be a list")
        errors: dict[int, dict[str, list[str]]] = {}
        records = []
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                example = ", ".join(f"{key}: ..." for key in self.needed)
                errors[index] = {"_schema": [f"must be a mapping like {{{example}}}"]}
                continue
            problems = self._problems(entry)
            if problems:
                errors[index] = problems
                continue
            records.append({key: entry.get(key, "") for key in self.keys})
        if errors:
            raise ValidationError(errors)
        if len(records) < self.minimum:
            raise ValidationError(self.too_few)
        return records

    def _problems(self, entry: dict) -> dict[str, list[str]]:
        problems: dict[str, list[str]] = {}
        for key in entry:
            if key not in self.keys:
                problems[str(key)] = ["unknown field"]
        for key in self.keys:
            if key not in entry:
                if key in self.needed:
                    problems[key] = ["required field is missing"]
                continue
            text = entry[key]
            if not isinstance(text, str):
                problems[key] = ["must be text"]
            elif key == "id" and not _ID_PATTERN.match(text):
                problems[key] = [f"{text!r} is not a usable id (letters, digits, '-', '_' and '.')"]
            elif key in self.needed and not text.strip():
                problems[key] = ["must not be empty"]
        return problems


class FileSchema(_Strict):
    """The top of a bank file. Items are checked one by one so each error can name its item."""

    pool = _text()
    title = _text()
    items = fields.List(fields.Raw(), load_default=None)
    #: A case pool's unfolding cases (``bank/cases.py``), instead of ``items``.
    cases = fields.List(fields.Raw(), load_default=None)


class ItemSchema(_Strict):
    """The fields every item has, whatever its type."""

    id = Identifier(required=True)
    version = WholeNumber(required=True)
    type = fields.String(required=True)
    difficulty = WholeNumber(
        required=True,
        allowed=(1, 2, 3),
        message="must be 1 (recall), 2 (understanding) or 3 (application)",
    )
    stem = _text()
    rationale = _text()
    source = TextRecords(
        required=("seed", "section"), minimum=1, too_few="name at least one source"
    )
    tags = fields.List(Text(), load_default=list)
    enemies = _ids(load_default=list)
    points = WholeNumber(load_default=1)
    covers = _ids(load_default=list)
    lint_ok = Text(load_default=None)


def choice_records(minimum: int, what: str, *, rationale_required: bool = False) -> TextRecords:
    """A list of at least ``minimum`` choices ``{id, text, rationale}`` (rationale optional
    unless ``rationale_required``)."""
    return TextRecords(
        required=("id", "text", "rationale") if rationale_required else ("id", "text"),
        optional=() if rationale_required else ("rationale",),
        minimum=minimum,
        too_few=f"needs at least {minimum} {what}",
    )


def id_list(**kwargs) -> fields.List:  # noqa: ANN003
    """A list of ids."""
    return fields.List(Identifier(), **kwargs)


FILE_SCHEMA = FileSchema()
_PLAIN_SCHEMAS: dict[ItemType, Schema] = {}


def schema_for(item_type: ItemType, carries: ItemType | None = None) -> Schema:
    """The schema of a plain item of ``item_type``, or of a scenario carrying ``carries``.

    Each type's schema class lives in its type module (``question_bank.types``); instances are
    built once, since schema construction is the slow part of marshmallow."""
    from question_bank import types as item_types  # the registry imports this module

    if item_type is ItemType.SCENARIO:
        if carries is None:
            raise ValueError("a scenario schema needs the carried type")
        return item_types.SCENARIO.schema_for(item_types.spec_for(carries).schema)
    if item_type not in _PLAIN_SCHEMAS:
        _PLAIN_SCHEMAS[item_type] = item_types.spec_for(item_type).schema()
    return _PLAIN_SCHEMAS[item_type]
