"""What an operator reads in the logs about grades: one line per delivery outcome, each carrying
the request id of the submit that recorded the score, and nothing personal or secret anywhere."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from lti_tool.db import session_scope
from lti_tool.logs import JsonFormatter
from lti_tool.logs import request_id_set
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoUser
from lti_tool.models.grade_sync import SENDING
from lti_tool.models.grade_sync import ScoreSubmission
from lti_tool.worker import deliver_once
from tests.attempts.conftest import demo_people
from tests.attempts.conftest import launch as launch_in_browser
from tests.grades.conftest import deliver_until_settled
from tests.grades.conftest import demo_course
from tests.grades.conftest import launch
from tests.grades.conftest import launch_learners
from tests.grades.conftest import record
from tests.grades.conftest import set_fault

SUBMIT_ID = "submit-ana-0001"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="lti_tool")
    return caplog


def _grade_lines(caplog: pytest.LogCaptureFixture, submission: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if str(getattr(r, "event", "")).startswith("grade.") and getattr(r, "submission", None) == submission]


def test_a_submit_s_request_id_follows_its_grade_through_retries_to_the_gradebook(demo_stack, logged) -> None:
    ana = launch_in_browser(demo_stack, demo_people(demo_stack)["learners"][0])
    attempt_id, _ = ana.start()
    set_fault(demo_stack, "503", count=2, endpoints=["ags"])
    ana.browser.http.headers["X-Request-Id"] = SUBMIT_ID  # as a reverse proxy would pass it along
    assert ana.submit(attempt_id).status_code == 200
    with session_scope(demo_stack.app) as session:
        (submission,) = session.scalars(select(ScoreSubmission.id).where(ScoreSubmission.request_id == SUBMIT_ID))

    deliver_until_settled(demo_stack)

    lines = _grade_lines(logged, submission)
    assert [r.event for r in lines] == ["grade.retry", "grade.retry", "grade.recovered"]
    assert {r.request_id for r in lines} == {SUBMIT_ID}
    first_retry = lines[0]
    assert first_retry.levelno == logging.WARNING and first_retry.status_code == 503 and first_retry.wait_seconds > 0
    assert "retrying in" in first_retry.getMessage() and "try 1 of" in first_retry.getMessage()
    assert "after 3 tries" in lines[2].getMessage()
    shipped = json.loads(JsonFormatter().format(lines[2]))  # what a log collector receives
    assert shipped["request_id"] == SUBMIT_ID and shipped["event"] == "grade.recovered"
    assert shipped["submission"] == submission and shipped["platform"] is not None


def test_a_first_time_delivery_a_refusal_and_giving_up_are_each_one_line(demo_stack, logged) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    teacher = launch(demo_stack, demo_course(demo_stack)[3])
    with request_id_set("req-delivered-01"):
        delivered = record(demo_stack, ana, 7)
    with request_id_set("req-refused-001"):
        refused = record(demo_stack, teacher, 5)  # the demo LMS answers 400: not a student
    deliver_until_settled(demo_stack)
    assert [(r.event, r.request_id, r.status_code) for r in _grade_lines(logged, delivered)] == [
        ("grade.delivered", "req-delivered-01", 200)]
    (refusal,) = _grade_lines(logged, refused)
    assert (refusal.event, refusal.request_id, refusal.status_code) == ("grade.refused", "req-refused-001", 400)
    assert refusal.levelno == logging.WARNING

    demo_stack.app.config["GRADE_MAX_TRIES"] = 2
    set_fault(demo_stack, "503", endpoints=["ags"])  # down until further notice
    with request_id_set("req-given-up-01"):
        given_up = record(demo_stack, ana, 9)
    deliver_until_settled(demo_stack)
    lines = _grade_lines(logged, given_up)
    assert [r.event for r in lines] == ["grade.retry", "grade.failed"]
    assert lines[1].levelno == logging.ERROR and "gave up after 2 tries" in lines[1].getMessage()
    assert {r.request_id for r in lines} == {"req-given-up-01"}


def test_taking_over_from_a_dead_worker_is_logged(demo_stack, logged) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    with request_id_set("req-takeover-01"):
        row_id = record(demo_stack, ana, 4)
    with session_scope(demo_stack.app) as session:  # a worker claimed it, then died
        session.execute(update(ScoreSubmission).where(ScoreSubmission.id == row_id).values(
            status=SENDING, claim_token="dead-worker", claimed_until=utcnow() - timedelta(seconds=1), tries=1))
    deliver_once(demo_stack.app)
    assert [(r.event, r.request_id) for r in _grade_lines(logged, row_id)] == [
        ("grade.takeover", "req-takeover-01"), ("grade.recovered", "req-takeover-01")]


def test_no_log_line_holds_a_token_a_name_or_an_email(demo_stack, logged) -> None:
    ana = launch_in_browser(demo_stack, demo_people(demo_stack)["learners"][0])
    attempt_id, _ = ana.start()
    ana.submit(attempt_id)
    deliver_until_settled(demo_stack)
    session_token = ana.base.rstrip("/").rsplit("/", 1)[-1]
    with session_scope(demo_stack.app) as session:
        person = session.get(DemoUser, ana.lms_user_id)
        secrets = {session_token, person.given_name, person.family_name, person.email}
    lines = [JsonFormatter().format(r) for r in logged.records]
    assert any('"event": "grade.delivered"' in line for line in lines)  # the flow was logged
    assert any('"route": "/s/<token>/attempts/<int:attempt_id>/submit"' in line for line in lines)
    for line in lines:
        assert "eyJ" not in line, line  # no JWT: id_token, client assertion, access token
        for secret in secrets:
            assert secret not in line, (secret, line)
