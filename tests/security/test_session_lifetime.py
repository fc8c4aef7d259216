"""The session token in /s/<token>/ stops working after an idle time and after a cap, slides while
the student works, and never ends inside an open timed attempt."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from lti_tool.db import session_scope
from lti_tool.models.assessment import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.lti import ToolSession
from tests.attempts.conftest import Student
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import demo_people
from tests.attempts.conftest import launch


def session_row(stack, student: Student) -> ToolSession:  # noqa: ANN001
    token = student.base.rstrip("/").rsplit("/", 1)[-1]
    with session_scope(stack.app) as session:
        row = session.get(ToolSession, hashlib.sha256(token.encode()).hexdigest())
        session.expunge(row)
        return row


def move(stack, student: Student, **ends: object) -> None:  # noqa: ANN001
    token = student.base.rstrip("/").rsplit("/", 1)[-1]
    with session_scope(stack.app) as session:
        row = session.get(ToolSession, hashlib.sha256(token.encode()).hexdigest())
        for name, value in ends.items():
            setattr(row, name, value)


def test_an_idle_session_ends_and_a_used_one_slides(demo_stack) -> None:  # noqa: ANN001
    student = launch(demo_stack, demo_people(demo_stack)["learners"][0])
    row = session_row(demo_stack, student)
    idle = timedelta(seconds=int(demo_stack.app.config["TOOL_SESSION_IDLE_SECONDS"]))
    assert abs((row.idle_expires_at - utcnow()) - idle) < timedelta(minutes=1)
    assert row.expires_at - utcnow() > idle  # the cap is further away
    # Used with less than half its idle time left: the idle end moves a full idle time ahead.
    move(demo_stack, student, idle_expires_at=utcnow() + timedelta(minutes=5))
    assert student.get("").status_code == 200
    assert session_row(demo_stack, student).idle_expires_at - utcnow() > idle - timedelta(minutes=1)
    # Not used until its idle end: it is over.
    move(demo_stack, student, idle_expires_at=utcnow() - timedelta(seconds=1))
    ended = student.get("")
    assert ended.status_code == 401 and "open the assignment again" in ended.text


def test_the_absolute_cap_ends_a_busy_session(demo_stack) -> None:  # noqa: ANN001
    student = launch(demo_stack, demo_people(demo_stack)["learners"][0])
    move(demo_stack, student, expires_at=utcnow() - timedelta(seconds=1))
    assert student.get("").status_code == 401


def test_an_open_timed_attempt_keeps_its_session_to_the_end(demo_stack) -> None:  # noqa: ANN001
    configure_link(demo_stack, {"pools": "components:2", "time_limit": "180"})  # longer than the idle time
    student = launch(demo_stack, demo_people(demo_stack)["learners"][0])
    move(demo_stack, student, expires_at=utcnow() + timedelta(minutes=30))  # the cap nearly reached too
    attempt_id, _ = student.start()
    with session_scope(demo_stack.app) as session:
        deadline = session.get(Attempt, attempt_id).deadline_at
    row = session_row(demo_stack, student)
    assert row.idle_expires_at >= deadline and row.expires_at >= deadline
    # Reading a long question for two hours without a save: still in.
    move(demo_stack, student, idle_expires_at=deadline, expires_at=deadline)
    assert student.get(f"attempts/{attempt_id}/questions/1").status_code == 200
