"""A whole attempt over HTTP against the demo LMS: launch, start, answer, confirm, submit, grade.

Also: the no-JavaScript form path for every kind of item, resuming after a relaunch, and
submits that must change nothing (double submits, replays).
"""

from __future__ import annotations

import re

import requests
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from lti_tool.models.grade_sync import ScoreSubmission
from tests.attempts.conftest import attempt_row
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import deliver_all
from tests.attempts.conftest import gradebook_score
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk

SMALL = {"pools": "components:2,barriers:2,comparison:2", "attempts": "2", "points": "10"}


def form_pairs(number: int, response: object) -> list[tuple[str, str]]:
    """What the plain HTML form posts for ``response`` to question ``number``."""
    name = f"q{number}"
    pairs = [("shown", str(number))]
    if isinstance(response, bool):
        return [*pairs, (name, "true" if response else "false")]
    if isinstance(response, str):
        return [*pairs, (name, response)]
    if isinstance(response, dict):
        return [*pairs, *((f"{name}.{row}", target) for row, target in response.items())]
    if isinstance(response, list):
        return pairs + [(name, r) for r in response]  # multiple: ticked boxes
    raise TypeError(response)


def ordering_pairs(number: int, order: list[str]) -> list[tuple[str, str]]:
    return [("shown", str(number)), *((f"q{number}.pos.{oid}", str(i)) for i, oid in enumerate(order, 1))]


def outbox(stack, user_pk: int) -> list[ScoreSubmission]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        rows = session.scalars(select(ScoreSubmission).where(ScoreSubmission.user_pk == user_pk)
                               .order_by(ScoreSubmission.id)).all()
        session.expunge_all()
        return list(rows)


def test_whole_attempt_from_launch_to_the_gradebook(demo_stack, people) -> None:
    configure_link(demo_stack, SMALL)
    student = launch(demo_stack, people["learners"][0])
    page = student.landing.text
    assert "Your quiz" in page and "Start attempt 1" in page
    assert re.search(r"<dt>Questions</dt><dd>6</dd>", page)
    assert "0 used of 2 allowed" in page
    attempt_id, first = student.start()
    assert "Question 1 of 6" in first.text
    keys = correct_responses(demo_stack, attempt_id)
    for number, response in keys.items():
        saved = student.autosave(attempt_id, number, response)
        assert saved.status_code == 200, saved.text
        assert saved.json()["saved"] is True
    confirm = student.get(f"attempts/{attempt_id}/confirm")
    assert "6 of 6 questions answered" in confirm.text and "not answered" not in confirm.text
    results = student.submit(attempt_id)
    assert results.status_code == 200 and "You scored" in results.text
    row = attempt_row(demo_stack, attempt_id)
    assert row["state"] == "submitted" and row["score"] == 1.0 and row["submitted_by"] == "student"
    user_pk = tool_user_pk(demo_stack, student)
    scores = outbox(demo_stack, user_pk)
    assert [(s.activity_progress, s.grading_progress) for s in scores] == [
        ("Started", "NotReady"), ("Completed", "FullyGraded")]
    assert scores[-1].score_given == 10 and scores[-1].score_maximum == 10
    deliver_all(demo_stack)
    assert gradebook_score(demo_stack, people["learners"][0]) == 100.0  # rescaled to the line item's 100


def test_every_kind_answered_through_the_plain_form(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:3,barriers:3,comparison:3,phases:3", "attempts": "1"})
    student = launch(demo_stack, people["learners"][1])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    for number, response in keys.items():
        kind_page = student.get(f"attempts/{attempt_id}/questions/{number}")
        is_ordering = f'name="q{number}.pos.' in kind_page.text
        pairs = ordering_pairs(number, response) if is_ordering else form_pairs(number, response)
        nxt = student.post_multi(f"attempts/{attempt_id}/questions",
                                 [*pairs, ("go", str(number + 1) if number < len(keys) else "confirm")])
        assert nxt.status_code == 200, nxt.text[:600]
    with session_scope(demo_stack.app) as session:
        saved = {a.slot: a.response for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))}
    assert {n: (sorted(r) if isinstance(r, list) and not _is_ordering(keys, n, saved) else r)
            for n, r in saved.items()} == keys
    student.submit(attempt_id)
    assert attempt_row(demo_stack, attempt_id)["score"] == 1.0


def _is_ordering(keys: dict, number: int, saved: dict) -> bool:
    return isinstance(keys[number], list) and saved[number] == keys[number]


def test_relaunch_resumes_the_same_attempt_with_its_answers(demo_stack, people) -> None:
    configure_link(demo_stack, SMALL)
    learner = people["learners"][0]
    first = launch(demo_stack, learner)
    attempt_id, _ = first.start()
    keys = correct_responses(demo_stack, attempt_id)
    assert first.autosave(attempt_id, 1, keys[1]).status_code == 200
    before = attempt_row(demo_stack, attempt_id)
    again = launch(demo_stack, learner)  # a new tab, a new launch, a new tool session
    assert "Resume attempt 1" in again.landing.text
    resumed_id, page = again.start()
    assert resumed_id == attempt_id
    after = attempt_row(demo_stack, attempt_id)
    assert after["form"] == before["form"] and after["items"] == before["items"]
    assert "Question 2 of 6" in page.text  # the first unanswered question
    one = again.get(f"attempts/{attempt_id}/questions/1")
    assert _shows_saved(one.text, 1, keys[1])


def _shows_saved(html: str, number: int, response: object) -> bool:
    if isinstance(response, bool):
        value = "true" if response else "false"
        return bool(re.search(rf'name="q{number}" value="{value}" checked', html))
    if isinstance(response, str):
        return bool(re.search(rf'name="q{number}" value="{response}" checked', html))
    if isinstance(response, list):
        return all(re.search(rf'name="q{number}" value="{r}" checked', html) for r in response)
    # matching/classification: a radio button per row and target (q1.<row> = <target>), checked
    return all(re.search(rf'name="q{number}\.{row}" value="{target}" checked', html)
               for row, target in response.items())


def test_double_submits_and_replays_change_nothing(demo_stack, people) -> None:
    configure_link(demo_stack, SMALL)
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    student.autosave(attempt_id, 1, keys[1])
    first = student.submit(attempt_id)
    row = attempt_row(demo_stack, attempt_id)
    again = student.submit(attempt_id)
    assert first.status_code == again.status_code == 200
    assert attempt_row(demo_stack, attempt_id)["submitted_at"] == row["submitted_at"]
    late = student.autosave(attempt_id, 2, keys[2])
    assert late.status_code == 409 and "submitted" in late.json()["error"]
    user_pk = tool_user_pk(demo_stack, student)
    completed = [s for s in outbox(demo_stack, user_pk) if s.activity_progress == "Completed"]
    assert len(completed) == 1
    # the landing page now offers attempt 2, not a resume of attempt 1
    assert "Start attempt 2" in launch(demo_stack, people["learners"][0]).landing.text


def test_question_numbers_the_browser_sends_are_read_as_plain_digits_only(demo_stack, people) -> None:
    """"²" passes str.isdigit() and int() refuses it: the page, not a 500, for the "go" button's
    value and for the ?changed= notice quiz.js asks for."""
    configure_link(demo_stack, {"pools": "components:2", "attempts": "1"})
    student = launch(demo_stack, people["learners"][2])
    attempt_id, _ = student.start()
    for changed in ("²", "9" * 5000, "1"):
        page = student.get(f"attempts/{attempt_id}/questions/1?changed={changed}")
        assert page.status_code == 200, page.text[:300]
        assert ('id="changed-elsewhere"' in page.text) is (changed == "1")
    moved = student.post_multi(f"attempts/{attempt_id}/questions", [("shown", "1"), ("go", "²")])
    assert moved.status_code == 200, moved.text[:300]
