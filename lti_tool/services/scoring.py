"""The one place the tool asks the engine what a stored response is worth.

Submitting, regrading and item analysis all score through ``item_credit``, so a regrade rule
(an item dropped, more answers accepted) changes grades and statistics alike, and moving to
another engine API (issue #12's "score a stored response against a given item version") is a
change here only.

Regrade rules, as an assessment stores them (``Assessment.regrade``)::

    {"dropped": ["comp-007"], "accepted": {"barr-012": ["a", "c"]},
     "versions": {"comp-003": {"pool": "components", "data": {<comp-003 version 2, bank-file dict>}}}}

A dropped item counts for nothing: neither its points nor what was earned on it. An accepted
answer earns the item's full credit, as the key does (single-answer and true/false items: the
response's one chosen id, ``"true"``/``"false"`` for true/false). A corrected version (a key
fixed in the bank, the version raised) scores every slot that drew an older version of the item
(``question_bank.replay``): the rule keeps its own snapshot of that version, so it holds after
the bank moves on.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from fractions import Fraction
from typing import Any

from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy.orm import Session

import question_bank
from lti_tool.models.assessment import AttemptSlotScore
from question_bank.analysis import SlotScore
from question_bank.analysis import chosen_options
from question_bank.model import ItemType
from question_bank.replay import from_snapshot
from question_bank.replay import snapshot_of

ONE = Fraction(1)
ZERO = Fraction(0)
#: Kinds whose response is one choice, where "accept this answer too" has a plain meaning.
ACCEPTS_MORE_ANSWERS = (ItemType.SINGLE, ItemType.TRUE_FALSE)


@dataclass(frozen=True)
class RegradeRules:
    dropped: frozenset[str] = frozenset()
    accepted: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Item id -> the corrected version every older drawn version of it is scored against.
    versions: Mapping[str, question_bank.Item] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RegradeRules:
        data = data or {}
        accepted = data.get("accepted") or {}
        return cls(
            frozenset(str(i) for i in data.get("dropped") or ()),
            {str(item_id): frozenset(str(a) for a in answers) for item_id, answers in accepted.items() if answers},
            {str(item_id): from_snapshot(snapshot) for item_id, snapshot in (data.get("versions") or {}).items()},
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dropped": sorted(self.dropped),
            "accepted": {item_id: sorted(answers) for item_id, answers in sorted(self.accepted.items()) if answers},
        }
        if self.versions:
            data["versions"] = {item_id: snapshot_of(item) for item_id, item in sorted(self.versions.items())}
        return data

    def scored_version(self, item: question_bank.Item) -> question_bank.Item:
        """The version a slot that drew ``item`` is scored (and reviewed) against: a corrected
        newer version when the rules name one, else ``item`` itself."""
        corrected = self.versions.get(item.id)
        return corrected if corrected is not None and corrected.version > item.version else item


NO_RULES = RegradeRules()


def item_credit(item: question_bank.Item, response: object, rules: RegradeRules = NO_RULES) -> Fraction:
    """The share (0..1) of ``item`` that ``response`` earns under ``rules`` (dropping is the
    caller's business: a dropped item's credit is still reported, it just does not count)."""
    earned = question_bank.credit(item, response)
    accepted = rules.accepted.get(item.id)
    if accepted and earned < ONE and item.kind in ACCEPTS_MORE_ANSWERS:
        chosen = chosen_options(item, response)
        if len(chosen) == 1 and chosen[0] in accepted:
            return ONE
    return earned


@dataclass(frozen=True)
class AttemptScore:
    """An attempt's points and, per slot in order, what it earned (``SlotScore``)."""

    earned: Fraction
    possible: Fraction
    slots: tuple[SlotScore, ...]

    @property
    def fraction(self) -> Fraction:
        return self.earned / self.possible if self.possible else ZERO


def score_attempt(form: question_bank.Form, items: Mapping[str, question_bank.Item],
                  responses: Mapping[int, object], rules: RegradeRules = NO_RULES) -> AttemptScore:
    """Score every slot of ``form`` (``items`` by ``id@version``, ``responses`` by slot number
    from 1) under ``rules``. Raises ItemVersionUnavailable when a slot's version is missing:
    scoring another version would be a silent regrade."""
    pairs = []
    for number, slot in enumerate(form.slots, start=1):
        item = items.get(slot.ref)
        if item is None:
            raise question_bank.ItemVersionUnavailable(f"form slot {slot.ref}: no such item version given")
        pairs.append((item, responses.get(number)))
    return score_responses(pairs, rules)


def score_responses(pairs: Sequence[tuple[question_bank.Item, object]], rules: RegradeRules) -> AttemptScore:
    """``score_attempt`` for ``(item, response)`` pairs already read, in slot order."""
    slots: list[SlotScore] = []
    earned = possible = ZERO
    for drawn, response in pairs:
        item = rules.scored_version(drawn)
        credit = item_credit(item, response, rules)
        counted = item.id not in rules.dropped
        slots.append(SlotScore.of(item, response, credit, counted))
        if counted:
            earned += credit * item.points
            possible += item.points
    return AttemptScore(earned, possible, tuple(slots))


_SLOT_SCORES = AttemptSlotScore.__table__


def store_slot_scores(session: Session, assessment_id: int, results: Sequence[tuple[int, AttemptScore]]) -> None:
    """Write what each slot of these attempts earned (replacing what was there): item analysis
    sums these rows. One DELETE and one batched INSERT, however many attempts."""
    if not results:
        return
    ids = [attempt_id for attempt_id, _ in results]
    for start in range(0, len(ids), 500):
        session.execute(delete(_SLOT_SCORES).where(_SLOT_SCORES.c.attempt_id.in_(ids[start:start + 500])))
    rows = []
    for attempt_id, result in results:
        total = float(result.earned)
        rows += [{"attempt_id": attempt_id, "assessment_id": assessment_id, "slot": number, "item_id": slot.item_id,
                  "version": slot.version, "points": slot.points, "credit": slot.credit, "earned": slot.earned,
                  "rest": total - slot.earned if slot.counted else total, "counted": slot.counted,
                  "chosen": ",".join(slot.chosen)}
                 for number, slot in enumerate(result.slots, start=1)]
    session.execute(insert(_SLOT_SCORES), rows)
