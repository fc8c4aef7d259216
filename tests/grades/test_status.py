"""``quiztool grades status`` as an administrator reads it while an LMS misbehaves: per platform,
what waits and since when, what fails with the platform's last answer, what landed lately."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask.cli import ScriptInfo

from lti_tool.cli import cli
from lti_tool.worker import deliver_once
from tests.grades.conftest import deliver_until_settled
from tests.grades.conftest import demo_course
from tests.grades.conftest import launch
from tests.grades.conftest import launch_learners
from tests.grades.conftest import record
from tests.grades.conftest import set_fault


def _status(stack, *args: str) -> str:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["grades", "status", *args], obj=ScriptInfo(create_app=lambda: stack.app))
    assert result.exit_code == 0, result.output
    return result.output


def test_status_per_platform_while_the_lms_fails(demo_stack) -> None:
    ana, ben = launch_learners(demo_stack, 2)
    teacher = launch(demo_stack, demo_course(demo_stack)[3])
    record(demo_stack, ana, 8)
    record(demo_stack, teacher, 5)  # refused for good: not a student
    deliver_until_settled(demo_stack)
    demo_stack.app.config["GRADE_RETRY_BASE_SECONDS"] = 600  # the retry waits: it stays pending
    set_fault(demo_stack, "503", endpoints=["ags"])
    record(demo_stack, ben, 6)
    deliver_once(demo_stack.app)

    document = json.loads(_status(demo_stack, "--json"))
    (platform,) = document["platforms"]
    assert platform["id"] == 1 and platform["issuer"] == demo_stack.lms_url
    assert (platform["pending"], platform["retrying"], platform["failed"], platform["delivered_last_hour"]) == (1, 1, 1, 1)
    assert platform["oldest_pending_age_seconds"] >= 0
    assert platform["last_failure"]["status_code"] == 503 and platform["last_failure"]["error"] == "HTTP 503"
    assert document["totals"]["failed"] == 1 and "not a student" in document["failed"][0]["platform_answer"]

    text = _status(demo_stack)
    assert f"platform 1 " in text and f"({demo_stack.lms_url}, client_id=" in text
    assert "  pending 1, oldest 0 s ago; failing 1 (retrying) + 1 (failed); delivered in the last hour 1" in text
    assert "last failure 0 s ago: HTTP 503" in text
