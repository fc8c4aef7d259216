"""An unfolding case completed with the keyboard only, in headless Chromium inside the demo LMS's
cross-site iframe, with axe-core on the case's pages (issue 12): the case's questions come
together and in order, each after the case so far, and no serious or critical violation."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import Attempt
from tests.attempts.conftest import configure_link
from tests.attempts.test_keyboard_browser import answer_page_by_keyboard
from tests.attempts.test_keyboard_browser import playwright_instance  # noqa: F401  (fixture)
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


def test_a_case_completed_with_the_keyboard_in_the_lms_iframe_passes_axe(demo_stack, playwright_instance) -> None:  # noqa: F811
    configure_link(demo_stack, {"pools": "components:1(single), cases:1", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    seen_cases: list[str] = []
    try:
        page = browser.new_page()
        open_quiz_as_student(page, demo_stack, storage=True)
        frame_locator = page.frame_locator("#tool-frame")
        frame_locator.get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        frame = tool_frame(page)
        press_until(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Start attempt 1")
        page.keyboard.press("Enter")
        frame_locator.get_by_role("heading", name="Question 1 of", exact=False).wait_for(timeout=15000)
        with session_scope(demo_stack.app) as session:
            attempt = session.scalars(select(Attempt)).one()
            case = attempt.form["cases"][0]
        total = 1 + case["count"]
        for number in range(1, total + 1):
            frame_locator.get_by_role("heading", name=f"Question {number} of {total}").wait_for(timeout=15000)
            frame = tool_frame(page)
            if number > 2:  # a case's next part opens only through its gate, which closes the part before
                gate = " ".join(frame.locator(".case-gate").inner_text().split())
                assert f"Going on closes question {number - 1}" in gate
                assert case["adds"][number - 2] not in gate  # nothing of the new information yet
                if number == 3:
                    problems["case gate"] = axe_problems(frame)
                press_until(page, frame, lambda f: f["tag"] == "button" and f["text"].startswith("Go on with the case"))
                page.keyboard.press("Enter")
                frame_locator.locator(".case-new").wait_for(timeout=15000)
                frame = tool_frame(page)
                assert frame.locator(f"#q{number - 1}").count() == 0  # a page of its own, as before
            box = frame.locator(".case")
            if number == 1:
                assert box.count() == 0
            else:
                position = number - 1
                group = frame.get_by_role("group", name=f"Case: {case['title']} (question {position} of {case['count']} in this case)")
                assert group.count() == 1
                text = " ".join(box.inner_text().split())
                assert " ".join(case["stem"].split()) in text
                if case["adds"][position - 1]:
                    assert f"New information: {' '.join(case['adds'][position - 1].split())}" in text
                seen_cases.append(text)
                if position in (1, 2):
                    problems[f"case question {position}"] = axe_problems(frame)
            answer_page_by_keyboard(page, frame)
        frame_locator.get_by_role("heading", name="Submit your answers?").wait_for(timeout=15000)
        frame = tool_frame(page)
        assert f"{total} of {total} questions answered" in frame.content()
        press_until(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Submit my answers")
        page.keyboard.press("Enter")
        frame_locator.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)
        frame = tool_frame(page)
        assert frame.locator(".review .case").count() == case["count"]  # the review shows the case too
        problems["results page"] = axe_problems(frame)
    finally:
        browser.close()
    assert not any(problems.values()), problems
    assert all(len(a) < len(b) for a, b in zip(seen_cases, seen_cases[1:]))  # the stem grew, in order
    with session_scope(demo_stack.app) as session:
        attempt = session.scalars(select(Attempt)).one()
        assert attempt.state == "submitted"
        answered = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
        assert len([a for a in answered if a.response is not None]) == total


@pytest.mark.parametrize("width", [320, 375])
def test_a_case_question_fits_a_phone(demo_stack, playwright_instance, width: int) -> None:  # noqa: F811
    configure_link(demo_stack, {"pools": "cases:1", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page(viewport={"width": width, "height": 740})
        open_quiz_as_student(page, demo_stack, storage=True)
        page.frame_locator("#tool-frame").get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)  # the tool's page at phone width, outside the frame
        page.get_by_role("button", name="Start attempt 1").click()
        page.get_by_role("heading", name="Question 1 of", exact=False).wait_for(timeout=15000)
        with session_scope(demo_stack.app) as session:
            count = session.scalars(select(Attempt)).one().form["cases"][0]["count"]
        for number in range(1, count + 1):  # every question of the case, the last with the most text
            page.goto(page.url.split("/questions/", 1)[0] + f"/questions/{number}")
            page.get_by_role("heading", name=f"Question {number} of {count}").wait_for(timeout=15000)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), number
            if number > 1:  # its gate first, then the part itself
                page.get_by_role("button", name="Go on with the case", exact=False).click()
                page.locator(".case-new").wait_for(timeout=15000)
            assert page.locator(".case").count() == 1
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), number
        assert not axe_problems(page.main_frame)
    finally:
        browser.close()


def test_the_instructors_page_of_every_save_passes_axe_at_phone_width(demo_stack, people, playwright_instance) -> None:  # noqa: F811
    """The steps table (what was answered when) on the instructor's page of one student."""
    from tests.attempts.conftest import correct_responses
    from tests.attempts.conftest import launch
    from tests.attempts.conftest import tool_user_pk
    from tests.instructor.conftest import instructor

    configure_link(demo_stack, {"pools": "components:2, cases:1", "attempts": "1"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    student.answer_in_order(attempt_id, correct_responses(demo_stack, attempt_id))
    student.submit(attempt_id)
    teacher = instructor(demo_stack)
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page(viewport={"width": 375, "height": 740})
        page.goto(teacher.base + f"instructor/students/{tool_user_pk(demo_stack, student)}")
        summary = page.get_by_text("Every save of attempt 1", exact=False)
        summary.wait_for(timeout=15000)
        summary.focus()
        page.keyboard.press("Enter")  # open the details with the keyboard
        page.get_by_role("table", name="What was answered when, attempt 1").wait_for(timeout=15000)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert page.locator(".review .case").count() >= 3  # the attempt's case questions show the case
        assert not axe_problems(page.main_frame)
    finally:
        browser.close()
