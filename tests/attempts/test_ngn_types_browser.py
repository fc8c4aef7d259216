"""The NGN item types in headless Chromium inside the demo LMS's iframe: every one answered with
the keyboard only (Tab, Space, arrow keys, Enter), axe-core on each question page and on the
results (no serious or critical violation), and each question at 375 px and 320 px without the
page scrolling sideways (a matrix scrolls inside its own box)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import Attempt
from tests.attempts.conftest import configure_link
from tests.attempts.test_keyboard_browser import answer_page_by_keyboard
from tests.attempts.test_keyboard_browser import playwright_instance  # noqa: F401 (fixture)
from tests.attempts.test_keyboard_browser import press_until
from tests.attempts.test_keyboard_browser import tool_frame
from tests.lti.test_browser_launch import CHROMIUM
from tests.lti.test_browser_launch import open_browser
from tests.lti.test_browser_launch import open_quiz_as_student
from tests.support.axe import AXE
from tests.support.axe import axe_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: scripts/test installs it"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core missing: scripts/test runs npm ci"),
]

KINDS = {"matrix", "extended_multiple", "cloze", "bowtie", "highlight"}
TOTAL = len(KINDS)


def test_each_new_type_answered_with_the_keyboard_in_the_lms_iframe_passes_axe(demo_stack, playwright_instance) -> None:  # noqa: F811
    configure_link(demo_stack, {"pools": f"ngn_examples:{TOTAL}", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    try:
        page = browser.new_page()
        open_quiz_as_student(page, demo_stack, storage=True)
        frame_locator = page.frame_locator("#tool-frame")
        frame_locator.get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        frame = tool_frame(page)
        press_until(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Start attempt 1")
        page.keyboard.press("Enter")
        for number in range(1, TOTAL + 1):
            frame_locator.get_by_role("heading", name=f"Question {number} of {TOTAL}").wait_for(timeout=15000)
            frame = tool_frame(page)
            kind = frame.locator("section.question").get_attribute("data-kind")
            seen.add(kind)
            problems[f"question {number} ({kind})"] = axe_problems(frame)
            answer_page_by_keyboard(page, frame)
        frame_locator.get_by_role("heading", name="Submit your answers?").wait_for(timeout=15000)
        frame = tool_frame(page)
        assert f"{TOTAL} of {TOTAL} questions answered" in frame.content()
        press_until(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Submit my answers")
        page.keyboard.press("Enter")
        frame_locator.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)
        problems["results page"] = axe_problems(tool_frame(page))
    finally:
        browser.close()
    assert seen == KINDS
    assert not any(problems.values()), problems
    with session_scope(demo_stack.app) as session:
        attempt = session.scalars(select(Attempt)).one()
        assert attempt.state == "submitted"
        answered = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
        assert len([a for a in answered if a.response is not None]) == TOTAL


@pytest.mark.parametrize("width", [320, 375])
def test_each_new_type_fits_a_phone(demo_stack, playwright_instance, width: int) -> None:  # noqa: F811
    configure_link(demo_stack, {"pools": f"ngn_examples:{TOTAL}", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page(viewport={"width": width, "height": 740})
        open_quiz_as_student(page, demo_stack, storage=True)
        page.frame_locator("#tool-frame").get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)  # the tool's page at phone width, outside the frame
        page.get_by_role("button", name="Start attempt 1").click()
        page.get_by_role("heading", name="Question 1 of", exact=False).wait_for(timeout=15000)
        overflow = {}
        for number in range(1, TOTAL + 1):
            page.goto(page.url.rsplit("/", 1)[0] + f"/{number}")
            page.get_by_role("heading", name=f"Question {number} of {TOTAL}").wait_for(timeout=15000)
            kind = page.locator("section.question").get_attribute("data-kind")
            if os.environ.get("QUIZTOOL_SCREENSHOTS"):
                page.screenshot(path=os.path.join(os.environ["QUIZTOOL_SCREENSHOTS"], f"ngn-{kind}-{width}.png"),
                                full_page=True)
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
                overflow[kind] = page.evaluate("document.documentElement.scrollWidth")
            problems = axe_problems(page.main_frame)
            assert not problems, (kind, problems)
        assert not overflow, f"the page scrolls sideways at {width} px: {overflow}"
    finally:
        browser.close()
