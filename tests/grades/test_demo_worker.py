"""``quiztool demo`` delivers grades by itself: the worker loop runs in a thread of the server."""

from __future__ import annotations

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
from tests.support.demo_process import running_demo


def test_the_demo_server_delivers_recorded_scores(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'quiztool.db'}")
    with running_demo(tmp_path) as demo:
        lms = demo.lms_url
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
    engine.dispose()
    output, _ = demo.process.communicate(timeout=10)
    assert "worker thread" in output
