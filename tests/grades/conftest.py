"""Grade delivery against the demo LMS over real HTTP: students launch so the tool knows them,
scores enter the outbox as a submit would record them, and delivery passes post them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from typing import Any

import pytest
import requests
from sqlalchemy import select

from lti_tool import grade_sync
from lti_tool.db import session_scope
from lti_tool.demo_lms import faults
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoUser
from lti_tool.models.grade_sync import PENDING
from lti_tool.models.grade_sync import SENDING
from lti_tool.models.grade_sync import ScoreSubmission
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from lti_tool.worker import deliver_once
from tests.lti.test_platform_flows import Browser


@pytest.fixture
def stack_config() -> dict[str, Any]:
    # Short waits so retries happen within a test; the rules are the same as in production.
    return {"GRADE_RETRY_BASE_SECONDS": 0.05, "GRADE_RETRY_MAX_SECONDS": 0.5, "HTTP_TIMEOUT_SECONDS": 5}


@dataclass(frozen=True)
class Student:
    link_pk: int
    user_pk: int
    sub: str


def demo_course(stack) -> tuple[int, int, list[int], int]:  # noqa: ANN001
    """(course id, link pk, learner user ids, instructor user id) of the demo course."""
    with session_scope(stack.app) as session:
        course = session.scalars(select(DemoCourse)).first()
        link = session.scalars(select(DemoResourceLink).where(DemoResourceLink.course_id == course.id)).first()
        enrollments = session.scalars(
            select(DemoEnrollment).where(DemoEnrollment.course_id == course.id).order_by(DemoEnrollment.id)
        ).all()
        learners = [e.user_id for e in enrollments if e.role == "learner"]
        instructor = next(e.user_id for e in enrollments if e.role == "instructor")
        return course.id, link.id, learners, instructor


def launch(stack, demo_user_id: int) -> Student:  # noqa: ANN001
    """Launch as this demo LMS person through the real OIDC flow; the tool records them."""
    course_id, link_id, _, _ = demo_course(stack)
    browser = Browser()
    chosen = browser.go("POST", f"{stack.lms_url}/course/{course_id}/whoami",
                        {"user_id": str(demo_user_id), "storage": "0"})
    assert chosen.status_code == 200
    landing = browser.go("GET", f"{stack.lms_url}/course/{course_id}/links/{link_id}/launch?storage=0")
    assert landing.status_code == 200 and landing.url.startswith(stack.tool_url), landing.text[:500]
    browser.http.close()
    with session_scope(stack.app) as session:
        sub = session.get(DemoUser, demo_user_id).sub
        user = session.scalars(select(LtiUser).where(LtiUser.sub == sub)).one()
        link = session.scalars(select(ResourceLink)).one()
        return Student(link.id, user.id, sub)


def launch_learners(stack, count: int = 3) -> list[Student]:  # noqa: ANN001
    _, _, learners, _ = demo_course(stack)
    return [launch(stack, user_id) for user_id in learners[:count]]


def record(stack, student: Student, given: float, maximum: float = 10.0,  # noqa: ANN001
           submitted_at: datetime | None = None, **extra: Any) -> int:
    """What a submit does: the score enters the outbox in the submit's transaction."""
    with session_scope(stack.app) as session:
        row = grade_sync.record_score(
            session, resource_link_pk=student.link_pk, user_pk=student.user_pk, score_given=given,
            score_maximum=maximum, submitted_at=submitted_at or utcnow(), **extra,
        )
        return row.id


def outbox(stack) -> list[ScoreSubmission]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        rows = list(session.scalars(select(ScoreSubmission).order_by(ScoreSubmission.id)))
        session.expunge_all()
        return rows


def row(stack, row_id: int) -> ScoreSubmission:  # noqa: ANN001
    with session_scope(stack.app) as session:
        found = session.get(ScoreSubmission, row_id)
        session.expunge(found)
        return found


def deliver_until_settled(stack, *, deadline_seconds: float = 90, publisher=None) -> None:  # noqa: ANN001
    """Run delivery passes until nothing waits (failed rows stay failed). The deadline only
    guards against a hang; nothing here asserts on timing."""
    give_up = time.monotonic() + deadline_seconds
    while True:
        deliver_once(stack.app, publisher=publisher)
        waiting = [r for r in outbox(stack) if r.status in (PENDING, SENDING)]
        if not waiting:
            return
        assert time.monotonic() < give_up, f"still waiting: {[(r.id, r.status, r.last_error) for r in waiting]}"
        soonest = min(r.next_attempt_at for r in waiting)
        time.sleep(min(1.0, max(0.02, (soonest - utcnow()).total_seconds())))


def set_fault(stack, mode: str, **options: Any) -> None:  # noqa: ANN001
    with session_scope(stack.app) as session:
        faults.set_fault(session, mode, **options)


def set_flavour(stack, flavour: str) -> None:  # noqa: ANN001
    answer = requests.post(f"{stack.lms_url}/admin/settings", json={"flavour": flavour}, timeout=10)
    assert answer.status_code == 200, answer.text


def gradebook(stack) -> dict[str, Any]:  # noqa: ANN001
    course_id, _, _, _ = demo_course(stack)
    answer = requests.get(f"{stack.lms_url}/course/{course_id}/gradebook.json", timeout=10)
    assert answer.status_code == 200
    return answer.json()


def grade_of(book: dict[str, Any], sub: str) -> dict[str, Any] | None:
    """The student's cell of the one line item that has a grade (or None)."""
    student = next(s for s in book["students"] if s["sub"] == sub)
    cells = [c for c in student["grades"].values() if c is not None]
    assert len(cells) <= 1, cells
    return cells[0] if cells else None


def posts_of(book: dict[str, Any], sub: str) -> list[dict[str, Any]]:
    return [h for h in book["history"] if h["user_id"] == sub]


def stats(stack) -> dict[str, int]:  # noqa: ANN001
    answer = requests.get(f"{stack.lms_url}/admin/stats", timeout=10)
    return answer.json()["counters"]


def at_the_same_millisecond(platform_stamp: str, sent: datetime) -> bool:
    """Whether the gradebook's timestamp text is ``sent`` to the millisecond. Compared as instants,
    not as text: a time on a whole second prints without its fraction ("14:01:58+00:00")."""
    seen = datetime.fromisoformat(platform_stamp.replace("Z", "+00:00"))
    sent = sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc)
    seen = seen if seen.tzinfo else seen.replace(tzinfo=timezone.utc)
    return seen.replace(microsecond=seen.microsecond // 1000 * 1000) == sent.replace(microsecond=sent.microsecond // 1000 * 1000)
