"""Read models for the instructor's dashboard: the roster merged with attempts, kept grades and
where each grade is on its way to the gradebook; and one student's attempts in detail.

Everything a dashboard row shows is read with a few set-wise queries (roster, attempts without
their snapshots, kept grades, newest outbox rows, accommodations), so a course of a thousand
students renders without a query per student.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import question_bank
from lti_tool import grade_sync
from lti_tool.grade_sync import Delivery
from lti_tool.models.assessment import IN_PROGRESS
from lti_tool.models.assessment import SUBMITTED
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import Membership
from lti_tool.models.lti import RosterEntry
from lti_tool.services import accommodations
from lti_tool.services import attempts as attempts_service
from lti_tool.services import gradebook
from lti_tool.services import scoring

NOT_STARTED = "not started"
IN_PROGRESS_LABEL = "in progress"
SUBMITTED_LABEL = "submitted"


@dataclass(frozen=True)
class StudentRow:
    user_pk: int
    name: str
    email: str | None
    in_roster: bool
    status: str
    #: Time left in the attempt in progress (None: no limit, or none in progress).
    time_left: timedelta | None
    attempts_used: int
    attempts_allowed: int
    last_score: tuple[float, float] | None
    kept: gradebook.KeptGrade | None
    delivery: Delivery
    grant: accommodations.Grant


@dataclass(frozen=True)
class Dashboard:
    rows: list[StudentRow]
    roster_fetched_at: datetime | None
    roster_error: str | None

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


_ATTEMPT_COLUMNS = (Attempt.user_id, Attempt.number, Attempt.state, Attempt.deadline_at, Attempt.submitted_at,
                    Attempt.earned, Attempt.possible, Attempt.score)
_PERSON = (LtiUser.id, LtiUser.name, LtiUser.email, LtiUser.sub)


def dashboard(session: Session, assessment: Assessment, context: Any, now: datetime) -> Dashboard:
    """Every student of the course: the cached roster (in the platform's order), then students
    who launched or have an attempt, by name. Six set-wise queries, whatever the course size."""
    by_user: dict[int, list[Any]] = {}
    for row in session.execute(select(*_ATTEMPT_COLUMNS).where(Attempt.assessment_id == assessment.id)
                               .order_by(Attempt.user_id, Attempt.number)):
        by_user.setdefault(row.user_id, []).append(row)
    people: dict[int, tuple[Any, bool]] = {}
    if context is not None:
        for person in session.execute(
            select(*_PERSON).join(RosterEntry, RosterEntry.user_pk == LtiUser.id)
            .where(RosterEntry.context_pk == context.id, RosterEntry.is_learner.is_(True), RosterEntry.active.is_(True))
            .order_by(RosterEntry.position)
        ):
            people[person.id] = (person, True)
        # Students who launched, whatever the roster says (or when there is none).
        for person in session.execute(
            select(*_PERSON).join(Membership, Membership.user_id == LtiUser.id)
            .where(Membership.context_pk == context.id, Membership.is_learner.is_(True),
                   Membership.is_instructor.is_(False))
        ):
            people.setdefault(person.id, (person, False))
    others = [pk for pk in by_user if pk not in people]
    if others:
        for person in session.execute(select(*_PERSON).where(LtiUser.id.in_(others))):
            people[person.id] = (person, False)
    deliveries = grade_sync.latest_deliveries(session, assessment.resource_link_pk) if assessment.resource_link_pk else {}
    grants = accommodations.grants_of(session, assessment.id)
    listed = [pk for pk, (_, on_roster) in people.items() if on_roster]
    rest = sorted((pk for pk, (_, on_roster) in people.items() if not on_roster),
                  key=lambda pk: (display_name(people[pk][0]).lower(), pk))
    rows = [_row(assessment, people[pk][0], people[pk][1], by_user.get(pk, []), deliveries.get(pk),
                 grants.get(pk, accommodations.NONE), now) for pk in listed + rest]
    return Dashboard(rows, context.roster_fetched_at if context is not None else None,
                     context.roster_error if context is not None else None)


def display_name(user: Any) -> str:
    """A person's name as the pages show it (``user``: an LtiUser or a row with its columns)."""
    return user.name or user.email or f"Student {user.sub[:8]}"


def _row(assessment: Assessment, user: Any, in_roster: bool, tries: list[Any], delivery: Delivery | None,
         grant: accommodations.Grant, now: datetime) -> StudentRow:
    open_try = next((t for t in tries if t.state == IN_PROGRESS), None)
    done = [t for t in tries if t.state == SUBMITTED]
    if open_try is not None:
        status = IN_PROGRESS_LABEL
    elif done:
        status = SUBMITTED_LABEL
    else:
        status = NOT_STARTED
    time_left = None
    if open_try is not None and open_try.deadline_at is not None:
        time_left = max(timedelta(0), open_try.deadline_at - now)
    last = done[-1] if done else None
    return StudentRow(
        user_pk=user.id, name=display_name(user), email=user.email, in_roster=in_roster, status=status,
        time_left=time_left, attempts_used=len(tries), attempts_allowed=accommodations.attempts_allowed(assessment, grant),
        last_score=(last.earned or 0.0, last.possible or 0.0) if last is not None else None,
        kept=gradebook.grade_kept_by(assessment, done), delivery=delivery or Delivery("none"), grant=grant,
    )


# -- one student ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptDetail:
    attempt: Attempt
    #: Each slot as the student saw it, with their response, the key, the rationales, and the
    #: score under the assessment's regrade rules (``dropped`` when it counts for nothing).
    views: list[dict[str, Any]]
    earned: float
    possible: float
    #: Every save in order (``attempts.steps_of``): what was answered when.
    steps: list[attempts_service.Step]


@dataclass(frozen=True)
class StudentDetail:
    user: LtiUser
    in_roster: bool
    attempts: list[AttemptDetail]
    attempts_allowed: int
    kept: gradebook.KeptGrade | None
    delivery: Delivery
    grant: accommodations.Grant
    time_limit: int


def student_detail(session: Session, assessment: Assessment, user: LtiUser) -> StudentDetail:
    rules = scoring.RegradeRules.from_json(assessment.regrade)
    details = []
    for attempt in attempts_service.attempts_of(session, assessment.id, user.id):
        responses = attempts_service.responses_of(session, attempt)
        form = attempts_service.form_of(attempt)
        items = attempts_service.items_of(attempt)
        result = scoring.score_attempt(form, items, responses, rules)
        views = []
        for number, (slot, scored) in enumerate(zip(form.slots, result.slots), start=1):
            view = question_bank.review_view(rules.scored_version(items[slot.ref]), slot.layout, responses.get(number),
                                             answered=True)
            view["score"] = scored.earned
            view["dropped"] = not scored.counted
            view["accepted"] = sorted(rules.accepted.get(scored.item_id, ()))
            view["case"] = question_bank.case_view(form, number - 1)
            views.append(view)
        details.append(AttemptDetail(attempt, views, float(result.earned), float(result.possible),
                                     attempts_service.steps_of(session, attempt.id)))
    grant = accommodations.grant_of(session, assessment.id, user.id)
    deliveries = (grade_sync.latest_deliveries(session, assessment.resource_link_pk, user.id)
                  if assessment.resource_link_pk else {})
    in_roster = assessment.context_pk is not None and session.scalar(
        select(RosterEntry.id).where(RosterEntry.context_pk == assessment.context_pk, RosterEntry.user_pk == user.id)
    ) is not None
    return StudentDetail(user, in_roster, details, accommodations.attempts_allowed(assessment, grant),
                         gradebook.kept_grade(session, assessment, user.id), deliveries.get(user.id, Delivery("none")),
                         grant, assessment.time_limit)
