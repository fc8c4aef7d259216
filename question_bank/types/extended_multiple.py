"""Extended multiple response: select all that apply from up to 10 options, scored per item
either +/- or 0/1.

Bank file::

    type: extended_multiple
    options: [{id, text, rationale}, ...]   # 3..10
    key: [ids]                              # at least one
    scoring: plus_minus                     # or zero_one (default plus_minus)

Scoring (credit over the keyed count k):
* ``plus_minus``: +1 per keyed option ticked, -1 per other tick, floor 0.
* ``zero_one``: +1 per keyed option ticked, other ticks cost nothing; the student is told to
  select k and may tick at most k (more is refused; a stored response with more earns 0).
Layout: options shuffled (``option_order``). Response: the ticked option ids.
Formats: a multiple choice marked ``kind=extended_multiple`` (and ``variant``): Moodle and GIFT
weights +1/k and -1/k (plus_minus; Moodle sums and floors at 0) or 0 (zero_one: Moodle does not
limit the ticks, noted); Canvas multiple answers (Canvas grades with its own partial credit,
noted); QTI 2.1 ``choiceInteraction`` with a mapping, ``maxChoices=k`` for zero_one.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

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
from question_bank.model import MultipleScoring
from question_bank.types.base import ZERO
from question_bank.types.base import ChoiceShape
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import ids_of
from question_bank.types.base import in_order
from question_bank.types.base import no_repeats
from question_bank.types.base import one_of
from question_bank.types.base import role_problems
from question_bank.types.base import shuffled
from question_bank.types.base import ticks
from question_bank.types.multiple import key_problems
from question_bank.types.multiple import keyed_in_authoring_order
from question_bank.types.multiple import tick_credit

PLUS_MINUS = "plus_minus"
ZERO_ONE = "zero_one"
MAX_OPTIONS = 10


@dataclass(frozen=True, slots=True)
class ExtendedMultipleBody:
    """Response: the ticked option ids."""

    options: tuple[Choice, ...]
    key: frozenset[str]
    scoring: str = PLUS_MINUS


class ExtendedMultipleSchema(ItemSchema):
    options = choice_records(3, "options", rationale_required=True)
    key = id_list(required=True, validate=validate.Length(min=1, error="tick at least one option"))
    scoring = fields.String(load_default=PLUS_MINUS, validate=validate.OneOf(
        [PLUS_MINUS, ZERO_ONE], error="must be plus_minus or zero_one"))


def _at_most(count: int):  # noqa: ANN202
    def check(values: list[str]) -> None:
        if len(values) > count:
            raise ValidationError(f"select at most {count}")

    return check


class ExtendedMultipleType(ItemTypeSpec):
    type = ItemType.EXTENDED_MULTIPLE
    label = N_("extended multiple response")
    body_class = ExtendedMultipleBody
    schema = ExtendedMultipleSchema
    partial_credit = ("plus_minus: keyed ticks minus other ticks, over the keyed count, floor 0; "
                      "zero_one: keyed ticks over the keyed count, at most that many ticks")
    native_option_feedback = True

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "options")
        options = rules.ids(data, "options")
        if len(options) > MAX_OPTIONS:
            yield ("options",), f"at most {MAX_OPTIONS} options (has {len(options)})"
        yield from key_problems(data, options)
        if data["key"] and len(set(data["key"])) == len(options):
            yield ("key",), "every option is keyed: ticking everything would be the answer"

    def build(self, data: Mapping[str, Any]) -> ExtendedMultipleBody:
        return ExtendedMultipleBody(choices(data["options"]), frozenset(data["key"]), data["scoring"])

    def to_data(self, body: ExtendedMultipleBody) -> dict[str, Any]:
        return {"options": choices_to_data(body.options), "key": keyed_in_authoring_order(body.options, body.key),
                "scoring": body.scoring}

    def layout(self, body: ExtendedMultipleBody, rng) -> Layout:  # noqa: ANN001
        return Layout(option_order=shuffled([c.id for c in body.options], rng))

    def lists(self, body: ExtendedMultipleBody, layout: Layout) -> dict[str, list[Choice]]:
        return {"options": in_order(body.options, layout.option_order)}

    def student_extra(self, body: ExtendedMultipleBody, layout: Layout) -> dict[str, Any]:
        # zero_one tells the student how many to select (the NGN "select N" form); plus_minus not.
        return {"scoring": body.scoring, "select": len(body.key) if body.scoring == ZERO_ONE else None}

    def key(self, body: ExtendedMultipleBody) -> object:
        return [c.id for c in body.options if c.id in body.key]

    def review_choice(self, body: ExtendedMultipleBody, list_name: str, choice: Choice,
                      response: object, shown: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"is_key": choice.id in body.key}
        if shown:
            ticked, _ = ticks(response)
            entry["chosen"] = choice.id in ticked
            entry["right"] = entry["chosen"] == entry["is_key"]
        return entry

    def review_extra(self, body: ExtendedMultipleBody, layout: Layout, response: object,
                     shown: bool) -> dict[str, Any]:
        return self.student_extra(body, layout)

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        option = fields.String(validate=one_of(ids_of(view, "options"), "options"))
        checks = [no_repeats] + ([_at_most(view["select"])] if view.get("select") else [])
        return fields.List(option, allow_none=True, validate=checks)

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        return form.getlist(name)

    def credit(self, body: ExtendedMultipleBody, response: object) -> Fraction:
        if body.scoring != ZERO_ONE:  # plus_minus is multiple response's right minus wrong
            return tick_credit(body.key, MultipleScoring.RIGHT_MINUS_WRONG, response)
        ticked, not_ids = ticks(response)
        right = len(ticked & body.key)
        wrong = len(ticked - body.key) + not_ids
        return ZERO if right + wrong > len(body.key) else Fraction(right, len(body.key))

    def option_list(self, body: ExtendedMultipleBody) -> list[tuple[str, str, bool]]:
        return [(o.id, o.text, o.id in body.key) for o in body.options]

    def chosen_options(self, body: ExtendedMultipleBody, response: object) -> list[str]:
        return sorted(ticks(response)[0])

    def pieces(self, body: ExtendedMultipleBody) -> list[tuple[str, Choice]]:
        return [("option", c) for c in body.options]

    def import_problem(self, body: ExtendedMultipleBody) -> str | None:
        problem = role_problems([("option", body.options)])
        if problem:
            return problem
        if not 3 <= len(body.options) <= MAX_OPTIONS:
            return f"extended multiple response has 3 to {MAX_OPTIONS} options"
        if not body.key:
            return "no correct option"
        return None

    def exchange(self, body: ExtendedMultipleBody) -> ChoiceShape:
        key = tuple(c.id for c in body.options if c.id in body.key)
        zero_one = body.scoring == ZERO_ONE
        return ChoiceShape(body.options, key, multiple=True,
                           scoring=None if zero_one else MultipleScoring.RIGHT_MINUS_WRONG,
                           kind=ItemType.EXTENDED_MULTIPLE, variant=body.scoring,
                           penalty=not zero_one, max_choices=len(key) if zero_one else 0)

    def from_exchange(self, shape: ChoiceShape) -> ExtendedMultipleBody:
        variant = shape.variant if shape.variant in (PLUS_MINUS, ZERO_ONE) else PLUS_MINUS
        return ExtendedMultipleBody(tuple(shape.choices), frozenset(shape.key), variant)

    def export_notes(self, body: ExtendedMultipleBody, fmt: str) -> list[str]:
        if body.scoring != ZERO_ONE:
            return []
        if fmt == "moodle":
            return ["zero_one scoring: Moodle does not limit the ticks to the keyed count "
                    f"({len(body.key)}); wrong ticks earn nothing there as here"]
        if fmt == "qti12":
            return ["zero_one scoring: Canvas grades multiple answers with its own partial credit "
                    "(wrong ticks deducted) and does not limit the ticks"]
        return []


TYPE = ExtendedMultipleType()
