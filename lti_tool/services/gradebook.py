"""The grade a student keeps, and sending it to the LMS gradebook: one home for the rule.

The kept grade follows the assessment's policy (highest, latest, average, first) over the
student's submitted attempts, in the assessment's points. Submitting, the instructor's dashboard,
a regrade, "resend the grade" and ``quiztool grades resync`` all read it here and queue it through
``grade_sync.record_score`` (the outbox, written in the caller's transaction) with the submission
time of the attempt it comes from, so a resend never makes a submission look late.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import grade_sync
from lti_tool.models.assessment import SUBMITTED
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt


class KeptGrade(NamedTuple):
    """``score_given`` of ``score_maximum`` points, from the attempt submitted at ``submitted_at``
    (the latest one for ``average``)."""

    score_given: float
    score_maximum: float
    submitted_at: datetime


def grade_kept_by(assessment: Assessment, attempts: Sequence[Attempt]) -> KeptGrade | None:
    """The kept grade of one student's attempts (in order of their number); None before the
    first submitted one. Computed on exact fractions and turned into a float once, at the end,
    with nothing cut: partial credit (2/3 of a point) reaches the gradebook as 6.666666666666667
    of 10, never as a sum of numbers rounded on the way, and never cut to a few places (the LMS
    keeps what precision it keeps; pages show two decimals through ``services.display``)."""
    done = [a for a in attempts if a.state == SUBMITTED and a.score is not None]
    if not done:
        return None
    if assessment.grading == "first":
        chosen, fraction = done[0], exact_share(done[0])
    elif assessment.grading == "latest":
        chosen, fraction = done[-1], exact_share(done[-1])
    elif assessment.grading == "average":
        chosen, fraction = done[-1], sum((exact_share(a) for a in done), Fraction(0)) / len(done)
    else:  # highest; the earliest of equal scores keeps its submission time
        chosen = max(done, key=lambda a: (exact_share(a), -a.number))
        fraction = exact_share(chosen)
    maximum = float(assessment.points)
    assert chosen.submitted_at is not None
    return KeptGrade(float(fraction * assessment.points), maximum, chosen.submitted_at)


#: Scores are sums of fractions with small denominators (a share of a few keyed parts times whole
#: points); a stored float is within 1e-12 of exactly one such fraction.
_DENOMINATOR_LIMIT = 10**6


def exact_share(attempt: Attempt) -> Fraction:
    """The attempt's share of its points as the exact fraction its stored floats stand for."""
    if attempt.earned is not None and attempt.possible:
        return (Fraction(attempt.earned).limit_denominator(_DENOMINATOR_LIMIT)
                / Fraction(attempt.possible).limit_denominator(_DENOMINATOR_LIMIT))
    return Fraction(attempt.score or 0.0).limit_denominator(_DENOMINATOR_LIMIT)


_SUBMITTED_SCORES = (Attempt.user_id, Attempt.number, Attempt.state, Attempt.score, Attempt.submitted_at,
                     Attempt.earned, Attempt.possible)


def kept_grades(session: Session, assessment: Assessment) -> dict[int, KeptGrade]:
    """Every student's kept grade on ``assessment``, read in one query (dashboard, resync)."""
    by_user: dict[int, list[Attempt]] = {}
    rows = session.execute(
        select(*_SUBMITTED_SCORES)
        .where(Attempt.assessment_id == assessment.id, Attempt.state == SUBMITTED)
        .order_by(Attempt.user_id, Attempt.number)
    )
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)  # type: ignore[arg-type]
    grades = {user_pk: grade_kept_by(assessment, attempts) for user_pk, attempts in by_user.items()}
    return {user_pk: grade for user_pk, grade in grades.items() if grade is not None}


def kept_grade(session: Session, assessment: Assessment, user_pk: int) -> KeptGrade | None:
    rows = session.execute(
        select(*_SUBMITTED_SCORES)
        .where(Attempt.assessment_id == assessment.id, Attempt.user_id == user_pk, Attempt.state == SUBMITTED)
        .order_by(Attempt.number)
    ).all()
    return grade_kept_by(assessment, rows)  # type: ignore[arg-type]


def record_kept_grade(session: Session, assessment: Assessment, user_pk: int, *, resend: bool = False) -> KeptGrade | None:
    """Queue the student's kept grade for the gradebook (flushes; the worker sends it after the
    commit). None, and nothing queued, before a submitted attempt or for an unbound assessment."""
    grade = kept_grade(session, assessment, user_pk)
    if grade is None or assessment.resource_link_pk is None:
        return None
    _queue(session, assessment.resource_link_pk, user_pk, grade, resend=resend)
    return grade


def record_started(session: Session, assessment: Assessment, user_pk: int, now: datetime) -> None:
    """The LMS shows the student at work. Only before a first graded attempt: Moodle clears the
    grade of any score that is not FullyGraded."""
    if assessment.resource_link_pk is None:
        return
    grade_sync.record_score(
        session, resource_link_pk=assessment.resource_link_pk, user_pk=user_pk, score_given=None,
        score_maximum=float(assessment.points), submitted_at=now, activity_progress="Started",
        grading_progress="NotReady",
    )


def resync(session: Session, assessment: Assessment, user_pks: Sequence[int] | None = None) -> int:
    """Queue again the kept grade of every student (or of ``user_pks``) with its original
    submission time: after a regrade, a change of points or policy, an LMS restore. Returns how
    many grades were queued."""
    if assessment.resource_link_pk is None:
        return 0
    grades = kept_grades(session, assessment)
    wanted = grades if user_pks is None else {u: grades[u] for u in user_pks if u in grades}
    for user_pk, grade in sorted(wanted.items()):
        _queue(session, assessment.resource_link_pk, user_pk, grade, resend=True)
    return len(wanted)


def resync_link(session: Session, resource_link_pk: int) -> int:
    """``resync`` for the assessment of a link (``quiztool grades resync``); 0 without one."""
    assessment = session.scalars(select(Assessment).where(Assessment.resource_link_pk == resource_link_pk)).first()
    return resync(session, assessment) if assessment is not None else 0


def _queue(session: Session, resource_link_pk: int, user_pk: int, grade: KeptGrade, *, resend: bool) -> None:
    grade_sync.record_score(
        session, resource_link_pk=resource_link_pk, user_pk=user_pk, score_given=grade.score_given,
        score_maximum=grade.score_maximum, submitted_at=grade.submitted_at, resend=resend,
    )


def delivery_of(session: Session, assessment: Assessment, user_pk: int) -> grade_sync.Delivery | None:
    """Where the student's kept grade is on its way to the gradebook ("queued", "delivered" with
    when, "refused"); None for an assignment without a link (nothing is sent)."""
    if assessment.resource_link_pk is None:
        return None
    return grade_sync.latest_deliveries(session, assessment.resource_link_pk, user_pk).get(user_pk)
