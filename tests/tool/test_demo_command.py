"""The README's first command ends in ``quiztool demo``: it must serve a working demo."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests

from tests.lti.test_platform_flows import Browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_quiztool_demo_serves_the_lms_and_a_student_launch(tmp_path) -> None:
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "QUIZTOOL_INSTANCE_PATH": str(tmp_path), "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from lti_tool.cli import main; sys.argv[0] = 'quiztool'; main()",
         "demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lms = f"http://127.0.0.1:{port}/demo-lms"
        for _ in range(100):
            try:
                if requests.get(lms + "/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("the demo did not start")
        browser = Browser()
        browser.go("POST", f"{lms}/course/1/whoami", {"user_id": "3", "storage": "0"})
        landing = browser.go("GET", f"{lms}/course/1/links/1/launch?storage=0")
        assert landing.status_code == 200 and "Signed in as" in landing.text
        assert landing.url.startswith(f"http://localhost:{port}/s/")
        assert (tmp_path / "quiztool.db").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Open the demo LMS" in output
