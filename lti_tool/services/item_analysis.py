"""Item analysis of an assessment's submitted attempts, and the rescoring a regrade needs.

``scored_attempts`` reads every submitted attempt of an assessment and scores it under the
regrade rules through ``services.scoring`` (the one scoring entry point). It is built for a
thousand students with several attempts each: attempts are read without their item snapshots
(an item version the shipped bank still holds is that same content, since an edited item is a
new version), answers are read in one query, and only attempts whose item version the bank no
longer has read their own snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import question_bank
from question_bank.analysis import ItemStatistics
from question_bank.analysis import ScoreBin
from question_bank.analysis import item_statistics
from question_bank.analysis import score_distribution
from question_bank.bank.build import item_from_data
from lti_tool.models.assessment import SUBMITTED
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
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


def scored_attempts(session: Session, assessment: Assessment, rules: scoring.RegradeRules) -> list[ScoredRow]:
    """Every submitted attempt of ``assessment``, scored under ``rules``."""
    rows = session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.number, Attempt.submitted_at, Attempt.form,
               Attempt.earned, Attempt.possible, Attempt.score)
        .where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED)
        .order_by(Attempt.id)
    ).all()
    responses: dict[int, dict[int, Any]] = {}
    for attempt_id, slot, response in session.execute(
        select(Answer.attempt_id, Answer.slot, Answer.response)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED)
    ):
        responses.setdefault(attempt_id, {})[slot] = response
    items = _ItemVersions(session)
    scored = []
    for row in rows:
        slots = row.form.get("slots", [])
        pairs = [(items.get(row.id, slot["item_id"], slot["version"]), responses.get(row.id, {}).get(number))
                 for number, slot in enumerate(slots, start=1)]
        scored.append(ScoredRow(row.id, row.user_id, row.number, row.submitted_at, (row.earned, row.possible, row.score),
                                scoring.score_responses(pairs, rules)))
    return scored


class _ItemVersions:
    """Item versions by ``(id, version)``: the shipped bank's when it holds that version, else the
    attempt's own snapshot (read only then)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._bank = {(item.id, item.version): item for item in shipped_bank().items()}
        self._snapshots: dict[tuple[str, int], question_bank.Item] = {}

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
    student's attempts count: each is one sitting of the quiz)."""
    rules = scoring.RegradeRules.from_json(assessment.regrade)
    scored = scored_attempts(session, assessment, rules)
    fractions = [float(row.result.fraction) for row in scored]
    stats = item_statistics(row.result.scored for row in scored)
    stats.sort(key=lambda s: (s.item.pool, s.item_id))
    return Analysis(
        attempts=len(scored), students=len({row.user_pk for row in scored}),
        mean=sum(fractions) / len(fractions) if fractions else None,
        items=stats, distribution=score_distribution(fractions), rules=rules,
    )


def item_for(session: Session, assessment: Assessment, item_id: str) -> question_bank.Item | None:
    """The newest version of ``item_id`` drawn for this assessment (from the bank, else from an
    attempt's snapshot); the bank's when nothing was drawn yet; None when neither has it."""
    newest: question_bank.Item | None = None
    versions = _ItemVersions(session)
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
