"""Classification: sort statements into categories.

Bank file: ``categories`` (at least 2), ``statements`` (at least 1), ``key`` (statement id ->
category id). Layout: categories as authored, statements shuffled (``statement_order``).
Response: ``{statement_id: category_id}``. Scoring: statements placed right / statements.
Formats: pairs with reusable targets, marked ``kind=classification``.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from marshmallow import fields

from question_bank.messages import N_
from question_bank.bank import rules
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import choice_records
from question_bank.forms import Layout
from question_bank.model import ClassificationBody
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.types._pairs import pair_field
from question_bank.types._pairs import pair_form
from question_bank.types._pairs import pair_review
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import PairShape
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import filled
from question_bank.types.base import in_order
from question_bank.types.base import placement_credit
from question_bank.types.base import role_problems
from question_bank.types.base import shuffled


class ClassificationSchema(ItemSchema):
    categories = choice_records(2, "categories")
    statements = choice_records(1, "statements")
    key = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class ClassificationType(ItemTypeSpec):
    type = ItemType.CLASSIFICATION
    label = N_("classification")
    body_class = ClassificationBody
    schema = ClassificationSchema
    partial_credit = "per statement: statements in their keyed category / statements"

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "categories")
        yield from rules.check_choice_list(data, "statements")
        statements, categories = rules.ids(data, "statements"), rules.ids(data, "categories")
        yield from rules.check_mapping_key(data["key"], statements, categories, "statement", "category")

    def build(self, data: Mapping[str, Any]) -> ClassificationBody:
        return ClassificationBody(
            choices(data["categories"]), choices(data["statements"]), dict(data["key"])
        )

    def to_data(self, body: ClassificationBody) -> dict[str, Any]:
        return {
            "categories": choices_to_data(body.categories),
            "statements": choices_to_data(body.statements),
            "key": dict(body.key),
        }

    def layout(self, body: ClassificationBody, rng) -> Layout:  # noqa: ANN001
        return Layout(statement_order=shuffled([c.id for c in body.statements], rng))

    def lists(self, body: ClassificationBody, layout: Layout) -> dict[str, list[Choice]]:
        return {
            "categories": list(body.categories),
            "statements": in_order(body.statements, layout.statement_order),
        }

    def key(self, body: ClassificationBody) -> object:
        return dict(body.key)

    def review_choice(self, body: ClassificationBody, list_name: str, choice: Choice,
                      response: object, shown: bool) -> dict[str, Any]:
        return pair_review(body.key, choice, response, shown) if list_name == "statements" else {}

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        return pair_field(view, "statements", "categories")

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        return pair_form(view, "statements", name, form)

    def credit(self, body: ClassificationBody, response: object) -> Fraction:
        return placement_credit(body.key, response)

    def pieces(self, body: ClassificationBody) -> list[tuple[str, Choice]]:
        return [("category", c) for c in body.categories] + [
            ("statement", c) for c in body.statements
        ]

    def with_pieces(self, body: ClassificationBody,
                    found: Mapping[tuple[str, str], str]) -> ClassificationBody:
        return replace(body, categories=filled("category", body.categories, found),
                       statements=filled("statement", body.statements, found))

    def import_problem(self, body: ClassificationBody) -> str | None:
        problem = role_problems([("category", body.categories), ("statement", body.statements)])
        if problem:
            return problem
        if not body.statements or not body.categories:
            return "nothing to classify"
        if set(body.key) != {c.id for c in body.statements}:
            return "not every statement has a category"
        return None

    pair_roles = ("statement", "category")

    def from_exchange(self, shape: PairShape) -> ClassificationBody:
        return ClassificationBody(tuple(shape.right), tuple(shape.left), dict(shape.key))

    def exchange(self, body: ClassificationBody) -> PairShape:
        return PairShape("statement", body.statements, "category", body.categories, body.key,
                         kind=ItemType.CLASSIFICATION, reusable=True)


TYPE = ClassificationType()
