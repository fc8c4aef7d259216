"""Scoring a stored response against a given item version: what a key correction replays.

An attempt records ``id@version`` and a snapshot of that version (``snapshot_of``); scoring it
normally uses exactly that version (``scoring.score_form`` refuses any other). A key
correction is the one deliberate exception: the author fixes the key in the bank, raises the
version (the versions lock insists), and the instructor replays the stored responses of the old
version against the corrected one. This module is the engine's side of that:

* ``ItemVersions`` resolves ``id@version`` from a bank and snapshots, refusing a snapshot that
  claims a version the bank holds with other content (a version never changes meaning: the
  versions lock's fingerprint decides).
* ``score_against(item, response)`` is the credit a stored response earns on a given version.
* ``replay(target, stored)`` scores ``(drawn version, response)`` pairs against ``target`` and
  says, per response, what it earned before and after and why the target cannot read it, if it
  cannot (an answer id the corrected version lost would silently score as wrong: the caller
  refuses). The reading is the item type's own response check (``types``), so a new item type
  needs nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from marshmallow import Schema
from marshmallow import ValidationError

from question_bank.bank.build import item_from_data
from question_bank.bank.build import item_to_data
from question_bank.bank.versions import fingerprint
from question_bank.model import Bank
from question_bank.model import Item
from question_bank.scoring import ItemVersionUnavailable
from question_bank.scoring import credit
from question_bank.types import spec_for
from question_bank.views import student_view

#: The lists of a student view whose entries' ids a response may name.
_ID_LISTS = ("options", "premises", "responses", "statements", "categories")


def snapshot_of(item: Item) -> dict[str, Any]:
    """The item as a plain dict ``{"pool", "data"}`` with every default written out, so
    ``from_snapshot`` rebuilds exactly this version whatever the bank's defaults become."""
    data = item_to_data(item)
    data.update(points=item.points, tags=list(item.tags), enemies=list(item.enemies))
    for name in _ID_LISTS:
        for choice in data.get(name, []):
            if isinstance(choice, dict):
                choice.setdefault("rationale", "")
    return {"pool": item.pool, "data": data}


def from_snapshot(snapshot: Mapping[str, Any]) -> Item:
    return item_from_data(snapshot["pool"], snapshot["data"])


class ItemVersions:
    """Item versions by ``(id, version)``: a bank's (its current versions) and snapshots added."""

    def __init__(self, bank: Bank | None = None, items: Iterable[Item] = ()) -> None:
        self._bank = {item.id: item for item in bank.items()} if bank is not None else {}
        self._known: dict[tuple[str, int], Item] = {(i.id, i.version): i for i in self._bank.values()}
        for item in items:
            self.add(item)

    def add(self, item: Item) -> None:
        """Know ``item``'s version too. Raises ValueError when the bank holds the same version
        with other content: that version changed meaning, and scoring either would be a guess."""
        current = self._bank.get(item.id)
        if current is not None and current.version == item.version and fingerprint(current) != fingerprint(item):
            raise ValueError(f"{item.ref}: the bank holds this version with other content "
                             "(an edit without a raised version)")
        self._known.setdefault((item.id, item.version), item)

    def resolve(self, item_id: str, version: int) -> Item:
        found = self._known.get((item_id, version))
        if found is None:
            have = sorted(v for i, v in self._known if i == item_id)
            raise ItemVersionUnavailable(
                f"{item_id}@{version}: not in the bank or the snapshots given"
                + (f" (versions known: {', '.join(map(str, have))})" if have else ""))
        return found

    def current(self, item_id: str) -> Item | None:
        """The bank's version of ``item_id`` (None: the bank no longer has it)."""
        return self._bank.get(item_id)


def score_against(item: Item, response: object) -> Fraction:
    """The share (0..1) of ``item`` (the version given) that the stored ``response`` earns."""
    return credit(item, response)


def reading_problem(item: Item, response: object) -> str:
    """Why ``item`` (a version) cannot read the stored ``response`` ("" when it can): the
    response is checked by the item type's own response field against what this version shows
    (``types``: the check a student's answer passes), so every type is covered."""
    if response is None:
        return ""
    schema = Schema.from_dict({"response": spec_for(item).response_field(student_view(item))})()
    try:
        schema.load({"response": response})
    except ValidationError as error:
        return _flat(error.messages)
    return ""


def _flat(messages: object) -> str:
    if isinstance(messages, dict):
        return "; ".join(_flat(value) for value in messages.values())
    if isinstance(messages, list):
        return "; ".join(_flat(message) for message in messages)
    return str(messages)


@dataclass(frozen=True, slots=True)
class Replayed:
    """One stored response scored on the version it was given on and on the target version."""

    drawn: Item
    response: object
    before: Fraction
    after: Fraction
    #: Why the target version cannot read the response ("" when it can).
    problem: str


def replay(target: Item, stored: Iterable[tuple[Item, object]]) -> list[Replayed]:
    """Score each ``(drawn version, response)`` against ``target``. Raises ValueError when a
    drawn version is another item or another kind of item (its responses mean something else)."""
    results = []
    for drawn, response in stored:
        if drawn.id != target.id:
            raise ValueError(f"{drawn.ref} is not a version of {target.id}")
        if drawn.kind is not target.kind:
            raise ValueError(f"{drawn.ref} is a {drawn.kind.value} item and {target.ref} a {target.kind.value} item: "
                             "a response to one is no response to the other")
        results.append(Replayed(drawn, response, credit(drawn, response), credit(target, response),
                                reading_problem(target, response)))
    return results
