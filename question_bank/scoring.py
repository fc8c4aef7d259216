"""Scores: what each item's response is worth, as an exact fraction of the item's points.

One rule per kind of item (a scenario scores as the type it carries). ``credit`` is the share of
the item earned, between 0 and 1; ``score_item`` multiplies it by ``item.points``.

* single: the chosen option id equals the key -> 1, else 0 (all or nothing).
* true/false: the answer equals the key -> 1, else 0. ``True``/``False`` or the strings
  ``"true"``/``"false"`` (any case), since an HTML form posts text.
* multiple, ``all_or_nothing``: exactly the keyed options ticked -> 1, else 0.
* multiple, ``right_minus_wrong`` (the default): (keyed options ticked - other options ticked)
  / number of keyed options, floored at 0. Ticking everything therefore earns nothing unless
  most options are keyed, and one wrong tick cancels one right one.
* matching: premises matched to their keyed response / number of premises.
* classification: statements put in their keyed category / number of statements.
* ordering: positions holding the keyed option / number of options (a response shorter than
  the key leaves the remaining positions wrong).

Student input never makes scoring raise: a response of the wrong shape scores 0, ids the item
does not have count as wrong (a wrong tick, a wrong placement), duplicates count once where a
set is meant. Scores never go below 0 or above the item's points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from question_bank.forms import Form
from question_bank.model import Bank
from question_bank.model import ClassificationBody
from question_bank.model import Item
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.model import OrderingBody
from question_bank.model import SingleBody
from question_bank.model import TrueFalseBody

ZERO = Fraction(0)
ONE = Fraction(1)


class ItemVersionUnavailable(LookupError):
    """A form names an item version the caller did not supply (not student input: a bug or a
    bank that lost the version the attempt drew)."""


@dataclass(frozen=True, slots=True)
class FormScore:
    """A form's result: ``earned`` of ``possible`` points, and each slot's score by item id."""

    earned: Fraction
    possible: Fraction
    by_item: dict[str, Fraction]

    @property
    def fraction(self) -> Fraction:
        """The share of the points earned (0 for a form worth nothing)."""
        return self.earned / self.possible if self.possible else ZERO


def score_item(item: Item, response: object) -> Fraction:
    """The points ``response`` earns on ``item``: ``credit(item, response) * item.points``."""
    return credit(item, response) * item.points


def credit(item: Item, response: object) -> Fraction:
    """The share (0..1) of ``item`` that ``response`` earns; the rules are in the module docstring."""
    body = item.body
    if response is None:
        return ZERO
    if isinstance(body, SingleBody):
        return ONE if isinstance(response, str) and response == body.key else ZERO
    if isinstance(body, TrueFalseBody):
        return ONE if as_answer(response) is body.answer else ZERO
    if isinstance(body, MultipleBody):
        return _multiple_credit(body, response)
    if isinstance(body, MatchingBody):
        return _placement_credit(body.key, response)
    if isinstance(body, ClassificationBody):
        return _placement_credit(body.key, response)
    if isinstance(body, OrderingBody):
        return _ordering_credit(body.key, response)
    raise TypeError(f"no scoring rule for {type(body).__name__}")  # a model change, not input


def as_answer(response: object) -> bool | None:
    """A true/false response as a bool, or None when it is neither."""
    if isinstance(response, bool):
        return response
    if isinstance(response, str):
        return {"true": True, "false": False}.get(response.strip().lower())
    return None


def _ticks(response: object) -> tuple[set[str], int]:
    """The ticked ids of a multiple-response answer, and how many entries were not ids at all."""
    if isinstance(response, str):
        return {response}, 0
    if not isinstance(response, list | tuple | set | frozenset):
        return set(), 0
    ids = {entry for entry in response if isinstance(entry, str)}
    return ids, sum(1 for entry in response if not isinstance(entry, str))


def _multiple_credit(body: MultipleBody, response: object) -> Fraction:
    ticked, not_ids = _ticks(response)
    right = len(ticked & body.key)
    wrong = len(ticked - body.key) + not_ids
    if body.scoring is MultipleScoring.ALL_OR_NOTHING:
        return ONE if right == len(body.key) and wrong == 0 else ZERO
    return max(ZERO, Fraction(right - wrong, len(body.key)))


def _placement_credit(key: Mapping[str, str], response: object) -> Fraction:
    if not isinstance(response, Mapping) or not key:
        return ZERO
    right = sum(1 for source, target in key.items() if response.get(source) == target)
    return Fraction(right, len(key))


def _ordering_credit(key: tuple[str, ...], response: object) -> Fraction:
    if not isinstance(response, list | tuple) or not key:
        return ZERO
    right = sum(1 for given, expected in zip(response, key) if given == expected)
    return Fraction(right, len(key))


def score_form(
    form: Form, responses: Mapping[str, object], items: Bank | Mapping[str, Item]
) -> FormScore:
    """The sum of the slots' scores. ``responses`` maps item id to response (missing: 0).

    ``items`` is the Bank the form was drawn from, or a mapping from ``"id@version"`` (or id) to
    Item when the caller keeps the drawn versions itself. A slot whose exact version is not
    available raises ItemVersionUnavailable: scoring another version would be a silent regrade.
    """
    lookup = _lookup(items)
    by_item: dict[str, Fraction] = {}
    possible = ZERO
    for slot in form.slots:
        item = lookup.get(slot.ref) or lookup.get(slot.item_id)
        if item is None or item.version != slot.version:
            have = f"version {item.version}" if item else "nothing"
            raise ItemVersionUnavailable(f"form slot {slot.ref}: the items given have {have}")
        by_item[slot.item_id] = score_item(item, responses.get(slot.item_id))
        possible += item.points
    return FormScore(sum(by_item.values(), ZERO), possible, by_item)


def _lookup(items: Bank | Mapping[str, Item]) -> Mapping[str, Item]:
    if isinstance(items, Bank):
        return {item.id: item for item in items.items()}
    return items
