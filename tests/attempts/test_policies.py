"""Attempts policy (how many, which grade is kept), review policy, server-enforced time limits,
and assignments whose custom parameters are wrong."""

from __future__ import annotations

import re

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.base import utcnow
from lti_tool.models.grade_sync import ScoreSubmission
from tests.attempts.conftest import attempt_row
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch
from tests.attempts.conftest import set_deadline
from tests.attempts.conftest import tool_user_pk
from tests.attempts.test_security import secrets_of

POOLS = "components:2,barriers:2,comparison:2"


def completed_scores(stack, user_pk: int) -> list[float]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        return list(session.scalars(
            select(ScoreSubmission.score_given)
            .where(ScoreSubmission.user_pk == user_pk, ScoreSubmission.activity_progress == "Completed")
            .order_by(ScoreSubmission.id)
        ))


def take(student, stack, how_many: int | str) -> int:  # noqa: ANN001
    """Start an attempt, answer the first ``how_many`` questions correctly ("all"), submit."""
    attempt_id, _ = student.start()
    keys = correct_responses(stack, attempt_id)
    count = len(keys) if how_many == "all" else int(how_many)
    for number in list(keys)[:count]:
        assert student.autosave(attempt_id, number, keys[number]).status_code == 200
    student.submit(attempt_id)
    return attempt_id


@pytest.mark.parametrize("grading", ["highest", "latest", "average", "first"])
def test_attempts_policy_keeps_the_right_grade(demo_stack, people, grading: str) -> None:
    configure_link(demo_stack, {"pools": POOLS, "attempts": "3", "grading": grading, "points": "30"})
    student = launch(demo_stack, people["learners"][0])
    fractions = []
    for how_many in (3, "all", 0):
        attempt_id = take(student, demo_stack, how_many)
        fractions.append(attempt_row(demo_stack, attempt_id)["score"])
    assert fractions[1] == 1.0 and fractions[2] == 0.0 and 0 < fractions[0] < 1
    expected = {"highest": 1.0, "latest": 0.0, "first": fractions[0], "average": sum(fractions) / 3}[grading]
    user_pk = tool_user_pk(demo_stack, student)
    scores = completed_scores(demo_stack, user_pk)
    assert len(scores) == 3
    assert scores[-1] == pytest.approx(expected * 30, abs=1e-3)
    refused = student.post("start")
    assert refused.status_code == 409 and "used all your attempts" in refused.text
    landing = launch(demo_stack, people["learners"][0]).landing.text
    assert "3 used of 3 allowed" in landing and "Start attempt" not in landing


def test_review_after_submit_shows_answers_and_never_shows_score_only(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "review": "after_submit", "attempts": "2"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id = take(student, demo_stack, 2)
    results = unescape(student.get(f"attempts/{attempt_id}/results").text)
    assert "You scored" in results and "Why:" in results
    assert any(secret in results for secret in secrets_of(demo_stack, attempt_id))

    configure_link(demo_stack, {"pools": POOLS, "review": "never", "attempts": "2"})
    again = launch(demo_stack, people["learners"][0])
    results = unescape(again.get(f"attempts/{attempt_id}/results").text)
    assert "You scored" in results and "score only" in results
    assert not any(secret in results for secret in secrets_of(demo_stack, attempt_id))


def test_review_after_the_due_date(demo_stack, people) -> None:
    due = (utcnow() + timedelta(days=2)).isoformat()
    configure_link(demo_stack, {"pools": POOLS, "review": "after_due", "due_at": due})
    student = launch(demo_stack, people["learners"][0])
    assert "<dt>Due</dt>" in student.landing.text
    attempt_id = take(student, demo_stack, "all")
    results = unescape(student.get(f"attempts/{attempt_id}/results").text)
    assert "after the due date" in results
    assert not any(secret in results for secret in secrets_of(demo_stack, attempt_id))
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    configure_link(demo_stack, {"pools": POOLS, "review": "after_due", "due_at": past, "attempts": "2"})
    later = launch(demo_stack, people["learners"][0])  # the relaunch brings the LMS's new due date
    results = unescape(later.get(f"attempts/{attempt_id}/results").text)
    assert any(secret in results for secret in secrets_of(demo_stack, attempt_id))
    # the answers are out: no new attempt may start, though one is left
    assert "the due date has passed" in later.landing.text and "Start attempt" not in later.landing.text
    refused = later.post("start")
    assert refused.status_code == 409 and "due date has passed" in refused.text


def test_review_after_due_without_a_due_date_waits_for_the_last_attempt(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "review": "after_due", "attempts": "2",
                                "due_at": "$Canvas.assignment.dueAt.iso8601"})
    student = launch(demo_stack, people["learners"][0])
    assert "<dt>Due</dt>" not in student.landing.text  # an unsubstituted variable is no date
    first = take(student, demo_stack, 1)
    assert not any(s in unescape(student.get(f"attempts/{first}/results").text) for s in secrets_of(demo_stack, first))
    second = take(student, demo_stack, 1)
    assert any(s in unescape(student.get(f"attempts/{second}/results").text) for s in secrets_of(demo_stack, second))


def test_the_server_submits_an_expired_attempt_with_what_was_saved(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "time_limit": "20", "points": "6"})
    student = launch(demo_stack, people["learners"][0])
    assert "20 minutes" in student.landing.text
    attempt_id, page = student.start()
    assert 'id="timer"' in page.text and 'aria-live="polite"' in page.text
    keys = correct_responses(demo_stack, attempt_id)
    assert student.autosave(attempt_id, 1, keys[1]).status_code == 200
    # within the grace after the deadline, a last save still counts
    set_deadline(demo_stack, attempt_id, utcnow() - timedelta(seconds=5))
    assert student.autosave(attempt_id, 2, keys[2]).status_code == 200
    # the student never comes back: the worker's pass submits it
    set_deadline(demo_stack, attempt_id, utcnow() - timedelta(minutes=5))
    from lti_tool.worker import expire_overdue_attempts

    assert expire_overdue_attempts(demo_stack.app) == 1
    assert expire_overdue_attempts(demo_stack.app) == 0
    row = attempt_row(demo_stack, attempt_id)
    assert row["state"] == "submitted" and row["submitted_by"] == "expiry"
    assert row["earned"] is not None and row["earned"] > 0 and row["submitted_at"] == row["deadline_at"]
    late = student.autosave(attempt_id, 3, keys[3])
    assert late.status_code == 409 and late.json()["closed"] is True
    again = student.submit(attempt_id)  # a submit after expiry is harmless
    assert again.status_code == 200 and "Time ran out" in again.text
    assert len(completed_scores(demo_stack, tool_user_pk(demo_stack, student))) == 1


def test_an_expired_attempt_is_submitted_at_the_next_request_without_a_worker(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "time_limit": "5", "attempts": "2"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    set_deadline(demo_stack, attempt_id, utcnow() - timedelta(minutes=5))
    page = student.get(f"attempts/{attempt_id}/questions/1")
    assert page.url.endswith("/results") and "Time ran out" in page.text
    assert attempt_row(demo_stack, attempt_id)["submitted_by"] == "expiry"


def test_bad_custom_parameters_tell_the_instructor_and_keep_students_out(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:5,nonsense:3", "attempts": "many", "grading": "best"})
    teacher = launch(demo_stack, people["instructor"])
    text = unescape(teacher.landing.text)
    assert "Students cannot start this quiz yet" in text
    assert "There is no question pool called “nonsense”" in text and "attempts" in text and "grading must be one of" in text
    student = launch(demo_stack, people["learners"][0])
    assert "not ready yet" in student.landing.text and "Start attempt" not in student.landing.text
    refused = student.post("start")
    assert refused.status_code == 409 and "not ready yet" in refused.text


def test_a_link_without_an_assignment_is_not_ready_and_offers_the_builder_with_the_readme_defaults(demo_stack, people) -> None:
    configure_link(demo_stack, {})
    student = launch(demo_stack, people["learners"][0])
    assert "not ready yet" in student.landing.text and "Start attempt" not in student.landing.text
    teacher = launch(demo_stack, people["instructor"])
    text = teacher.landing.text
    assert "Set up this assignment" in text
    for pool in ("components", "barriers", "comparison", "phases"):
        assert f'name="count.{pool}" type="number"' in text
        assert re.search(rf'name="count\.{pool}"[^>]*value="5"', text)
    assert re.search(r'name="attempts"[^>]*value="1"', text) and re.search(r'name="time_limit"[^>]*value="0"', text)
    assert "20 questions per student." in text


def test_instructor_results_list_attempts_and_kept_grades(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "attempts": "2", "points": "10"})
    student = launch(demo_stack, people["learners"][0])
    take(student, demo_stack, "all")
    teacher = launch(demo_stack, people["instructor"])
    page = teacher.get("instructor/results")  # the former address leads to the dashboard
    assert page.status_code == 200 and page.url.endswith("/instructor/")
    assert "Ana Lima" in page.text and "10 / 10" in page.text and "6 / 6" in page.text
