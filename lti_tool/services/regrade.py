"""Regrade: drop an item from an assessment, or accept more answers for it, and rescore every
submitted attempt.

The rule for the item is stored with the assessment (``Assessment.regrade``, read by
``services.scoring``), so attempts submitted later are scored the same way. Every submitted
attempt is rescored; each student whose kept grade changed gets it queued for the gradebook
(the outbox, this transaction) with the original submission time, so the LMS does not mark the
resend late. A dropped item is also left out of future forms when the blueprint can spare it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import update
from sqlalchemy.orm import Session

import question_bank
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.services import assessments
from lti_tool.services import gradebook
from lti_tool.services import scoring
from lti_tool.services.item_analysis import scored_attempts
from question_bank.analysis import option_list


_ATTEMPTS = Attempt.__table__
_SET_SCORE = (update(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("attempt_id"))
              .values(earned=bindparam("earned"), possible=bindparam("possible"), score=bindparam("score")))


class RegradeRefused(ValueError):
    """The rule asked for cannot be applied; the message says why, for the instructor."""


@dataclass(frozen=True)
class RegradeResult:
    rescored: int
    changed_attempts: int
    grades_queued: int
    #: True when a dropped item could not also be left out of future forms.
    still_drawn: bool


def regrade_item(session: Session, assessment: Assessment, item: question_bank.Item, *, drop: bool,
                 accept: set[str]) -> RegradeResult:
    """Set the item's rule (dropped or not, the answers accepted besides the key) and rescore.
    Flushes; raises RegradeRefused."""
    keys = {option_id for option_id, _text, is_key in option_list(item) if is_key}
    offered = {option_id for option_id, _text, _is_key in option_list(item)}
    extra = set(accept) - keys
    if extra and item.kind not in scoring.ACCEPTS_MORE_ANSWERS:
        raise RegradeRefused("More answers can be accepted only for single-answer and true/false questions; "
                             "drop this question instead.")
    if extra - offered:
        raise RegradeRefused(f"This question has no answer {', '.join(sorted(extra - offered))}.")
    current = scoring.RegradeRules.from_json(assessment.regrade)
    dropped = set(current.dropped) | {item.id} if drop else set(current.dropped) - {item.id}
    accepted = dict(current.accepted)
    if extra:
        accepted[item.id] = frozenset(extra)
    else:
        accepted.pop(item.id, None)
    rules = scoring.RegradeRules(frozenset(dropped), accepted)
    before = gradebook.kept_grades(session, assessment)
    rows = scored_attempts(session, assessment, rules)
    empty = [row for row in rows if row.result.possible == 0]
    if empty:
        raise RegradeRefused(f"Dropping this question would leave {len(empty)} submitted attempt(s) with no "
                             "question to score. Drop fewer questions.")
    changed = sum(1 for row in rows
                  if (float(row.result.earned), float(row.result.possible), float(row.result.fraction)) != row.stored)
    if rows:  # one statement for every attempt; the slots' credits change too (the statistics sum them)
        session.execute(_SET_SCORE, [
            {"attempt_id": row.attempt_id, "earned": float(row.result.earned), "possible": float(row.result.possible),
             "score": float(row.result.fraction)} for row in rows])
        scoring.store_slot_scores(session, assessment.id, [(row.attempt_id, row.result) for row in rows])
    assessment.regrade = rules.to_json()
    still_drawn = False
    if drop and item.id not in (assessment.excluded_items or []):
        try:
            assessments.set_excluded(session, assessment, item.id, True)
        except assessments.ExclusionRefused:
            still_drawn = True
    session.flush()
    after = gradebook.kept_grades(session, assessment)
    moved = [user_pk for user_pk, grade in after.items() if before.get(user_pk) != grade]
    queued = gradebook.resync(session, assessment, moved) if moved else 0
    return RegradeResult(len(rows), changed, queued, still_drawn)
