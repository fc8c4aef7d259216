"""Regrade: drop an item from an assessment, accept more answers for it, or score it against a
corrected version (the key fixed in the bank, the version raised), and rescore every submitted
attempt.

The rule for the item is stored with the assessment (``Assessment.regrade``, read by
``services.scoring``), so attempts submitted later are scored the same way. Every submitted
attempt is rescored; each student whose kept grade changed gets it queued for the gradebook
(the outbox, this transaction) with the original submission time, so the LMS does not mark the
resend late. A dropped item is also left out of future forms when the blueprint can spare it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

import question_bank
from lti_tool.models.assessment import SUBMITTED
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.services import assessments
from lti_tool.services import gradebook
from lti_tool.services import scoring
from lti_tool.services.item_analysis import StoredVersions
from lti_tool.services.item_analysis import scored_attempts
from question_bank.analysis import option_list
from question_bank.replay import replay


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
    #: Responses to older versions replayed against the corrected one (0 without one).
    replayed: int = 0


def regrade_item(session: Session, assessment: Assessment, item: question_bank.Item, *, drop: bool,
                 accept: set[str], corrected: question_bank.Item | None = None) -> RegradeResult:
    """Set the item's rule (dropped or not, the answers accepted besides the key, the corrected
    version its older versions are scored against) and rescore. ``item`` is the newest version
    drawn; ``corrected`` a newer version of it (from the bank). Flushes; raises RegradeRefused."""
    replayed = _check_correction(session, assessment, item, corrected) if corrected is not None else 0
    if corrected is not None:
        item = corrected
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
    versions = dict(current.versions)
    if corrected is not None:
        versions[item.id] = corrected
    else:
        versions.pop(item.id, None)
    rules = scoring.RegradeRules(frozenset(dropped), accepted, versions)
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
    return RegradeResult(len(rows), changed, queued, still_drawn, replayed)


def _check_correction(session: Session, assessment: Assessment, drawn: question_bank.Item,
                      corrected: question_bank.Item) -> int:
    """Refuse a corrected version that cannot read the stored responses; how many it replays."""
    if corrected.id != drawn.id or corrected.version <= drawn.version:
        raise RegradeRefused(f"Version {corrected.version} of {drawn.id} is not newer than version {drawn.version}, "
                             "the newest one students were given: there is nothing to correct.")
    stored = stored_responses(session, assessment, drawn.id)
    try:
        results = replay(corrected, stored)
    except ValueError as error:
        raise RegradeRefused(f"Version {corrected.version} cannot score the answers given: {error}.") from error
    unreadable = [r for r in results if r.problem]
    if unreadable:
        raise RegradeRefused(f"Version {corrected.version} cannot read {len(unreadable)} submitted answer(s) "
                             f"({unreadable[0].problem}): they would all count as wrong. Keep the answer ids in the "
                             "corrected version, or drop this question instead.")
    return sum(1 for r in results if r.drawn.version < corrected.version)


def stored_responses(session: Session, assessment: Assessment, item_id: str) -> list[tuple[question_bank.Item, object]]:
    """Every submitted response to any version of ``item_id`` on ``assessment``, with the version
    it was given on (from the bank, else the attempt's snapshot)."""
    versions = StoredVersions(session)
    found = []
    for attempt_id, form, slot, response in session.execute(
            select(Attempt.id, Attempt.form, Answer.slot, Answer.response)
            .join(Answer, Answer.attempt_id == Attempt.id)
            .where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED, Answer.item_id == item_id)):
        slots = form.get("slots", [])
        if 1 <= slot <= len(slots) and slots[slot - 1]["item_id"] == item_id:
            found.append((versions.get(attempt_id, item_id, slots[slot - 1]["version"]), response))
    return found
