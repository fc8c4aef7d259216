"""Bow-tie: the condition in the middle, actions to take on one side and parameters to monitor
on the other, each chosen from its own list; 0/1 per slot.

Bank file::

    type: bowtie
    conditions: [{id, text, rationale}, ...]   # 2..6: choose one
    actions: [{id, text, rationale}, ...]      # 2..8: choose len(key.actions)
    parameters: [{id, text, rationale}, ...]   # 2..8: choose len(key.parameters)
    key: {condition: id, actions: [ids], parameters: [ids]}

Slots: 1 + len(key.actions) + len(key.parameters) (normally 5). A chosen action or parameter in
the key fills one slot; credit = slots filled / slots. A student may choose at most as many as
each side has slots (more is refused; a stored response with more earns nothing on that side).
Layout: each list shuffled (one ``option_order`` over all ids). Response:
``{"condition": id, "actions": [ids], "parameters": [ids]}``.
Formats: QTI 2.1 as three choiceInteractions in a ``div class="qb-bowtie"`` (each keyed choice
worth one slot, wrong ones nothing, ``maxChoices`` = the side's slots: the same 0/1 per slot).
GIFT, Moodle XML and Canvas have no bow-tie: skipped with a note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from fractions import Fraction
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from question_bank.messages import N_
from question_bank.bank import rules
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import choice_records
from question_bank.bank.schema import id_list
from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.types.base import ZERO
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import filled
from question_bank.types.base import ids_of
from question_bank.types.base import in_order
from question_bank.types.base import no_repeats
from question_bank.types.base import one_of
from question_bank.types.base import role_problems

LISTS = ("conditions", "actions", "parameters")
SIDES = ("actions", "parameters")
LIMITS = {"conditions": 6, "actions": 8, "parameters": 8}


@dataclass(frozen=True, slots=True)
class BowtieBody:
    """Response: ``{"condition": id, "actions": [ids], "parameters": [ids]}``."""

    conditions: tuple[Choice, ...]
    actions: tuple[Choice, ...]
    parameters: tuple[Choice, ...]
    condition: str
    key_actions: tuple[str, ...]
    key_parameters: tuple[str, ...]

    def side_key(self, side: str) -> tuple[str, ...]:
        return self.key_actions if side == "actions" else self.key_parameters


class BowtieKeySchema(Schema):
    class Meta:
        unknown = RAISE

    condition = fields.String(required=True)
    actions = id_list(required=True, validate=validate.Length(min=1, error="choose at least one action"))
    parameters = id_list(required=True, validate=validate.Length(min=1, error="choose at least one parameter"))


class BowtieSchema(ItemSchema):
    conditions = choice_records(2, "conditions", rationale_required=True)
    actions = choice_records(2, "actions", rationale_required=True)
    parameters = choice_records(2, "parameters", rationale_required=True)
    key = fields.Nested(BowtieKeySchema, required=True)


def _chosen(response: object, name: str) -> list[str] | None:
    if not isinstance(response, Mapping):
        return None
    value = response.get(name)
    if value is None:
        return []
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


class BowtieType(ItemTypeSpec):
    type = ItemType.BOWTIE
    label = N_("bow-tie")
    body_class = BowtieBody
    schema = BowtieSchema
    partial_credit = "0/1 per slot: the condition, each keyed action, each keyed parameter; slots filled / slots"
    exchange_note = "bow-tie: this format has no bow-tie (skipped)"

    def check(self, data: Mapping) -> Iterator[Finding]:
        seen: set[str] = set()
        for name in LISTS:
            yield from rules.check_choice_list(data, name)
            ids = rules.ids(data, name)
            if len(ids) > LIMITS[name]:
                yield (name,), f"at most {LIMITS[name]} {name} (has {len(ids)})"
            for index, piece in enumerate(ids):
                if piece in seen:
                    yield (name, index, "id"), f"id {piece!r} is used in another list; ids are unique in the item"
                seen.add(piece)
        key = data["key"]
        conditions = rules.ids(data, "conditions")
        if key["condition"] not in conditions:
            yield ("key", "condition"), f"{key['condition']!r} is not a condition ({rules.listing(conditions)})"
        for side in SIDES:
            ids = rules.ids(data, side)
            for index, piece in enumerate(key[side]):
                if piece not in ids:
                    yield ("key", side, index), f"{piece!r} is not one of the {side} ({rules.listing(ids)})"
            for piece, count in Counter(key[side]).items():
                if count > 1:
                    yield ("key", side), f"{piece!r} is listed {count} times"
            if len(set(key[side])) >= len(ids):
                yield ("key", side), f"every one of the {side} is keyed: list some that are not"

    def build(self, data: Mapping[str, Any]) -> BowtieBody:
        key = data["key"]
        return BowtieBody(choices(data["conditions"]), choices(data["actions"]),
                          choices(data["parameters"]), key["condition"],
                          tuple(key["actions"]), tuple(key["parameters"]))

    def to_data(self, body: BowtieBody) -> dict[str, Any]:
        return {
            "conditions": choices_to_data(body.conditions),
            "actions": choices_to_data(body.actions),
            "parameters": choices_to_data(body.parameters),
            "key": {"condition": body.condition, "actions": list(body.key_actions),
                    "parameters": list(body.key_parameters)},
        }

    def layout(self, body: BowtieBody, rng) -> Layout:  # noqa: ANN001
        order: list[str] = []
        for name in LISTS:
            ids = [c.id for c in getattr(body, name)]
            rng.shuffle(ids)
            order += ids
        return Layout(option_order=tuple(order))

    def lists(self, body: BowtieBody, layout: Layout) -> dict[str, list[Choice]]:
        return {name: in_order(getattr(body, name), layout.option_order) for name in LISTS}

    def student_extra(self, body: BowtieBody, layout: Layout) -> dict[str, Any]:
        return {"choose": {"actions": len(body.key_actions), "parameters": len(body.key_parameters)}}

    def key(self, body: BowtieBody) -> object:
        return {"condition": body.condition, "actions": list(body.key_actions),
                "parameters": list(body.key_parameters)}

    def review_choice(self, body: BowtieBody, list_name: str, choice: Choice, response: object,
                      shown: bool) -> dict[str, Any]:
        keyed = choice.id == body.condition if list_name == "conditions" else choice.id in body.side_key(list_name)
        entry: dict[str, Any] = {"is_key": keyed}
        if shown:
            if list_name == "conditions":
                chosen = isinstance(response, Mapping) and response.get("condition") == choice.id
            else:
                chosen = choice.id in (_chosen(response, list_name) or [])
            entry["chosen"] = bool(chosen)
            entry["right"] = entry["chosen"] == keyed
        return entry

    def review_extra(self, body: BowtieBody, layout: Layout, response: object, shown: bool) -> dict[str, Any]:
        return self.student_extra(body, layout)

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        choose = view.get("choose", {})

        def at_most(side: str):  # noqa: ANN202
            def check(values: list[str]) -> None:
                no_repeats(values)
                if len(values) > choose.get(side, 0):
                    raise ValidationError(f"choose at most {choose.get(side, 0)} {side}")
            return check

        schema = Schema.from_dict({
            "condition": fields.String(allow_none=True, validate=one_of(ids_of(view, "conditions"), "conditions")),
            "actions": fields.List(fields.String(validate=one_of(ids_of(view, "actions"), "actions")),
                                   validate=at_most("actions")),
            "parameters": fields.List(fields.String(validate=one_of(ids_of(view, "parameters"), "parameters")),
                                      validate=at_most("parameters")),
        }, name="BowtieResponse")
        return fields.Nested(schema(unknown=RAISE), allow_none=True)

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        response: dict[str, Any] = {}
        if form.get(f"{name}.condition"):
            response["condition"] = form.get(f"{name}.condition")
        for side in SIDES:
            ticked = [v for v in form.getlist(f"{name}.{side}") if v]
            if ticked:
                response[side] = ticked
        return response

    def credit(self, body: BowtieBody, response: object) -> Fraction:
        if not isinstance(response, Mapping):
            return ZERO
        right = 1 if response.get("condition") == body.condition else 0
        for side in SIDES:
            chosen = _chosen(response, side)
            key = body.side_key(side)
            if chosen is not None and len(set(chosen)) <= len(key):
                right += len(set(chosen) & set(key))
        return Fraction(right, 1 + len(body.key_actions) + len(body.key_parameters))

    def pieces(self, body: BowtieBody) -> list[tuple[str, Choice]]:
        return [(name[:-1], c) for name in LISTS for c in getattr(body, name)]

    def with_pieces(self, body: BowtieBody, found: Mapping[tuple[str, str], str]) -> BowtieBody:
        return replace(body, **{name: filled(name[:-1], getattr(body, name), found) for name in LISTS})

    def import_problem(self, body: BowtieBody) -> str | None:
        return role_problems([(name[:-1], getattr(body, name)) for name in LISTS])

    # QTI 2.1: three choiceInteractions (condition: 1, actions: N, parameters: M choices) in a
    # div.qb-bowtie, each keyed choice worth one slot (points / slots) and wrong ones nothing:
    # QTI scores exactly 0/1 per slot. See formats/qti21.py (qti21_native).
    qti21_native = True

    def qti21_write(self, item: Any, root: Any, item_body: Any, qti: Any) -> None:
        from xml.etree.ElementTree import SubElement

        body: BowtieBody = item.body
        slots = 1 + len(body.key_actions) + len(body.key_parameters)
        share = qti._number(item.points / slots)
        div = SubElement(item_body, "div", {"class": "qb-bowtie"})
        processing_parts = []
        for name, keyed in (("actions", body.key_actions), ("conditions", (body.condition,)),
                            ("parameters", body.key_parameters)):
            ident = f"RESPONSE_{name}"
            declaration = SubElement(root, "responseDeclaration", identifier=ident,
                                     cardinality="multiple" if name != "conditions" else "single",
                                     baseType="identifier")
            qti._values(declaration, list(keyed))
            mapping = SubElement(declaration, "mapping", lowerBound="0", defaultValue="0")
            for piece in keyed:
                SubElement(mapping, "mapEntry", mapKey=piece, mappedValue=share)
            interaction = SubElement(div, "choiceInteraction", {"responseIdentifier": ident,
                                     "shuffle": "true", "maxChoices": str(len(keyed)), "class": f"qb-{name}"})
            SubElement(interaction, "prompt").text = {"actions": "Actions to take",
                                                      "conditions": "Condition most likely experiencing",
                                                      "parameters": "Parameters to monitor"}[name]
            for piece in getattr(body, name):
                qti._inline(SubElement(interaction, "simpleChoice", identifier=piece.id), piece.text)
            processing_parts.append(ident)
        processing = SubElement(root, "responseProcessing")
        total = SubElement(SubElement(processing, "setOutcomeValue", identifier="SCORE"), "sum")
        for ident in processing_parts:
            SubElement(total, "mapResponse", identifier=ident)
        feedback = SubElement(SubElement(processing, "setOutcomeValue", identifier="FEEDBACK"), "multiple")
        SubElement(feedback, "baseValue", baseType="identifier").text = qti.RATIONALE

    def qti21_read(self, root: Any, div: Any, qti: Any) -> BowtieBody | None:
        keys = {d.get("identifier", ""): [qti.text_of(v).strip() for v in d.iter("value")]
                for d in qti.children(root, "responseDeclaration")}
        lists: dict[str, tuple[Choice, ...]] = {}
        for interaction in div.iter("choiceInteraction"):
            name = interaction.get("responseIdentifier", "").removeprefix("RESPONSE_")
            lists[name] = tuple(Choice(c.get("identifier", ""), qti._text(c)) for c in interaction.iter("simpleChoice"))
        if set(lists) != set(LISTS) or not keys.get("RESPONSE_conditions"):
            return None
        return BowtieBody(lists["conditions"], lists["actions"], lists["parameters"],
                          keys["RESPONSE_conditions"][0], tuple(keys.get("RESPONSE_actions", ())),
                          tuple(keys.get("RESPONSE_parameters", ())))


TYPE = BowtieType()
