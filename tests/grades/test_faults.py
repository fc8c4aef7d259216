"""The demo LMS made to fail: grades still land, throttling is respected, refusals are kept."""

from __future__ import annotations

import time
from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import delete
from sqlalchemy import select

from lti_tool import grade_sync
from lti_tool.cli import cli
from lti_tool.db import session_scope
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoAccessToken
from lti_tool.models.grade_sync import DELIVERED
from lti_tool.models.grade_sync import FAILED
from lti_tool.models.grade_sync import PENDING
from lti_tool.models.platform import Platform
from lti_tool.worker import deliver_once
from tests.grades.conftest import at_the_same_millisecond
from tests.grades.conftest import deliver_until_settled
from tests.grades.conftest import demo_course
from tests.grades.conftest import grade_of
from tests.grades.conftest import gradebook
from tests.grades.conftest import launch
from tests.grades.conftest import launch_learners
from tests.grades.conftest import outbox
from tests.grades.conftest import posts_of
from tests.grades.conftest import record
from tests.grades.conftest import row
from tests.grades.conftest import set_fault
from tests.grades.conftest import set_flavour
from tests.grades.conftest import stats


def _cli(stack, *args: str) -> str:  # noqa: ANN001
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: stack.app))
    assert result.exit_code == 0, result.output
    return result.output


def test_503_for_a_while_then_recovery_every_score_lands(demo_stack) -> None:
    students = launch_learners(demo_stack, 3)
    set_fault(demo_stack, "503", count=7, endpoints=["token", "ags"])
    for given, student in zip((4, 6, 9), students):
        record(demo_stack, student, given)
    deliver_until_settled(demo_stack)
    rows = outbox(demo_stack)
    assert all(r.status == DELIVERED for r in rows)
    assert sum(r.tries for r in rows) > len(rows)  # some were retried
    book = gradebook(demo_stack)
    maximum = book["line_items"][0]["score_maximum"]
    for given, student in zip((4, 6, 9), students):
        assert grade_of(book, student.sub)["score"] == given / 10 * maximum
        assert [p["status"] for p in posts_of(book, student.sub)] == [200]


def test_dropped_connections_are_retried(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    set_fault(demo_stack, "unreachable", count=2, endpoints=["ags"])
    record(demo_stack, ana, 5)
    deliver_until_settled(demo_stack)
    (delivered,) = outbox(demo_stack)
    assert delivered.status == DELIVERED and delivered.tries == 3


def test_429_waits_for_retry_after(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    record(demo_stack, ana, 1)
    deliver_until_settled(demo_stack)  # a token is cached; only the score POST is throttled next
    set_fault(demo_stack, "429", count=1, retry_after=30, endpoints=["ags"])
    row_id = record(demo_stack, ana, 7)
    before = utcnow()
    deliver_once(demo_stack.app)
    throttled = row(demo_stack, row_id)
    assert throttled.status == PENDING and throttled.last_status_code == 429
    assert throttled.next_attempt_at >= before + timedelta(seconds=30)
    ags_requests = stats(demo_stack)["ags_requests"]
    deliver_once(demo_stack.app)  # not due yet: nothing is sent
    assert stats(demo_stack)["ags_requests"] == ags_requests
    assert "pending:    1" in _cli(demo_stack, "grades", "status")
    assert "1 score(s) queued" in _cli(demo_stack, "grades", "retry")  # an admin says: now
    deliver_until_settled(demo_stack)
    assert row(demo_stack, row_id).status == DELIVERED
    assert grade_of(gradebook(demo_stack), ana.sub)["score"] is not None


def test_canvas_throttling_403_waits_for_retry_after_too(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    record(demo_stack, ana, 1)
    deliver_until_settled(demo_stack)
    set_fault(demo_stack, "403_rate_limit", count=1, retry_after=20, endpoints=["ags"])
    row_id = record(demo_stack, ana, 2)
    before = utcnow()
    deliver_once(demo_stack.app)
    throttled = row(demo_stack, row_id)
    assert throttled.status == PENDING and throttled.last_status_code == 403
    assert "Rate Limit Exceeded" in throttled.platform_answer
    assert throttled.next_attempt_at >= before + timedelta(seconds=20)
    # Without a Retry-After the throttle still backs off and then gets through.
    set_fault(demo_stack, "403_rate_limit", count=2, endpoints=["ags"])
    with session_scope(demo_stack.app) as session:
        grade_sync.retry_now(session)
    deliver_until_settled(demo_stack)
    assert row(demo_stack, row_id).status == DELIVERED


def test_a_refused_token_is_refreshed_once(demo_stack) -> None:
    ana, ben = launch_learners(demo_stack, 2)
    record(demo_stack, ana, 3)
    deliver_until_settled(demo_stack)
    assert stats(demo_stack)["token_requests"] == 1
    with session_scope(demo_stack.app) as session:  # the platform forgets its tokens (a restart)
        session.execute(delete(DemoAccessToken))
    record(demo_stack, ben, 4)
    deliver_once(demo_stack.app)
    (_, second) = outbox(demo_stack)
    assert second.status == DELIVERED and second.tries == 1  # the 401 cost no retry
    assert stats(demo_stack)["token_requests"] == 2


def test_a_score_for_a_non_student_fails_with_the_answer_kept(demo_stack) -> None:
    _, _, _, instructor_id = demo_course(demo_stack)
    teacher = launch(demo_stack, instructor_id)
    row_id = record(demo_stack, teacher, 5)
    deliver_until_settled(demo_stack)
    refused = row(demo_stack, row_id)
    assert refused.status == FAILED and refused.last_status_code == 400 and refused.tries == 1
    assert "not a student" in refused.platform_answer
    with session_scope(demo_stack.app) as session:
        (shown,) = grade_sync.failed_deliveries(session, teacher.link_pk)
        assert shown.id == row_id
    status = _cli(demo_stack, "grades", "status")
    assert "failed:     1" in status and "not a student" in status
    assert "0 score(s) queued" in _cli(demo_stack, "grades", "retry")
    assert "1 score(s) queued" in _cli(demo_stack, "grades", "retry", "--failed")
    deliver_until_settled(demo_stack)
    assert row(demo_stack, row_id).status == FAILED and row(demo_stack, row_id).tries == 1


def test_canvas_422_for_a_non_student_fails_and_other_students_still_land(demo_stack) -> None:
    _, _, _, instructor_id = demo_course(demo_stack)
    teacher = launch(demo_stack, instructor_id)
    (ana,) = launch_learners(demo_stack, 1)
    set_flavour(demo_stack, "canvas")
    with session_scope(demo_stack.app) as session:
        for platform in session.scalars(select(Platform)):
            platform.product = "canvas"
    refused_id = record(demo_stack, teacher, 5)
    record(demo_stack, ana, 8)
    deliver_until_settled(demo_stack)
    refused = row(demo_stack, refused_id)
    assert refused.status == FAILED and refused.last_status_code == 422
    assert "not a student" in refused.platform_answer
    assert grade_of(gradebook(demo_stack), ana.sub)["score"] is not None


def test_a_score_is_given_up_after_the_last_try(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    set_fault(demo_stack, "503", endpoints=["token", "ags"])  # down until further notice
    demo_stack.app.config["GRADE_MAX_TRIES"] = 3
    row_id = record(demo_stack, ana, 5)
    deliver_until_settled(demo_stack)
    given_up = row(demo_stack, row_id)
    assert given_up.status == FAILED and given_up.tries == 3 and "gave up" in given_up.last_error
    set_fault(demo_stack, "none")
    _cli(demo_stack, "grades", "retry", "--failed")
    deliver_until_settled(demo_stack)
    assert row(demo_stack, row_id).status == DELIVERED


def test_a_throttling_platform_is_left_alone_for_the_rest_of_the_pass(demo_stack) -> None:
    students = launch_learners(demo_stack, 3)
    record(demo_stack, students[0], 1)
    deliver_until_settled(demo_stack)
    set_fault(demo_stack, "429", count=1, retry_after=30, endpoints=["ags"])
    ids = [record(demo_stack, student, 5) for student in students]
    ags_requests = stats(demo_stack)["ags_requests"]
    before = utcnow()
    report = deliver_once(demo_stack.app)
    assert stats(demo_stack)["ags_requests"] == ags_requests + 1  # one throttled POST, then no more
    assert report.retrying == 1 and report.held_back == 2
    waiting = [row(demo_stack, i) for i in ids]
    assert all(r.status == PENDING and r.next_attempt_at >= before + timedelta(seconds=30) for r in waiting)
    assert sorted(r.tries for r in waiting) == [0, 0, 1]  # rows never sent spent no try
    with session_scope(demo_stack.app) as session:
        grade_sync.retry_now(session)
    deliver_until_settled(demo_stack)
    assert all(row(demo_stack, i).status == DELIVERED for i in ids)


def test_a_second_401_after_the_refresh_fails_with_the_answer_kept(demo_stack) -> None:
    """As Moodle answers when the tool's services are switched off: refresh once, then stop."""
    from lti_tool.models.lti import ResourceLink

    (ana,) = launch_learners(demo_stack, 1)
    with session_scope(demo_stack.app) as session:
        link = session.get(ResourceLink, ana.link_pk)
        link.ags_lineitem = link.ags_lineitem.split("?")[0] + "?type_id=999"  # another tool's URL
    row_id = record(demo_stack, ana, 5)
    deliver_until_settled(demo_stack)
    refused = row(demo_stack, row_id)
    assert refused.status == FAILED and refused.last_status_code == 401 and refused.tries == 1
    assert "type_id" in refused.platform_answer
    assert stats(demo_stack)["token_requests"] == 2  # the first token, and one refresh


def test_a_timeout_is_retried_and_the_late_original_cannot_overwrite_the_retry(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    record(demo_stack, ana, 1)
    deliver_until_settled(demo_stack)
    demo_stack.app.config["HTTP_TIMEOUT_SECONDS"] = 1
    set_fault(demo_stack, "slow", delay=2.5, count=1, endpoints=["ags"])
    row_id = record(demo_stack, ana, 6)
    deliver_until_settled(demo_stack)
    retried = row(demo_stack, row_id)
    assert retried.status == DELIVERED and retried.tries == 2
    give_up = time.monotonic() + 30  # the platform finishes the timed-out POST late
    while len(posts_of(gradebook(demo_stack), ana.sub)) < 3:
        assert time.monotonic() < give_up
        time.sleep(0.1)
    book = gradebook(demo_stack)
    assert grade_of(book, ana.sub)["score"] == 6 / 10 * book["line_items"][0]["score_maximum"]
    assert at_the_same_millisecond(grade_of(book, ana.sub)["timestamp"], retried.score_timestamp)
