"""Accommodations: extra time and extra attempts granted to one student on one assessment.

Extra time is minutes, a percentage of the time limit, or both (``limit × (1 + percent/100) +
minutes``); it applies to attempts started afterwards *and* to the attempt in progress, whose
deadline moves at once (from its start and the time limit it started with). Without a time limit
there is nothing to extend, and the instructor is told so. Extra attempts add to the
assessment's allowance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.assessment import IN_PROGRESS
from lti_tool.models.assessment import Accommodation
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.upsert import upsert

@dataclass(frozen=True)
class Grant:
    extra_minutes: int = 0
    extra_percent: int = 0
    extra_attempts: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.extra_minutes or self.extra_percent or self.extra_attempts)


NONE = Grant()


def grant_of(session: Session, assessment_id: int, user_pk: int) -> Grant:
    row = session.scalars(
        select(Accommodation).where(Accommodation.assessment_id == assessment_id, Accommodation.user_pk == user_pk)
    ).first()
    return as_grant(row)


def grants_of(session: Session, assessment_id: int) -> dict[int, Grant]:
    """Every student's accommodation on the assessment (the dashboard)."""
    rows = session.scalars(select(Accommodation).where(Accommodation.assessment_id == assessment_id))
    return {row.user_pk: as_grant(row) for row in rows}


def as_grant(row: Accommodation | None) -> Grant:
    return Grant(row.extra_minutes, row.extra_percent, row.extra_attempts) if row is not None else NONE


def attempts_allowed(assessment: Assessment, grant: Grant) -> int:
    return assessment.attempts_allowed + grant.extra_attempts


def time_allowed(limit_minutes: int | None, grant: Grant) -> timedelta | None:
    """The time an attempt with this base limit gets; None without a limit."""
    if not limit_minutes:
        return None
    seconds = limit_minutes * 60 * (100 + grant.extra_percent) / 100 + grant.extra_minutes * 60
    return timedelta(seconds=math.ceil(seconds))


def deadline_for(attempt: Attempt, grant: Grant) -> datetime | None:
    """The deadline of ``attempt`` under ``grant``, from the limit it started with."""
    allowed = time_allowed(base_limit(attempt), grant)
    return attempt.started_at + allowed if allowed is not None else None


def base_limit(attempt: Attempt) -> int | None:
    """The time limit (minutes) the attempt started with; attempts from before this was
    recorded give it back from their deadline."""
    if attempt.time_limit_minutes is not None:
        return attempt.time_limit_minutes or None
    if attempt.deadline_at is None:
        return None
    return round((attempt.deadline_at - attempt.started_at).total_seconds() / 60) or None


@dataclass(frozen=True)
class Granted:
    grant: Grant
    #: The attempt in progress whose deadline moved, and its new deadline.
    extended: Attempt | None
    new_deadline: datetime | None


def grant(session: Session, assessment: Assessment, user_pk: int, new: Grant, *, now: datetime | None = None) -> Granted:
    """Record ``new`` for the student (replacing what was granted) and move the deadline of an
    attempt in progress. Flushes."""
    now = now or utcnow()
    upsert(session, Accommodation.__table__, {"assessment_id": assessment.id, "user_pk": user_pk},
           {"extra_minutes": new.extra_minutes, "extra_percent": new.extra_percent,
            "extra_attempts": new.extra_attempts, "updated_at": now})
    open_attempt = session.scalars(
        select(Attempt).where(Attempt.assessment_id == assessment.id, Attempt.user_id == user_pk,
                              Attempt.state == IN_PROGRESS).with_for_update()
    ).first()
    if open_attempt is None or base_limit(open_attempt) is None:
        return Granted(new, None, None)
    open_attempt.deadline_at = deadline_for(open_attempt, new)
    session.flush()
    return Granted(new, open_attempt, open_attempt.deadline_at)
