"""Multiple response: tick every option that applies.

Bank file: ``options`` (each with a ``rationale``), ``key`` (the option ids to tick, at least
one), ``scoring``: ``right_minus_wrong`` (default) or ``all_or_nothing``.
Layout: the options shuffled (``option_order``). Response: the ticked option ids.
Scoring: right-minus-wrong = (keyed ticked - others ticked) / keyed, floored at 0;
all-or-nothing = exactly the key ticked. Formats: a choice of several everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

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
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.types.base import ONE
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


class MultipleSchema(ItemSchema):
    options = choice_records(2, "options", rationale_required=True)
    key = id_list(required=True, validate=validate.Length(min=1, error="tick at least one option"))
    scoring = fields.String(
        load_default=MultipleScoring.RIGHT_MINUS_WRONG.value,
        validate=validate.OneOf([s.value for s in MultipleScoring]),
    )


def key_problems(data: Mapping, options: list[str]) -> Iterator[Finding]:
    """A ticked-options key (multiple and extended multiple response): every key among the
    options, none listed twice."""
    for index, key in enumerate(data["key"]):
        if key not in options:
            yield ("key", index), f"key {key!r} is not among the options ({rules.listing(options)})"
    for key, count in Counter(data["key"]).items():
        if count > 1:
            yield ("key",), f"key {key!r} is listed {count} times"


def keyed_in_authoring_order(options: tuple[Choice, ...], key: frozenset[str]) -> list[str]:
    """The key in authoring order, not set order, so the written file (and the fingerprint) is
    stable."""
    ordered = [c.id for c in options if c.id in key]
    return ordered + sorted(key.difference(ordered))


def tick_credit(key: frozenset[str], scoring: MultipleScoring, response: object) -> Fraction:
    """Right-minus-wrong over the keyed count (floor 0), or all-or-nothing."""
    ticked, not_ids = ticks(response)
    right = len(ticked & key)
    wrong = len(ticked - key) + not_ids
    if scoring is MultipleScoring.ALL_OR_NOTHING:
        return ONE if right == len(key) and wrong == 0 else ZERO
    return max(ZERO, Fraction(right - wrong, len(key)))


class MultipleType(ItemTypeSpec):
    type = ItemType.MULTIPLE
    label = N_("multiple response")
    body_class = MultipleBody
    schema = MultipleSchema
    partial_credit = ("right minus wrong (keyed ticks minus other ticks, over the keyed count, "
                      "floor 0), or all or nothing, as the item says")
    native_option_feedback = True

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "options")
        options = rules.ids(data, "options")
        yield from key_problems(data, options)

    def build(self, data: Mapping[str, Any]) -> MultipleBody:
        return MultipleBody(
            choices(data["options"]), frozenset(data["key"]), MultipleScoring(data["scoring"])
        )

    def to_data(self, body: MultipleBody) -> dict[str, Any]:
        return {"options": choices_to_data(body.options), "key": keyed_in_authoring_order(body.options, body.key),
                "scoring": body.scoring.value}

    def layout(self, body: MultipleBody, rng) -> Layout:  # noqa: ANN001
        return Layout(option_order=shuffled([c.id for c in body.options], rng))

    def lists(self, body: MultipleBody, layout: Layout) -> dict[str, list[Choice]]:
        return {"options": in_order(body.options, layout.option_order)}

    def student_extra(self, body: MultipleBody, layout: Layout) -> dict[str, Any]:
        return {"scoring": body.scoring.value}

    def key(self, body: MultipleBody) -> object:
        return [c.id for c in body.options if c.id in body.key]

    def review_choice(self, body: MultipleBody, list_name: str, choice: Choice, response: object,
                      shown: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"is_key": choice.id in body.key}
        if shown:
            ticked = response if isinstance(response, list | tuple | set | frozenset) else [response]
            entry["chosen"] = choice.id in ticked
        return entry

    def review_extra(self, body: MultipleBody, layout: Layout, response: object, shown: bool) -> dict[str, Any]:
        return {"scoring": body.scoring.value}

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        option = fields.String(validate=one_of(ids_of(view, "options"), "options"))
        return fields.List(option, allow_none=True, validate=no_repeats)

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        return form.getlist(name)

    def credit(self, body: MultipleBody, response: object) -> Fraction:
        return tick_credit(body.key, body.scoring, response)

    def option_list(self, body: MultipleBody) -> list[tuple[str, str, bool]]:
        return [(o.id, o.text, o.id in body.key) for o in body.options]

    def chosen_options(self, body: MultipleBody, response: object) -> list[str]:
        ticked = [response] if isinstance(response, str) else response
        if not isinstance(ticked, list | tuple | set | frozenset):
            return []
        return sorted({entry for entry in ticked if isinstance(entry, str)})

    def pieces(self, body: MultipleBody) -> list[tuple[str, Choice]]:
        return [("option", c) for c in body.options]

    def import_problem(self, body: MultipleBody) -> str | None:
        problem = role_problems([("option", body.options)])
        if problem:
            return problem
        if len(body.options) < 2:
            return "fewer than two options"
        if not body.key:
            return "no correct option"
        return None

    def exchange(self, body: MultipleBody) -> ChoiceShape:
        key = tuple(c.id for c in body.options if c.id in body.key)
        return ChoiceShape(body.options, key, multiple=True, scoring=body.scoring)


TYPE = MultipleType()
