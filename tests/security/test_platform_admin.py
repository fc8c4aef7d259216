"""Changing a platform is an explicit, logged admin action; whether new deployment ids are
accepted is each platform's own setting, shown by `platform show`."""

from __future__ import annotations

import json
import logging

from click.testing import CliRunner
from flask.cli import ScriptInfo

from lti_tool.cli import cli
from tests.lti.test_launch_security import launch
from tests.lti.test_launch_security import refusal_code


def quiztool(stack, *args: str):  # noqa: ANN001, ANN201
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: stack.app))


def test_new_deployments_follow_the_platforms_own_setting(demo_stack, caplog) -> None:  # noqa: ANN001
    shown = json.loads(quiztool(demo_stack, "platform", "show", "1").output)
    assert shown["auto_register_deployments"] is True  # the demo registers itself as Canvas would
    assert launch(demo_stack, claim_deployment_id="course-7")[2].status_code == 303
    with caplog.at_level(logging.INFO, logger="lti_tool"):
        changed = quiztool(demo_stack, "platform", "update", "1", "--no-auto-deployments")
    assert changed.exit_code == 0 and "auto_register_deployments: True -> False" in changed.output
    assert any("changed by quiztool platform update" in r.getMessage() for r in caplog.records)
    refused = launch(demo_stack, claim_deployment_id="course-8")[2]
    assert (refused.status_code, refusal_code(refused)) == (403, "deployment_pending")
    assert json.loads(quiztool(demo_stack, "platform", "show", "1").output)["deployments"][-1] == {
        "deployment_id": "course-8", "approved": False}
    assert quiztool(demo_stack, "platform", "approve-deployment", "1", "course-8").exit_code == 0
    assert launch(demo_stack, claim_deployment_id="course-8")[2].status_code == 303


def test_platform_update_changes_endpoints_with_a_log_line_and_refuses_nonsense(demo_stack, caplog) -> None:  # noqa: ANN001
    with caplog.at_level(logging.INFO, logger="lti_tool"):
        moved = quiztool(demo_stack, "platform", "update", "1", "--key-set-url", "https://lms.example.edu/jwks",
                         "--add-host", "canvas.school.edu")
    assert moved.exit_code == 0, moved.output
    assert "key_set_url:" in moved.output and "hosts:" in moved.output
    logged = [r.getMessage() for r in caplog.records if "changed by" in r.getMessage()]
    assert any("https://lms.example.edu/jwks" in line for line in logged)
    shown = json.loads(quiztool(demo_stack, "platform", "show", "1").output)
    assert shown["key_set_url"] == "https://lms.example.edu/jwks" and "canvas.school.edu" in shown["hosts"]
    bad = quiztool(demo_stack, "platform", "update", "1", "--add-host", "https://not-a-host/")
    assert bad.exit_code != 0 and "not a URL" in bad.output and "Traceback" not in bad.output
    missing = quiztool(demo_stack, "platform", "update", "99", "--name", "x")
    assert missing.exit_code != 0 and "No platform with id 99" in missing.output
