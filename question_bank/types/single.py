"""Single best answer: one option is the key.

Bank file: ``options`` (each with a ``rationale``), ``key`` (an option id).
Layout: the options shuffled (``option_order``). Response: the chosen option id.
Scoring: all or nothing. Formats: a choice of one everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from marshmallow import fields

from question_bank.messages import N_
from question_bank.bank import rules
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import choice_records
from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import SingleBody
from question_bank.types.base import ONE
from question_bank.types.base import ZERO
from question_bank.types.base import ChoiceShape
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import ids_of
from question_bank.types.base import in_order
from question_bank.types.base import one_of
from question_bank.types.base import role_problems
from question_bank.types.base import shuffled


class SingleSchema(ItemSchema):
    options = choice_records(2, "options", rationale_required=True)
    key = fields.String(required=True)


class SingleType(ItemTypeSpec):
    type = ItemType.SINGLE
    label = N_("single answer")
    body_class = SingleBody
    schema = SingleSchema
    partial_credit = "all or nothing: the key chosen earns the item, anything else nothing"
    native_option_feedback = True

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "options")
        options = rules.ids(data, "options")
        if data["key"] not in options:
            yield ("key",), f"key {data['key']!r} is not among the options ({rules.listing(options)})"

    def build(self, data: Mapping[str, Any]) -> SingleBody:
        return SingleBody(choices(data["options"]), data["key"])

    def to_data(self, body: SingleBody) -> dict[str, Any]:
        return {"options": choices_to_data(body.options), "key": body.key}

    def layout(self, body: SingleBody, rng) -> Layout:  # noqa: ANN001
        return Layout(option_order=shuffled([c.id for c in body.options], rng))

    def lists(self, body: SingleBody, layout: Layout) -> dict[str, list[Choice]]:
        return {"options": in_order(body.options, layout.option_order)}

    def key(self, body: SingleBody) -> object:
        return body.key

    def review_choice(self, body: SingleBody, list_name: str, choice: Choice, response: object,
                      shown: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"is_key": choice.id == body.key}
        if shown:
            entry["chosen"] = response == choice.id
        return entry

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        return fields.String(allow_none=True, validate=one_of(ids_of(view, "options"), "options"))

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        return form.get(name) or None

    def credit(self, body: SingleBody, response: object) -> Fraction:
        return ONE if isinstance(response, str) and response == body.key else ZERO

    def option_list(self, body: SingleBody) -> list[tuple[str, str, bool]]:
        return [(o.id, o.text, o.id == body.key) for o in body.options]

    def chosen_options(self, body: SingleBody, response: object) -> list[str]:
        return [response] if isinstance(response, str) else []

    def pieces(self, body: SingleBody) -> list[tuple[str, Choice]]:
        return [("option", c) for c in body.options]

    def import_problem(self, body: SingleBody) -> str | None:
        problem = role_problems([("option", body.options)])
        if problem:
            return problem
        if len(body.options) < 2:
            return "fewer than two options"
        if body.key not in {c.id for c in body.options}:
            return "no correct option"
        return None

    def with_pieces(self, body: SingleBody, found: Mapping[tuple[str, str], str]) -> SingleBody:
        return body  # option feedback is native in every format

    def exchange(self, body: SingleBody) -> ChoiceShape:
        return ChoiceShape(body.options, (body.key,))


TYPE = SingleType()
__all__ = ["TYPE", "SingleSchema"]
