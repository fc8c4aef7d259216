"""Security headers on every kind of response, a CSP the pages really live with, and only the
registered platforms (or any LMS, for the registration pages) may frame the tool."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.attempts.conftest import configure_link
from tests.attempts.conftest import demo_people
from tests.attempts.conftest import launch
from tests.lti.test_browser_launch import CHROMIUM
from tests.lti.test_browser_launch import playwright_instance  # noqa: F401 - the fixture

TEMPLATES = Path(__file__).resolve().parents[2] / "lti_tool" / "templates"


def assert_protected(response, what: str, *, framed_by: str | None = None) -> str:  # noqa: ANN001
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "no-referrer", what
    policy = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy, what
    assert "frame-ancestors" in policy, what
    if framed_by:
        assert framed_by in policy.split("frame-ancestors", 1)[1].split(";")[0], (what, policy)
    return policy


def test_every_kind_of_response_carries_the_headers(demo_stack) -> None:  # noqa: ANN001
    configure_link(demo_stack, {"pools": "components:2"})
    people = demo_people(demo_stack)
    student = launch(demo_stack, people["learners"][0])
    lms_origin = demo_stack.lms_url.rsplit("/demo-lms", 1)[0]
    http = student.browser.http
    attempt_id, page = student.start()
    responses = {
        "page": student.landing,
        "question page": page,
        "redirect (login)": demo_stack.driver().login().response,
        "JSON (autosave)": student.autosave(attempt_id, 1, None),
        "JSON error (autosave refused)": student.autosave(attempt_id, 99, None),
        "JSON (key set)": http.get(demo_stack.tool_url + "/lti/jwks", timeout=10),
        "static file": http.get(demo_stack.tool_url + "/static/tool.css", timeout=10),
        "error page (404)": http.get(demo_stack.tool_url + "/no-such-page", timeout=10),
        "error page (expired session)": http.get(demo_stack.tool_url + "/s/not-a-token/", timeout=10),
        "refusal page (launch)": http.post(demo_stack.tool_url + "/lti/launch", data={"state": "x"}, timeout=10),
    }
    assert responses["redirect (login)"].status_code == 302
    assert responses["JSON error (autosave refused)"].status_code == 400
    for what, response in responses.items():
        assert_protected(response, what, framed_by=lms_origin)


def test_hsts_only_over_https(demo_stack) -> None:  # noqa: ANN001
    client = demo_stack.app.test_client()
    assert "Strict-Transport-Security" not in client.get("/lti/jwks").headers
    secure = client.get("/lti/jwks", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_registration_pages_may_be_framed_by_an_lms_not_registered_yet(demo_stack) -> None:  # noqa: ANN001
    client = demo_stack.app.test_client()
    policy = assert_protected(client.get("/lti/register/no-such-link"), "registration refusal")
    assert "frame-ancestors 'self' https:" in policy


def test_templates_have_no_inline_script_handler_or_style() -> None:
    """What the CSP forbids must not be written in the first place."""
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"\sstyle\s*=", r"<style"):
            offending += [f"{template.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offending == []


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: scripts/test installs it")
def test_the_quiz_runs_in_the_lms_frame_without_csp_violations_and_foreign_sites_cannot_frame_it(
        demo_stack, live_server, playwright_instance) -> None:  # noqa: ANN001
    from flask import Flask

    from tests.lti.test_browser_launch import open_browser
    from tests.lti.test_browser_launch import open_quiz_as_student

    configure_link(demo_stack, {"pools": "components:2"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        frame = open_quiz_as_student(page, demo_stack, storage=False)
        frame.get_by_text("Signed in as Ana Lima").wait_for(timeout=15000)
        frame.get_by_role("button", name=re.compile("Start attempt")).click()
        frame.locator(".quiz").wait_for(timeout=30000)
        frame.locator("input[type=radio], input[type=checkbox], select").first.wait_for(timeout=5000)
        assert violations == []
        # Another site framing the tool: the browser refuses to show it.
        evil = Flask("evil")
        evil.add_url_rule("/", "framer", lambda: f'<!doctype html><title>x</title><iframe id="f" src="{demo_stack.tool_url}/lti/jwks"></iframe>')
        evil_url = live_server(evil, host="localhost")
        blocked: list[str] = []
        other = browser.new_page()
        other.on("console", lambda m: blocked.append(m.text))
        other.goto(evil_url + "/")
        other.wait_for_timeout(500)
        assert any("frame-ancestors" in text for text in blocked), blocked
    finally:
        browser.close()
