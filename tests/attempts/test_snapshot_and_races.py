"""Attempts keep their own copy of what they drew, and a double-clicked Start makes one attempt."""

from __future__ import annotations

import dataclasses
import threading
from html import unescape

import requests
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Attempt
from lti_tool.models.grade_sync import ScoreSubmission
from lti_tool.services import assessments
from question_bank.model import Bank
from question_bank.model import Pool
from question_bank.model import SingleBody
from tests.attempts.conftest import attempt_row
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch
from tests.attempts.test_policies import take


def _edited(bank: Bank, item_id: str) -> Bank:
    """The bank with one single-answer item's stem and key changed (an edit after the draw)."""
    pools = {}
    for name, pool in bank.pools.items():
        items = []
        for item in pool.items:
            if item.id == item_id:
                body = item.body
                assert isinstance(body, SingleBody)
                other = next(o.id for o in body.options if o.id != body.key)
                item = dataclasses.replace(item, stem="EDITED STEM", body=dataclasses.replace(body, key=other))
            items.append(item)
        pools[name] = Pool(pool.name, pool.title, tuple(items), pool.path)
    return Bank(pools)


def test_a_bank_edit_after_the_draw_changes_neither_the_page_nor_the_score(demo_stack, people, monkeypatch) -> None:
    configure_link(demo_stack, {"pools": "components:3(single)", "attempts": "1"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id, first = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    item_id = attempt_row(demo_stack, attempt_id)["form"]["slots"][0]["item_id"]
    original_stem = assessments.shipped_bank().item(item_id).stem
    monkeypatch.setattr(assessments, "_bank", _edited(assessments.shipped_bank(), item_id))
    page = unescape(student.get(f"attempts/{attempt_id}/questions/1").text)
    assert original_stem in page and "EDITED STEM" not in page
    for number, response in keys.items():
        assert student.autosave(attempt_id, number, response).status_code == 200
    student.submit(attempt_id)
    assert attempt_row(demo_stack, attempt_id)["score"] == 1.0  # scored against the drawn version


def test_start_pressed_many_times_at_once_makes_one_attempt(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:2", "attempts": "3"})
    student = launch(demo_stack, people["learners"][0])
    landed: list[str] = []

    def press() -> None:
        answer = requests.post(student.base + "start", data={"csrf_token": student.csrf},
                               allow_redirects=False, timeout=30)
        landed.append(answer.headers.get("Location", str(answer.status_code)))

    threads = [threading.Thread(target=press) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with session_scope(demo_stack.app) as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 1
        started = session.scalar(select(func.count()).select_from(ScoreSubmission)
                                 .where(ScoreSubmission.activity_progress == "Started"))
    assert len({location.split("/questions")[0] for location in landed}) == 1, landed
    assert started == 1


def test_instructor_sees_grades_the_lms_refused(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:2", "attempts": "1", "points": "4"})
    student = launch(demo_stack, people["learners"][0])
    take(student, demo_stack, "all")
    with session_scope(demo_stack.app) as session:
        row = session.scalars(select(ScoreSubmission).where(ScoreSubmission.activity_progress == "Completed")).one()
        row.status, row.last_status_code = "failed", 422
        row.last_error, row.platform_answer = "the platform refused the score", '{"errors": "not a student"}'
    teacher = launch(demo_stack, people["instructor"])
    page = unescape(teacher.get("instructor/results").text)
    assert "Grades the LMS refused" in page
    assert "Ana Lima" in page and "422" in page and "not a student" in page


def test_an_answer_saved_while_the_attempt_is_submitted_is_either_scored_or_refused(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:3(single)", "attempts": "1"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    for number in (1, 2):
        assert student.autosave(attempt_id, number, keys[number]).status_code == 200
    outcome: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def save() -> None:
        barrier.wait()
        outcome["save"] = student.autosave(attempt_id, 3, keys[3]).status_code

    def submit() -> None:
        barrier.wait()
        outcome["submit"] = requests.post(f"{student.base}attempts/{attempt_id}/submit",
                                          data={"csrf_token": student.csrf}, allow_redirects=False,
                                          timeout=30).status_code

    threads = [threading.Thread(target=save), threading.Thread(target=submit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    row = attempt_row(demo_stack, attempt_id)
    assert outcome["submit"] == 303 and row["state"] == "submitted"
    if outcome["save"] == 200:
        assert row["score"] == 1.0  # saved before the submit scored it
    else:
        assert outcome["save"] == 409 and row["score"] < 1.0
