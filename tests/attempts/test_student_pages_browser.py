"""The student's pages as a student reads them, in headless Chromium inside the demo LMS's
cross-site iframe: scores rounded on the gradebook's scale on the landing page, the results and
the review; times in the browser's own zone with the zone named; the review's summary of marks by
icon and text; where the grade is on its way to the course; axe on each page, also at 320 px.
"""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Attempt
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import deliver_all
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

#: More than two decimals anywhere in a page's text is a raw number shown to a student.
RAW_NUMBER = re.compile(r"\d[.,]\d{3,}")


@pytest.fixture(scope="module")
def playwright_instance():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def tool_frame(page):  # noqa: ANN001, ANN201
    frame = page.frame(name="tool-frame")
    assert frame is not None
    return frame


SAVE = """async ([slot, response]) => {
  const root = document.querySelector(".quiz");
  const answer = await fetch(root.dataset.autosave, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf},
    body: JSON.stringify({slot: slot, response: response})});
  return answer.status;
}"""


def test_scores_rounded_times_local_and_a_review_that_scans(demo_stack, playwright_instance) -> None:
    # Three one-point single-choice questions on a 7-point gradebook column: one right makes
    # 7/3 = 2.333… points, which a person writes 2.33 / 7 (33%).
    configure_link(demo_stack, {"pools": "components:3(single)", "points": "7", "attempts": "2", "time_limit": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    try:
        context = browser.new_context(timezone_id="America/Los_Angeles", locale="en-US")
        page = context.new_page()
        frame_locator = open_quiz_as_student(page, demo_stack, storage=True)
        frame_locator.get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        landing_url = tool_frame(page).url
        landing = frame_locator.locator("dl.facts").inner_text()
        assert "1 minute" in landing and "1 minutes" not in landing
        assert "0 used of 2 allowed (2 left)" in landing and "Your highest attempt counts." in landing
        assert "Right after you submit." in landing and "Points\n7" in landing
        assert frame_locator.get_by_role("heading", name="Your attempts").count() == 0  # nothing to list yet
        problems["assignment"] = axe_problems(tool_frame(page))

        frame_locator.get_by_role("button", name="Start attempt 1").click()
        frame_locator.get_by_role("heading", name="Question 1 of 3").wait_for(timeout=15000)
        frame = tool_frame(page)
        ends = frame.locator("#timer time")
        assert "Pacific Standard Time" in ends.inner_text()  # the browser's zone, named
        assert ends.get_attribute("datetime").endswith("+00:00")
        with session_scope(demo_stack.app) as session:
            attempt_id = session.scalars(select(Attempt.id)).one()
        keys = correct_responses(demo_stack, attempt_id)
        assert frame.evaluate(SAVE, [1, keys[1]]) == 200

        tool_frame(page).goto(landing_url)
        frame_locator.get_by_role("button", name="Resume attempt 1").wait_for(timeout=15000)
        facts = frame_locator.locator("dl.facts").inner_text()
        assert "Attempt 1 of 2 in progress" in facts and "used of" not in facts  # never "1 used" while open
        assert frame_locator.get_by_role("heading", name="Your attempts").count() == 0
        frame_locator.get_by_role("button", name="Resume attempt 1").click()
        frame_locator.get_by_role("button", name="Save and review before submitting").click()
        frame_locator.get_by_role("button", name="Submit my answers").click()
        frame_locator.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)

        frame = tool_frame(page)
        score = frame.locator("p.score").inner_text()
        assert "You scored 2.33 / 7 (33%)." in score, score
        kept = frame.locator("p.kept").inner_text()
        assert "Your grade in the course: 2.33 / 7 (33%)." in kept and "Grade queued for your course" in kept
        summary = frame.locator("table.review-summary")
        rows = summary.locator("tbody tr")
        assert rows.count() == 3
        assert [rows.nth(i).locator("td").nth(0).inner_text() for i in range(3)] == ["1 / 1", "0 / 1", "0 / 1"]
        assert [rows.nth(i).locator("td").nth(1).inner_text().split() for i in range(3)] == [["✓", "Right"], ["✗", "Wrong"], ["✗", "Wrong"]]
        assert summary.locator(".mark-icon[aria-hidden=true]").count() == 3  # the icon is decoration; the text says it
        rows.nth(2).get_by_role("link", name="Question 3").click()
        assert frame.evaluate("location.hash") == "#r3-h"
        heading = frame.locator("#r3-h").inner_text()
        assert heading.startswith("Question 3: 0 / 1") and "Wrong" in heading
        # lti.frameResize: the LMS made its frame as tall as the page, so there is one scrollbar.
        page.wait_for_function("() => { const f = document.getElementById('tool-frame');"
                               " return f.getBoundingClientRect().height > 900; }", timeout=10000)
        assert frame.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 2")
        text = frame.locator("main").inner_text()
        assert not RAW_NUMBER.search(text), RAW_NUMBER.search(text)
        problems["results"] = axe_problems(frame)
        page.set_viewport_size({"width": 320, "height": 700})
        problems["results at 320 px"] = axe_problems(frame)
        page.set_viewport_size({"width": 1280, "height": 720})

        deliver_all(demo_stack)  # the worker: the LMS accepts the grade
        tool_frame(page).goto(landing_url)
        frame_locator.get_by_role("button", name="Start attempt 2").wait_for(timeout=15000)
        facts = frame_locator.locator("dl.facts").inner_text()
        assert "1 used of 2 allowed (1 left)" in facts
        assert re.search(r"Your grade\n2\.33 / 7 \(33%\)\s+Grade sent at \d{1,2}:\d\d\s[AP]M Pacific Standard Time\.", facts), facts
        mine = frame_locator.locator("section[aria-labelledby=student-h] ul").inner_text()
        assert re.search(r"Attempt 1: 2\.33 / 7 \(33%\), submitted \w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M Pacific Standard Time", mine), mine
    finally:
        browser.close()
    assert not any(problems.values()), problems


def test_two_windows_on_one_attempt_never_overwrite_each_other_unseen(demo_stack, playwright_instance) -> None:
    configure_link(demo_stack, {"pools": "components:2(single)", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    try:
        context = browser.new_context()
        page_a = context.new_page()
        frame_locator = open_quiz_as_student(page_a, demo_stack, storage=True)
        frame_locator.get_by_role("button", name="Start attempt 1").click()
        frame_locator.get_by_role("heading", name="Question 1 of 2").wait_for(timeout=15000)
        window_a = tool_frame(page_a)
        page_b = context.new_page()  # the same question in a second tab, before A answers
        page_b.goto(window_a.url)
        page_b.get_by_role("heading", name="Question 1 of 2").wait_for(timeout=15000)

        radios_a = window_a.locator("#q1 input[type=radio]")
        radios_a.nth(0).check()
        window_a.get_by_text("All answers saved.").wait_for(timeout=10000)
        chosen_in_a = radios_a.nth(0).get_attribute("value")

        page_b.locator("#q1 input[type=radio]").nth(1).check()  # over A's answer, which B never saw
        page_b.locator("#changed-elsewhere").wait_for(timeout=10000)
        assert "This attempt changed in another window: question 1 now shows the answer saved there" in \
            page_b.locator("#changed-elsewhere").inner_text()
        assert page_b.locator("#q1 input[type=radio]:checked").get_attribute("value") == chosen_in_a
        problems["changed in another window"] = axe_problems(page_b)

        frame_locator.get_by_role("button", name="Save and review before submitting").click()
        frame_locator.get_by_role("button", name="Submit my answers").click()
        frame_locator.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)

        page_b.locator("#q1 input[type=radio]").nth(1).check()  # B, still open, saves again
        page_b.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)
        assert "This attempt is already submitted (perhaps in another window or tab)" in page_b.locator("main").inner_text()
    finally:
        browser.close()
    assert not any(problems.values()), problems
