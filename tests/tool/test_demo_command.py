"""The README's first command ends in ``quiztool demo``: it must serve a working demo."""

from __future__ import annotations

from tests.lti.test_platform_flows import Browser
from tests.support.demo_process import running_demo


def test_quiztool_demo_serves_the_lms_and_a_student_launch(tmp_path) -> None:
    with running_demo(tmp_path) as demo:
        browser = Browser()
        browser.go("POST", f"{demo.lms_url}/course/1/whoami", {"user_id": "3", "storage": "0"})
        landing = browser.go("GET", f"{demo.lms_url}/course/1/links/1/launch?storage=0")
        assert landing.status_code == 200 and "Signed in as" in landing.text
        assert landing.url.startswith(demo.tool_url + "/s/")
        assert (tmp_path / "quiztool.db").exists()
    output, _ = demo.process.communicate(timeout=10)
    assert "Open the demo LMS" in output
