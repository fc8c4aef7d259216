"""Item analysis of an assessment's submitted attempts, and the rescoring a regrade needs.

Every submit (and every regrade) stores what each slot earned with the attempt
(``Attempt.scores``, made by ``services.scoring``, the one scoring entry point), so the analysis
of a thousand students' five thousand attempts reads numbers, not 100,000 responses to score
again. ``scored_attempts`` does score every response again, under given rules: what a regrade
needs, and the fallback for attempts submitted before scores were stored. It reads attempts
without their item snapshots (a version the shipped bank still holds is that same content: an
edited item is a new version), the answers in one query, and a snapshot only for an item
version the bank no longer has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Iterable
from typing import Any

from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

import question_bank
from question_bank.analysis import ItemStatistics
from question_bank.analysis import ItemSums
from question_bank.analysis import ScoreBin
from question_bank.analysis import score_distribution
from question_bank.analysis import statistics_of
from question_bank.bank.build import item_from_data
from lti_tool.models.assessment import SUBMITTED
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.assessment import AttemptSlotScore
from lti_tool.services import scoring
from lti_tool.services.assessments import shipped_bank


@dataclass(frozen=True)
class ScoredRow:
    attempt_id: int
    user_pk: int
    number: int
    submitted_at: datetime
    #: The score stored on the attempt (before a regrade changes it).
    stored: tuple[float | None, float | None, float | None]
    result: scoring.AttemptScore


def scored_attempts(session: Session, assessment: Assessment, rules: scoring.RegradeRules,
                    attempt_ids: list[int] | None = None) -> list[ScoredRow]:
    """Every submitted attempt of ``assessment`` (or those of ``attempt_ids``), scored again
    from its responses under ``rules``."""
    chosen = (Attempt.id.in_(attempt_ids),) if attempt_ids is not None else ()
    rows = session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.number, Attempt.submitted_at, Attempt.form,
               Attempt.earned, Attempt.possible, Attempt.score)
        .where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED, *chosen)
        .order_by(Attempt.id)
    ).all()
    responses: dict[int, dict[int, Any]] = {}
    for attempt_id, slot, response in session.execute(
        select(Answer.attempt_id, Answer.slot, Answer.response)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED, *chosen)
    ):
        responses.setdefault(attempt_id, {})[slot] = response
    items = StoredVersions(session)
    scored = []
    for row in rows:
        slots = row.form.get("slots", [])
        pairs = [(items.get(row.id, slot["item_id"], slot["version"]), responses.get(row.id, {}).get(number))
                 for number, slot in enumerate(slots, start=1)]
        scored.append(ScoredRow(row.id, row.user_id, row.number, row.submitted_at, (row.earned, row.possible, row.score),
                                scoring.score_responses(pairs, rules)))
    return scored


class StoredVersions:
    """Item versions by ``(id, version)``: the shipped bank's when it holds that version, else the
    attempt's own snapshot (read only then)."""

    def __init__(self, session: Session, corrected: Iterable[question_bank.Item] = ()) -> None:
        self._session = session
        self._bank = {(item.id, item.version): item for item in [*shipped_bank().items(), *corrected]}
        self._snapshots: dict[tuple[str, int], question_bank.Item] = {}

    def newest(self, assessment_id: int, item_id: str, version: int) -> question_bank.Item:
        """``item_id@version``, from the bank or from an attempt of the assessment that drew it."""
        if (item_id, version) in self._bank:
            return self._bank[(item_id, version)]
        for attempt_id, form in self._session.execute(
                select(Attempt.id, Attempt.form).where(Attempt.assessment_id == assessment_id)):
            if any(s["item_id"] == item_id and s["version"] == version for s in form.get("slots", [])):
                return self.get(attempt_id, item_id, version)
        raise question_bank.ItemVersionUnavailable(f"no attempt holds {item_id}@{version}")

    def get(self, attempt_id: int, item_id: str, version: int) -> question_bank.Item:
        key = (item_id, version)
        found = self._bank.get(key) or self._snapshots.get(key)
        if found is None:
            snapshot = self._session.scalar(select(Attempt.items).where(Attempt.id == attempt_id)) or {}
            for entry in snapshot.values():
                item = item_from_data(entry["pool"], entry["data"])
                self._snapshots[(item.id, item.version)] = item
            found = self._snapshots.get(key)
            if found is None:
                raise question_bank.ItemVersionUnavailable(f"attempt {attempt_id}: no snapshot of {item_id}@{version}")
        return found


@dataclass(frozen=True)
class Analysis:
    attempts: int
    students: int
    mean: float | None
    items: list[ItemStatistics]
    distribution: list[ScoreBin]
    rules: scoring.RegradeRules

    @property
    def flagged(self) -> list[ItemStatistics]:
        return [s for s in self.items if s.flags]


def analyse(session: Session, assessment: Assessment) -> Analysis:
    """Item statistics and the score distribution over every submitted attempt (all of each
    student's attempts count: each is one sitting of the quiz). The sums come from the database
    (``slot_scores``, written when attempts are scored); attempts submitted before those rows
    were kept are scored again here."""
    rules = scoring.RegradeRules.from_json(assessment.regrade)
    rows = session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.score)
        .where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED)
    ).all()
    sums, newest = _summed(session, assessment.id)
    missing = list(session.scalars(
        select(Attempt.id).where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED,
                                 ~exists().where(AttemptSlotScore.attempt_id == Attempt.id))))
    if missing:
        for scored in scored_attempts(session, assessment, rules, attempt_ids=missing):
            total = math.fsum(slot.earned for slot in scored.result.slots if slot.counted)
            for slot in scored.result.slots:
                sums.setdefault(slot.item_id, ItemSums()).add(slot, total)
                newest[slot.item_id] = max(slot.version, newest.get(slot.item_id, 0))
    versions = StoredVersions(session, rules.versions.values())
    stats = [statistics_of(item_id, versions.newest(assessment.id, item_id, newest[item_id]), found)
             for item_id, found in sums.items()]
    stats.sort(key=lambda s: (s.item.pool, s.item_id))
    fractions = [row.score or 0.0 for row in rows]
    return Analysis(
        attempts=len(rows), students=len({row.user_id for row in rows}),
        mean=sum(fractions) / len(fractions) if fractions else None,
        items=stats, distribution=score_distribution(fractions), rules=rules,
    )


def _summed(session: Session, assessment_id: int) -> tuple[dict[str, ItemSums], dict[str, int]]:
    """Per item, its sums over the stored slot scores and its newest version, from one GROUP BY
    over the assessment's rows (per item and options chosen, merged here: a few thousand rows
    at most, whatever the number of attempts)."""
    s = AttemptSlotScore.__table__.c
    query = (
        select(s.item_id, s.chosen, func.count(), func.sum(s.credit), func.sum(s.earned),
               func.sum(s.earned * s.earned), func.sum(s.rest), func.sum(s.rest * s.rest),
               func.sum(s.earned * s.rest), func.max(s.version))
        .where(s.assessment_id == assessment_id)
        .group_by(s.item_id, s.chosen)
    )
    sums: dict[str, ItemSums] = {}
    newest: dict[str, int] = {}
    for item_id, chosen, n, credit, x, xx, r, rr, xr, version in session.execute(query):
        found = sums.get(item_id)
        if found is None:
            found = sums[item_id] = ItemSums()
        found.n += n
        found.credit += float(credit)
        found.x += float(x)
        found.xx += float(xx)
        found.r += float(r)
        found.rr += float(rr)
        found.xr += float(xr)
        newest[item_id] = max(version, newest.get(item_id, 0))
        for option in chosen.split(",") if chosen else ():
            found.tally[option] = found.tally.get(option, 0) + n
    return sums, newest


def item_for(session: Session, assessment: Assessment, item_id: str) -> question_bank.Item | None:
    """The newest version of ``item_id`` drawn for this assessment (from the bank, else from an
    attempt's snapshot); the bank's when nothing was drawn yet; None when neither has it."""
    newest: question_bank.Item | None = None
    versions = StoredVersions(session)
    for attempt_id, form in session.execute(select(Attempt.id, Attempt.form).where(Attempt.assessment_id == assessment.id)):
        for slot in form.get("slots", []):
            if slot["item_id"] == item_id and (newest is None or slot["version"] > newest.version):
                newest = versions.get(attempt_id, item_id, slot["version"])
    if newest is not None:
        return newest
    try:
        return shipped_bank().item(item_id)
    except KeyError:
        return None
