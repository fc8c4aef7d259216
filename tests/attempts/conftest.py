"""Helpers for attempt tests: students launch through the demo LMS over HTTP and take quizzes.

Nothing here calls a view or a service directly to answer or submit: the tests go through the
tool's pages and JSON endpoints as a browser would, then read the database to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Attempt
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.lti import LtiUser
from lti_tool.web.access import csrf_token
from question_bank.bank.build import item_from_data
from question_bank.types import spec_for
from question_bank.model import SingleBody
from question_bank.model import TrueFalseBody
from tests.lti.test_platform_flows import Browser


@dataclass
class Student:
    """One person's browser on the tool after a launch: ``base`` is ``{tool}/s/<token>/``."""

    browser: Browser
    base: str
    landing: requests.Response
    lms_user_id: int

    app: Flask | None = None

    @property
    def csrf(self) -> str:
        """The form token the tool puts in its pages (asked of the tool: some pages have no form)."""
        assert self.app is not None
        with self.app.app_context():
            return csrf_token(self.base.rstrip("/").rsplit("/", 1)[-1])

    def get(self, path: str) -> requests.Response:
        return self.browser.go("GET", self.base + path)

    def post(self, path: str, data: dict[str, Any] | None = None) -> requests.Response:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.browser.go("POST", self.base + path, form)

    def post_multi(self, path: str, pairs: list[tuple[str, str]]) -> requests.Response:
        """A form post with repeated names (checkboxes, ``shown``), following redirects."""
        response = self.browser.http.post(self.base + path, data=[("csrf_token", self.csrf), *pairs],
                                          allow_redirects=False, timeout=15)
        if response.status_code == 303:
            return self.browser.go("GET", requests.compat.urljoin(self.base, response.headers["Location"]))
        return response

    def autosave(self, attempt_id: int, slot: int, response: object, *, csrf: str | None = None,
                 raw: str | None = None, revision: int | None = None) -> requests.Response:
        """``revision``: the answer's revision the page showed (None: sent without one)."""
        headers = {"X-CSRF-Token": self.csrf if csrf is None else csrf, "Content-Type": "application/json"}
        fields = {"slot": slot, "response": response} | ({} if revision is None else {"revision": revision})
        body = raw if raw is not None else requests.models.complexjson.dumps(fields)
        return self.browser.http.post(f"{self.base}attempts/{attempt_id}/answers", data=body,
                                      headers=headers, timeout=15)

    def go_on(self, attempt_id: int, number: int) -> requests.Response:
        """Press "Go on with the case" on the gate of question ``number`` (the next part of a case)."""
        return self.post_multi(f"attempts/{attempt_id}/questions", [("shown", str(number)), ("go", f"on-{number}")])

    def answer_in_order(self, attempt_id: int, responses: dict[int, object]) -> None:
        """Autosave each answer in question order as a student would: a case's next part is
        opened (its gate's button) before it is answered, which closes the part before it."""
        for number in sorted(responses):
            if 'class="question case-gate"' in self.get(f"attempts/{attempt_id}/questions/{number}").text:
                assert self.go_on(attempt_id, number).status_code == 200
            saved = self.autosave(attempt_id, number, responses[number])
            assert saved.status_code == 200, (number, saved.text)

    def start(self) -> tuple[int, requests.Response]:
        page = self.post("start")
        assert page.status_code == 200, page.text[:800]
        found = re.search(r"/attempts/(\d+)/questions", page.url)
        assert found, page.url
        return int(found.group(1)), page

    def submit(self, attempt_id: int) -> requests.Response:
        return self.post(f"attempts/{attempt_id}/submit")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'data-csrf="([^"]+)"', html)
    assert found, html[:500]
    return unescape(found.group(1))


def demo_people(stack) -> dict[str, Any]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        course = session.scalars(select(DemoCourse)).first()
        enrollments = session.scalars(select(DemoEnrollment).where(DemoEnrollment.course_id == course.id)).all()
        link = session.scalars(select(DemoResourceLink).where(DemoResourceLink.course_id == course.id)).first()
        return {
            "course": course.id,
            "link": link.id,
            "learners": [e.user_id for e in enrollments if e.role == "learner"],
            "instructor": next(e.user_id for e in enrollments if e.role == "instructor"),
        }


def configure_link(stack, custom: dict[str, str], link_id: int | None = None) -> None:  # noqa: ANN001
    """What an instructor types as the link's custom parameters in the LMS."""
    with session_scope(stack.app) as session:
        link = session.get(DemoResourceLink, link_id) if link_id else session.scalars(select(DemoResourceLink)).first()
        link.custom = dict(custom)


def launch(stack, lms_user_id: int, link_id: int | None = None) -> Student:  # noqa: ANN001
    people = demo_people(stack)
    browser = Browser()
    page = browser.go("POST", f"{stack.lms_url}/course/{people['course']}/whoami",
                      {"user_id": str(lms_user_id), "storage": "0"})
    assert page.status_code == 200
    landing = browser.go(
        "GET", f"{stack.lms_url}/course/{people['course']}/links/{link_id or people['link']}/launch?storage=0"
    )
    assert landing.status_code == 200, landing.text[:800]
    found = re.match(r"(.*/s/[^/]+/)", landing.url)
    assert found, landing.url
    student = Student(browser, found.group(1), landing, lms_user_id, stack.app)
    if 'name="csrf_token"' in landing.text:
        assert csrf_of(landing.text) == student.csrf
    return student


def correct_responses(stack, attempt_id: int) -> dict[int, object]:  # noqa: ANN001
    """The keyed response of every slot, read from the attempt's own item snapshot."""
    with session_scope(stack.app) as session:
        attempt = session.get(Attempt, attempt_id)
        answers = {}
        for number, slot in enumerate(attempt.form["slots"], start=1):
            entry = attempt.items[f"{slot['item_id']}@{slot['version']}"]
            answers[number] = keyed_response(item_from_data(entry["pool"], entry["data"]))
        return answers


def keyed_response(item) -> object:  # noqa: ANN001
    """The key, shaped as a response (the item type's own ``key``)."""
    return spec_for(item).key(item.body)


def wrong_response(stack, attempt_id: int, number: int) -> object:  # noqa: ANN001
    """A valid response that earns nothing (for single and true/false items), else None."""
    with session_scope(stack.app) as session:
        attempt = session.get(Attempt, attempt_id)
        slot = attempt.form["slots"][number - 1]
        item = item_from_data(slot["pool"], attempt.items[f"{slot['item_id']}@{slot['version']}"]["data"])
    if isinstance(item.body, SingleBody):
        return next(o.id for o in item.body.options if o.id != item.body.key)
    if isinstance(item.body, TrueFalseBody):
        return not item.body.answer
    return None


def tool_user_pk(stack, student: Student) -> int:  # noqa: ANN001
    from lti_tool.models.demo_lms import DemoUser

    with session_scope(stack.app) as session:
        sub = session.get(DemoUser, student.lms_user_id).sub
        return session.scalars(select(LtiUser.id).where(LtiUser.sub == sub)).one()


def attempt_row(stack, attempt_id: int) -> dict[str, Any]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        attempt = session.get(Attempt, attempt_id)
        return {c: getattr(attempt, c) for c in ("state", "score", "earned", "possible", "submitted_by",
                                                  "submitted_at", "deadline_at", "number", "form", "items",
                                                  "case_progress")}


def set_deadline(stack, attempt_id: int, when: datetime) -> None:  # noqa: ANN001
    """Move an attempt's deadline (instead of waiting for it): the server's clock decides the rest."""
    with session_scope(stack.app) as session:
        session.get(Attempt, attempt_id).deadline_at = when


@pytest.fixture
def people(demo_stack) -> dict[str, Any]:  # noqa: ANN001
    return demo_people(demo_stack)


def deliver_all(stack, passes: int = 20) -> None:  # noqa: ANN001
    """Run the grade worker's delivery pass until the outbox has nothing pending (bounded)."""
    import time

    from lti_tool.models.grade_sync import ScoreSubmission
    from lti_tool.worker import deliver_once

    for _ in range(passes):
        deliver_once(stack.app)
        with session_scope(stack.app) as session:
            waiting = session.scalars(
                select(ScoreSubmission.id).where(ScoreSubmission.status.in_(("pending", "sending")))
            ).first()
        if waiting is None:
            return
        time.sleep(0.5)  # a retry or the one-second timestamp spacing is due shortly
    raise AssertionError("the outbox did not drain")


def gradebook_score(stack, lms_user_id: int) -> float | None:  # noqa: ANN001
    """The student's score in the demo LMS gradebook (the quiz's line item), over HTTP."""
    from lti_tool.models.demo_lms import DemoUser

    with session_scope(stack.app) as session:
        sub = session.get(DemoUser, lms_user_id).sub
    people = demo_people(stack)
    book = requests.get(f"{stack.lms_url}/course/{people['course']}/gradebook.json", timeout=10).json()
    row = next(s for s in book["students"] if s["sub"] == sub)
    cells = [cell for cell in row["grades"].values() if cell]
    return cells[0]["score"] if cells else None
