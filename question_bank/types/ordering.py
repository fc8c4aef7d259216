"""Ordering: put the options in order.

Bank file: ``options``, ``key`` (every option id once, in the right order).
Layout: the options shuffled, never into the right order (``option_order``).
Response: the option ids in the student's order. Scoring: positions holding the keyed option /
options. Formats: Moodle XML ordering; GIFT and Canvas as matching to positions (noted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from marshmallow import ValidationError
from marshmallow import fields

from question_bank.messages import N_
from question_bank.bank import rules
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import choice_records
from question_bank.bank.schema import id_list
from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import OrderingBody
from question_bank.types.base import ZERO
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import OrderShape
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import filled
from question_bank.types.base import ids_of
from question_bank.types.base import in_order
from question_bank.types.base import one_of
from question_bank.types.base import role_problems


class OrderingSchema(ItemSchema):
    options = choice_records(2, "options")
    key = id_list(required=True)


def _shuffled_not(correct: list[str], ids: list[str], rng) -> tuple[str, ...]:  # noqa: ANN001
    """A shuffle of ``ids`` that is not the ``correct`` order (which would give the answer away)."""
    if len(ids) < 2:
        return tuple(ids)
    while True:
        rng.shuffle(ids)
        if ids != correct:
            return tuple(ids)


def _every_option_once(ids: list[str]):  # noqa: ANN202
    def check(values: list[str]) -> None:
        if sorted(values) != sorted(ids):
            raise ValidationError("put every option in the order exactly once")

    return check


class OrderingType(ItemTypeSpec):
    type = ItemType.ORDERING
    label = N_("ordering")
    body_class = OrderingBody
    schema = OrderingSchema
    partial_credit = "per position: positions holding the keyed option / options"

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "options")
        options = rules.ids(data, "options")
        key = data["key"]
        if sorted(key) == sorted(options):
            return
        missing = [option for option in options if option not in key]
        unknown = [k for k in key if k not in options]
        repeated = [k for k, count in Counter(key).items() if count > 1]
        details = []
        if missing:
            details.append(f"missing {rules.listing(missing)}")
        if unknown:
            details.append(f"not options: {rules.listing(unknown)}")
        if repeated:
            details.append(f"repeated: {rules.listing(repeated)}")
        yield ("key",), "key must list every option exactly once (" + "; ".join(details) + ")"

    def build(self, data: Mapping[str, Any]) -> OrderingBody:
        return OrderingBody(choices(data["options"]), tuple(data["key"]))

    def to_data(self, body: OrderingBody) -> dict[str, Any]:
        return {"options": choices_to_data(body.options), "key": list(body.key)}

    def layout(self, body: OrderingBody, rng) -> Layout:  # noqa: ANN001
        return Layout(option_order=_shuffled_not(list(body.key), [c.id for c in body.options], rng))

    def lists(self, body: OrderingBody, layout: Layout) -> dict[str, list[Choice]]:
        return {"options": in_order(body.options, layout.option_order)}

    def key(self, body: OrderingBody) -> object:
        return list(body.key)

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        ids = ids_of(view, "options")
        option = fields.String(validate=one_of(ids, "options"))
        return fields.List(option, allow_none=True, validate=_every_option_once(ids))

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        ids = ids_of(view, "options")
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

    def credit(self, body: OrderingBody, response: object) -> Fraction:
        if not isinstance(response, list | tuple) or not body.key:
            return ZERO
        right = sum(1 for given, expected in zip(response, body.key) if given == expected)
        return Fraction(right, len(body.key))

    def pieces(self, body: OrderingBody) -> list[tuple[str, Choice]]:
        return [("option", c) for c in body.options]

    def with_pieces(self, body: OrderingBody, found: Mapping[tuple[str, str], str]) -> OrderingBody:
        return replace(body, options=filled("option", body.options, found))

    def import_problem(self, body: OrderingBody) -> str | None:
        problem = role_problems([("option", body.options)])
        if problem:
            return problem
        if len(body.options) < 2:
            return "fewer than two items to order"
        if sorted(body.key) != sorted(c.id for c in body.options):
            return "the correct order does not list every item once"
        return None

    def exchange(self, body: OrderingBody) -> OrderShape:
        return OrderShape(body.options, body.key)


TYPE = OrderingType()
