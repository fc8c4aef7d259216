"""``quiztool grades resync``: the kept grade of every student is sent again, with the original
submission time, so a resend after a regrade or an LMS restore is not marked late."""

from __future__ import annotations

from datetime import datetime

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from lti_tool.cli import cli
from lti_tool.db import session_scope
from lti_tool.models.lti import ResourceLink
from lti_tool.models.platform import Platform
from tests.attempts.conftest import attempt_row
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch
from tests.grades.conftest import deliver_until_settled
from tests.grades.conftest import demo_course
from tests.grades.conftest import gradebook
from tests.grades.conftest import set_flavour

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


def test_resync_resends_the_kept_grade_with_the_original_submission_time(demo_stack) -> None:
    set_flavour(demo_stack, "canvas")
    configure_link(demo_stack, {"pools": "components:2,barriers:2", "attempts": "1", "points": "20"})
    _, _, learners, _ = demo_course(demo_stack)
    student = launch(demo_stack, learners[0])
    with session_scope(demo_stack.app) as session:
        for platform in session.scalars(select(Platform)):
            platform.product = "canvas"
    attempt_id, _ = student.start()
    for number, response in correct_responses(demo_stack, attempt_id).items():
        assert student.autosave(attempt_id, number, response).status_code == 200
    assert student.submit(attempt_id).status_code == 200
    submitted_at = attempt_row(demo_stack, attempt_id)["submitted_at"]
    deliver_until_settled(demo_stack)
    with session_scope(demo_stack.app) as session:
        link_pk = session.scalars(select(ResourceLink.id)).one()

    result = CliRunner().invoke(cli, ["grades", "resync", "--resource-link", str(link_pk)],
                                obj=ScriptInfo(create_app=lambda: demo_stack.app))
    assert result.exit_code == 0, result.output
    assert "1 grade(s) queued" in result.output
    deliver_until_settled(demo_stack)

    graded = [h for h in gradebook(demo_stack)["history"] if h["payload"]["gradingProgress"] == "FullyGraded"]
    original, resent = graded
    assert original["payload"][CANVAS_SUBMISSION]["new_submission"] is True
    assert resent["payload"][CANVAS_SUBMISSION]["new_submission"] is False
    assert resent["payload"]["scoreGiven"] == original["payload"]["scoreGiven"] == 20
    for post in (original, resent):
        assert post["status"] == 200
        sent = datetime.fromisoformat(post["payload"][CANVAS_SUBMISSION]["submitted_at"])
        expected = submitted_at if isinstance(submitted_at, datetime) else datetime.fromisoformat(submitted_at)
        assert abs((sent - expected).total_seconds()) < 0.001


def test_resync_of_an_unknown_link_says_so(demo_stack) -> None:
    result = CliRunner().invoke(cli, ["grades", "resync", "--resource-link", "999"],
                                obj=ScriptInfo(create_app=lambda: demo_stack.app))
    assert result.exit_code != 0 and "no resource link 999" in result.output
