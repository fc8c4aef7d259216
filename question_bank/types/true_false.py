"""True or false: a statement (the stem) judged true or false.

Bank file: ``key`` (``true`` or ``false``). Layout: nothing shuffled ("true" then "false").
Response: a boolean (a form posts ``"true"``/``"false"``). Scoring: all or nothing.
Formats: truefalse (Moodle), a choice of ``true``/``false`` (QTI).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from marshmallow import fields

from question_bank.messages import N_
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import StrictBoolean
from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import TrueFalseBody
from question_bank.types.base import ONE
from question_bank.types.base import ZERO
from question_bank.types.base import ChoiceShape
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec

OPTIONS = (Choice("true", "True"), Choice("false", "False"))


class TrueFalseSchema(ItemSchema):
    key = StrictBoolean(required=True)


def as_answer(response: object) -> bool | None:
    """A true/false response as a bool, or None when it is neither."""
    if isinstance(response, bool):
        return response
    if isinstance(response, str):
        return {"true": True, "false": False}.get(response.strip().lower())
    return None


class TrueFalseType(ItemTypeSpec):
    type = ItemType.TRUE_FALSE
    label = N_("true/false")
    body_class = TrueFalseBody
    schema = TrueFalseSchema
    partial_credit = "all or nothing"

    def check(self, data: Mapping) -> Iterator[Finding]:
        return iter(())

    def build(self, data: Mapping[str, Any]) -> TrueFalseBody:
        return TrueFalseBody(data["key"])

    def to_data(self, body: TrueFalseBody) -> dict[str, Any]:
        return {"key": body.answer}

    def student_extra(self, body: TrueFalseBody, layout: Layout) -> dict[str, Any]:
        return {"options": [{"id": c.id, "text": c.text} for c in OPTIONS]}

    def key(self, body: TrueFalseBody) -> object:
        return body.answer

    def review_extra(self, body: TrueFalseBody, layout: Layout, response: object, shown: bool) -> dict[str, Any]:
        return {"options": [
            {"id": c.id, "text": c.text, "is_key": (c.id == "true") is body.answer}
            | ({"chosen": (c.id == "true") is as_answer(response)} if shown else {})
            for c in OPTIONS
        ]}

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        return fields.Boolean(allow_none=True)

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        value = form.get(name) or None
        return {"true": True, "false": False}.get(value, value)

    def credit(self, body: TrueFalseBody, response: object) -> Fraction:
        return ONE if as_answer(response) is body.answer else ZERO

    def option_list(self, body: TrueFalseBody) -> list[tuple[str, str, bool]]:
        return [("true", "True", body.answer is True), ("false", "False", body.answer is False)]

    def chosen_options(self, body: TrueFalseBody, response: object) -> list[str]:
        answer = as_answer(response)
        return [] if answer is None else ["true" if answer else "false"]

    def exchange(self, body: TrueFalseBody) -> ChoiceShape:
        return ChoiceShape(OPTIONS, ("true" if body.answer else "false",), true_false=True)


TYPE = TrueFalseType()
