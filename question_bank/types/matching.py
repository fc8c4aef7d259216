"""Matching: match each premise to one response.

Bank file: ``premises``, ``responses`` (at least as many), ``key`` (premise id -> response id).
Layout: premises in authored order, responses shuffled (``premise_order``, ``response_order``).
Response: ``{premise_id: response_id}``. Scoring: premises matched right / premises.
Formats: pairs everywhere (Moodle matching, Canvas matching, QTI matchInteraction).
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
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import MatchingBody
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


class MatchingSchema(ItemSchema):
    premises = choice_records(2, "premises")
    responses = choice_records(2, "responses")
    key = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class MatchingType(ItemTypeSpec):
    type = ItemType.MATCHING
    label = N_("matching")
    body_class = MatchingBody
    schema = MatchingSchema
    partial_credit = "per premise: premises matched right / premises"

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "premises")
        yield from rules.check_choice_list(data, "responses")
        premises, responses = rules.ids(data, "premises"), rules.ids(data, "responses")
        if len(responses) < len(premises):
            # More responses than premises is the rule's point (one or two extra, so the last pair
            # does not fall out by elimination: `quiztool bank lint` asks for it); fewer cannot work.
            yield (
                ("responses",),
                f"fewer responses than premises: {len(premises)} premises but {len(responses)} responses",
            )
        yield from rules.check_mapping_key(data["key"], premises, responses, "premise", "response")

    def build(self, data: Mapping[str, Any]) -> MatchingBody:
        return MatchingBody(choices(data["premises"]), choices(data["responses"]), dict(data["key"]))

    def to_data(self, body: MatchingBody) -> dict[str, Any]:
        return {
            "premises": choices_to_data(body.premises),
            "responses": choices_to_data(body.responses),
            "key": dict(body.key),
        }

    def layout(self, body: MatchingBody, rng) -> Layout:  # noqa: ANN001
        return Layout(
            premise_order=tuple(c.id for c in body.premises),
            response_order=shuffled([c.id for c in body.responses], rng),
        )

    def lists(self, body: MatchingBody, layout: Layout) -> dict[str, list[Choice]]:
        return {
            "premises": in_order(body.premises, layout.premise_order),
            "responses": in_order(body.responses, layout.response_order),
        }

    def key(self, body: MatchingBody) -> object:
        return dict(body.key)

    def review_choice(self, body: MatchingBody, list_name: str, choice: Choice, response: object,
                      shown: bool) -> dict[str, Any]:
        return pair_review(body.key, choice, response, shown) if list_name == "premises" else {}

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        return pair_field(view, "premises", "responses")

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        return pair_form(view, "premises", name, form)

    def credit(self, body: MatchingBody, response: object) -> Fraction:
        return placement_credit(body.key, response)

    def pieces(self, body: MatchingBody) -> list[tuple[str, Choice]]:
        return [("premise", c) for c in body.premises] + [("response", c) for c in body.responses]

    def with_pieces(self, body: MatchingBody, found: Mapping[tuple[str, str], str]) -> MatchingBody:
        return replace(body, premises=filled("premise", body.premises, found),
                       responses=filled("response", body.responses, found))

    def import_problem(self, body: MatchingBody) -> str | None:
        problem = role_problems([("premise", body.premises), ("response", body.responses)])
        if problem:
            return problem
        if not body.premises or not body.responses:
            return "nothing to match"
        if set(body.key) != {c.id for c in body.premises}:
            return "not every premise has a matching response"
        return None

    pair_roles = ("premise", "response")

    def from_exchange(self, shape: PairShape) -> MatchingBody:
        return MatchingBody(tuple(shape.left), tuple(shape.right), dict(shape.key))

    def exchange(self, body: MatchingBody) -> PairShape:
        return PairShape("premise", body.premises, "response", body.responses, body.key)


TYPE = MatchingType()
