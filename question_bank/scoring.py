"""Scores: what each item's response is worth, as an exact fraction of the item's points.

One rule per kind of item (a scenario scores as the type it carries), in the type's module
(``question_bank/types/<type>.py``, ``credit`` and ``partial_credit``). ``credit`` here is the
share of the item earned, between 0 and 1; ``score_item`` multiplies it by ``item.points``.
The rules of the types:

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

from question_bank import types as item_types
from question_bank.forms import Form
from question_bank.model import Bank
from question_bank.model import Item
from question_bank.types.true_false import as_answer  # noqa: F401 (public here before the types)

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
    if response is None:
        return ZERO
    return item_types.spec_for(item).credit(item.body, response)


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
