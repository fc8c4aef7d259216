"""Every save of an attempt is kept as a step (issue 12): what the student answered when.

Students answer over HTTP (autosave JSON and the plain form), submit, and the instructor reads the
steps on the student's page; the database is read to check the rows. Both backends.
"""

from __future__ import annotations

from html import unescape

from sqlalchemy import func
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import AnswerStep
from lti_tool.models.assessment import Attempt
from lti_tool.services import attempts as attempts_service
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk
from tests.attempts.conftest import wrong_response
from tests.attempts.test_attempt_flow import form_pairs
from tests.instructor.conftest import instructor

SINGLES = {"pools": "components:3(single)", "attempts": "1", "points": "3"}


def _steps(stack, attempt_id: int) -> list[attempts_service.Step]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        return attempts_service.steps_of(session, attempt_id)


def test_every_save_is_a_step_and_the_answer_keeps_the_last(demo_stack, people) -> None:
    configure_link(demo_stack, SINGLES)
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    wrong = wrong_response(demo_stack, attempt_id, 1)
    assert student.autosave(attempt_id, 1, wrong).status_code == 200
    assert student.autosave(attempt_id, 1, keys[1]).status_code == 200
    assert student.autosave(attempt_id, 1, None).status_code == 200  # cleared
    page = student.post_multi(f"attempts/{attempt_id}/questions", [*form_pairs(2, keys[2]), ("go", "3")])
    assert page.status_code == 200
    refused = student.autosave(attempt_id, 3, "no-such-option")
    assert refused.status_code == 400  # refused: no step for it
    assert student.autosave(attempt_id, 1, keys[1]).status_code == 200
    student.submit(attempt_id)
    assert student.autosave(attempt_id, 3, keys[3]).status_code == 409  # closed: no step either

    steps = _steps(demo_stack, attempt_id)
    assert [(s.slot, s.response, s.via) for s in steps] == [
        (1, wrong, "autosave"), (1, keys[1], "autosave"), (1, None, "autosave"), (2, keys[2], "form"),
        (1, keys[1], "autosave"), (None, None, "submit")]
    assert all(a.saved_at <= b.saved_at for a, b in zip(steps, steps[1:]))
    with session_scope(demo_stack.app) as session:
        saved = {a.slot: a.response for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))}
        form = session.get(Attempt, attempt_id).form
    assert saved == {1: keys[1], 2: keys[2]}  # the last response of each slot, as before
    for step in steps[:-1]:
        slot = form["slots"][step.slot - 1]
        assert (step.item_id, step.version) == (slot["item_id"], slot["version"])

    teacher = instructor(demo_stack)
    detail = unescape(teacher.get(f"instructor/students/{tool_user_pk(demo_stack, student)}").text)
    assert "Every save of attempt 1 (6)" in detail
    assert f"<td data-label=\"Answer\">{wrong}</td>" in detail and "(no answer)" in detail
    assert "page saved" in detail and "<td data-label=\"Answer\">Submitted</td>" in detail


def test_a_refused_form_page_keeps_no_step_of_its_valid_answers(demo_stack, people) -> None:
    """One transaction: the page's answers and their steps are kept together or not at all."""
    configure_link(demo_stack, SINGLES)
    student = launch(demo_stack, people["learners"][1])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    page = student.post_multi(f"attempts/{attempt_id}/questions",
                              [*form_pairs(1, keys[1]), ("shown", "2"), ("q2", "zz"), ("go", "3")])
    assert page.status_code == 400
    with session_scope(demo_stack.app) as session:
        assert session.scalar(select(func.count()).select_from(AnswerStep)) == 0
        assert session.scalar(select(func.count()).select_from(Answer)) == 0


def test_expiry_ends_the_steps(demo_stack, people) -> None:
    from datetime import timedelta

    from lti_tool.models.base import utcnow
    from tests.attempts.conftest import set_deadline

    configure_link(demo_stack, {**SINGLES, "time_limit": "10"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    assert student.autosave(attempt_id, 1, keys[1]).status_code == 200
    set_deadline(demo_stack, attempt_id, utcnow() - timedelta(minutes=5))
    assert student.autosave(attempt_id, 2, keys[2]).status_code == 409
    steps = _steps(demo_stack, attempt_id)
    assert [(s.slot, s.via) for s in steps] == [(1, "autosave"), (None, "expiry")]
