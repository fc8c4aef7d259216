"""``quiztool demo`` delivers grades by itself: the worker loop runs in a thread of the server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import grade_sync
from lti_tool.models.base import utcnow
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from tests.lti.test_platform_flows import Browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_server_delivers_recorded_scores(tmp_path) -> None:
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "QUIZTOOL_INSTANCE_PATH": str(tmp_path), "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from lti_tool.cli import main; sys.argv[0] = 'quiztool'; main()",
         "demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'quiztool.db'}")
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
        assert landing.status_code == 200
        browser.http.close()
        with Session(engine) as session:  # what a submit records
            user = session.scalars(select(LtiUser)).one()
            link = session.scalars(select(ResourceLink)).one()
            grade_sync.record_score(session, resource_link_pk=link.id, user_pk=user.id, score_given=9,
                                    score_maximum=10, submitted_at=utcnow())
            session.commit()
            sub = user.sub
        for _ in range(300):
            book = requests.get(f"{lms}/course/1/gradebook.json", timeout=5).json()
            cells = [c for s in book["students"] if s["sub"] == sub for c in s["grades"].values() if c]
            if cells and cells[0]["score"] is not None:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the demo's worker thread did not deliver the score")
        assert cells[0]["score"] == 9 / 10 * book["line_items"][0]["score_maximum"]
    finally:
        engine.dispose()
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "worker thread" in output
