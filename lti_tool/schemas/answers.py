"""What a student may send as an answer: one schema per item kind, built against the ids the
student was shown (the item's ``student_view``), so unknown ids are refused with a message.

Shapes are the engine's response shapes (``question_bank.model``): single -> option id;
multiple -> list of option ids; true/false -> boolean; ordering -> every option id once, in
order; matching -> ``{premise_id: response_id}``; classification -> ``{statement_id:
category_id}``. ``null`` clears an answer. The HTML form's fields are turned into the same
shapes by ``response_from_form``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate


class AutosaveSchema(Schema):
    """The JSON body of an autosave: which slot (1-based) and the response (no keys)."""

    class Meta:
        unknown = RAISE

    slot = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    response = fields.Raw(required=True, allow_none=True)


class QuestionPageFormSchema(Schema):
    """The navigation part of a question page's form: which questions it showed (their answer
    fields are read by ``response_from_form``) and where to go after saving."""

    class Meta:
        unknown = RAISE

    shown = fields.List(fields.Integer(strict=False, validate=validate.Range(min=1)), required=True,
                        validate=validate.Length(min=1, error="the form names no question"))
    go = fields.String(load_default="")

    @staticmethod
    def from_form(form: Any) -> dict[str, Any]:
        return {"shown": form.getlist("shown"), "go": form.get("go", "")}


def _ids(view: Mapping[str, Any], name: str) -> list[str]:
    return [entry["id"] for entry in view.get(name, [])]


def _one_of(ids: list[str], what: str) -> validate.OneOf:
    return validate.OneOf(ids, error=f"{{input!r}} is not one of this question's {what}")


def _no_repeats(values: list[str]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("an id appears more than once")


def _every_option_once(ids: list[str]):  # noqa: ANN202
    def check(values: list[str]) -> None:
        if sorted(values) != sorted(ids):
            raise ValidationError("put every option in the order exactly once")

    return check


def response_field(view: Mapping[str, Any]) -> fields.Field:
    """The marshmallow field that accepts a response to the item shown as ``view``."""
    kind = view["kind"]
    if kind == "single":
        return fields.String(allow_none=True, validate=_one_of(_ids(view, "options"), "options"))
    if kind == "true_false":
        return fields.Boolean(allow_none=True)
    if kind == "multiple":
        option = fields.String(validate=_one_of(_ids(view, "options"), "options"))
        return fields.List(option, allow_none=True, validate=_no_repeats)
    if kind == "ordering":
        ids = _ids(view, "options")
        option = fields.String(validate=_one_of(ids, "options"))
        return fields.List(option, allow_none=True, validate=_every_option_once(ids))
    if kind == "matching":
        return fields.Dict(
            keys=fields.String(validate=_one_of(_ids(view, "premises"), "premises")),
            values=fields.String(validate=_one_of(_ids(view, "responses"), "responses")),
            allow_none=True,
        )
    if kind == "classification":
        return fields.Dict(
            keys=fields.String(validate=_one_of(_ids(view, "statements"), "statements")),
            values=fields.String(validate=_one_of(_ids(view, "categories"), "categories")),
            allow_none=True,
        )
    raise ValueError(f"no answer schema for kind {kind!r}")


def load_response(view: Mapping[str, Any], raw: object) -> Any:
    """The validated response, or ValidationError naming what is wrong. Empty answers are None."""
    schema = Schema.from_dict({"response": response_field(view)})()
    response = schema.load({"response": raw})["response"]
    if response in ([], {}, ""):
        return None
    return response


def response_from_form(view: Mapping[str, Any], slot: int, form: Any) -> object:
    """The raw response the no-JavaScript form posted for question ``slot`` (unvalidated).

    Field names: ``q{slot}`` (radio or checkboxes), ``q{slot}.{premise or statement id}``
    (selects), ``q{slot}.pos.{option id}`` (ordering: a position select per option).
    """
    kind = view["kind"]
    name = f"q{slot}"
    if kind in ("single", "true_false"):
        value = form.get(name) or None
        return {"true": True, "false": False}.get(value, value) if kind == "true_false" else value
    if kind == "multiple":
        return form.getlist(name)
    if kind in ("matching", "classification"):
        rows = _ids(view, "premises" if kind == "matching" else "statements")
        chosen = {row: form.get(f"{name}.{row}", "") for row in rows}
        return {row: value for row, value in chosen.items() if value}
    if kind == "ordering":
        return _order_from_positions(_ids(view, "options"), name, form)
    raise ValueError(f"no form reading for kind {kind!r}")


def _order_from_positions(ids: list[str], name: str, form: Any) -> list[str] | None:
    positions: dict[str, int] = {}
    for option in ids:
        value = form.get(f"{name}.pos.{option}", "")
        if not value:
            return None  # not ordered yet
        try:
            positions[option] = int(value)
        except ValueError as error:
            raise ValidationError("a position is a number") from error
    if sorted(positions.values()) != list(range(1, len(ids) + 1)):
        raise ValidationError("give each position to exactly one item")
    return sorted(ids, key=positions.__getitem__)
