"""A whole quiz in headless Chromium, inside the demo LMS's cross-site iframe, with the keyboard
only, and axe-core (from npm, node_modules/axe-core) run in the tool's frame on every kind of page:
no serious or critical violation.

The LMS's own page is driven like the other browser tests (choosing who you are is the LMS's
business); from the moment the quiz is in the frame, only keys are pressed. Reading the DOM to
decide which key to press next is fine: a keyboard user sees the focus too.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import Attempt
from tests.attempts.conftest import configure_link
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

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || !document.hasFocus()) return null;
  const group = el.name ? Array.from(document.getElementsByName(el.name)) : [];
  return {tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", value: el.value || "",
          text: (el.textContent || "").trim(), checkedInGroup: group.some(g => g.checked),
          firstInGroup: group.length ? group[0] === el : true, label: el.labels && el.labels.length ? el.labels[0].textContent.trim() : ""};
}"""


@pytest.fixture(scope="module")
def playwright_instance():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def tool_frame(page):  # noqa: ANN001, ANN201
    frame = page.frame(name="tool-frame")
    assert frame is not None
    return frame


def press_until(page, frame, wanted, limit: int = 80) -> dict:  # noqa: ANN001
    """Tab until the focused element of the frame satisfies ``wanted``; the keyboard's way."""
    for _ in range(limit):
        focused = frame.evaluate(FOCUSED)
        if focused and wanted(focused):
            return focused
        page.keyboard.press("Tab")
    raise AssertionError(f"focus never reached the wanted control (last: {frame.evaluate(FOCUSED)})")


def answer_page_by_keyboard(page, frame) -> None:  # noqa: ANN001
    """Answer every control on the page with the keyboard, then press the page's forward button."""
    for _ in range(120):
        focused = frame.evaluate(FOCUSED)
        if focused and focused["tag"] == "button" and focused["text"].startswith(("Next", "Review and submit")):
            page.keyboard.press("Enter")
            return
        if focused and focused["type"] == "radio" and not focused["checkedInGroup"]:
            page.keyboard.press("Space")
        elif focused and focused["type"] == "checkbox" and focused["firstInGroup"]:
            page.keyboard.press("Space")
        elif focused and focused["tag"] == "select" and not focused["value"]:
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
    raise AssertionError("never reached the page's forward button")


@pytest.mark.parametrize("pools", [
    "components:2,barriers:2,comparison:2",
    "phases:1(ordering),components:2(matching,multiple),barriers:2(classification,true_false),comparison:1(matching)",
], ids=["mixed", "select-kinds"])
def test_a_quiz_taken_with_the_keyboard_only_in_the_lms_iframe_passes_axe(demo_stack, playwright_instance, pools) -> None:
    configure_link(demo_stack, {"pools": pools, "time_limit": "30", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    try:
        page = browser.new_page()
        open_quiz_as_student(page, demo_stack, storage=True)
        frame_locator = page.frame_locator("#tool-frame")
        frame_locator.get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        frame = tool_frame(page)
        problems["assignment page"] = axe_problems(frame)

        press_until(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Start attempt 1")
        page.keyboard.press("Enter")
        frame_locator.get_by_role("heading", name="Question 1 of 6").wait_for(timeout=15000)
        frame = tool_frame(page)
        assert frame.locator("#timer-announce[aria-live=polite]").count() == 1
        problems["question page"] = axe_problems(frame)

        for number in range(1, 7):
            frame_locator.get_by_role("heading", name=f"Question {number} of 6").wait_for(timeout=15000)
            frame = tool_frame(page)
            answer_page_by_keyboard(page, frame)
        frame_locator.get_by_role("heading", name="Submit your answers?").wait_for(timeout=15000)
        frame = tool_frame(page)
        problems["confirm page"] = axe_problems(frame)
        assert "6 of 6 questions answered" in frame.content()

        press_until(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Submit my answers")
        page.keyboard.press("Enter")
        frame_locator.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)
        frame = tool_frame(page)
        problems["results page"] = axe_problems(frame)
    finally:
        browser.close()
    assert not any(problems.values()), problems
    with session_scope(demo_stack.app) as session:
        attempt = session.scalars(select(Attempt)).one()
        assert attempt.state == "submitted" and attempt.submitted_by == "student"
        answered = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
        assert len([a for a in answered if a.response is not None]) == 6


def test_autosave_navigator_and_the_single_page_layout_on_a_phone(demo_stack, playwright_instance) -> None:
    configure_link(demo_stack, {"pools": "components:2,comparison:2", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        open_quiz_as_student(page, demo_stack, storage=True)
        frame_locator = page.frame_locator("#tool-frame")
        frame_locator.get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        url = tool_frame(page).url
        page.goto(url)  # the tool's page at phone width, outside the frame
        page.keyboard.press("Tab")
        press_until(page, page.main_frame, lambda f: f["tag"] == "button" and f["text"] == "Start attempt 1")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Question 1 of 4").wait_for(timeout=15000)
        press_until(page, page.main_frame, lambda f: f["tag"] == "button" and f["text"] == "Show all questions on one page")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Question 4 of 4").wait_for(timeout=15000)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        first = page.locator("section.question").first
        control = first.locator("input:not([type=hidden]), select").first
        control.focus()
        page.keyboard.press("Space" if control.evaluate("e => e.tagName") == "INPUT" else "ArrowDown")
        page.get_by_text("All answers saved.").wait_for(timeout=15000)  # autosaved without a button
        assert page.locator('.nav-item[data-slot="1"].answered').count() == 1
        assert "(answered)" in page.locator('.nav-item[data-slot="1"]').inner_text()
        assert not axe_problems(page.main_frame)
    finally:
        browser.close()
    with session_scope(demo_stack.app) as session:
        assert session.scalars(select(Answer)).first() is not None


def test_drag_and_drop_with_a_mouse_sets_the_fields_and_autosaves(demo_stack, playwright_instance) -> None:
    configure_link(demo_stack, {"pools": "phases:1(ordering),comparison:1(classification)", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page()
        open_quiz_as_student(page, demo_stack, storage=True)
        page.frame_locator("#tool-frame").get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)
        page.get_by_role("button", name="Start attempt 1").click()
        page.get_by_role("button", name="Show all questions on one page").click()
        page.get_by_role("heading", name="Question 2 of 2").wait_for(timeout=15000)

        ordering = page.locator('section.question[data-kind="ordering"]')
        rows = ordering.locator(".row")
        last_id = rows.last.get_attribute("data-row")
        rows.last.drag_to(rows.first)
        page.get_by_text("All answers saved.").wait_for(timeout=15000)
        order = [r.get_attribute("data-row") for r in ordering.locator(".row").all()]
        assert order[0] == last_id
        positions = [r.locator("select").input_value() for r in ordering.locator(".row").all()]
        assert positions == [str(n) for n in range(1, len(order) + 1)]

        sorting = page.locator('section.question[data-kind="classification"]')
        statement = sorting.locator(".row").first
        zone = sorting.locator(".dropzones li").last
        statement.drag_to(zone)
        statement_id = statement.get_attribute("data-row")
        radios = sorting.locator(f'.row[data-row="{statement_id}"] input[type=radio]')
        chosen = radios.last.get_attribute("value")
        assert radios.last.is_checked()
        statement_text = statement.locator("legend").inner_text()
        assert statement_text in zone.inner_text()  # the zone lists what the radio buttons say
        slot_of = {kind: int(page.locator(f'section.question[data-kind="{kind}"]').get_attribute("data-slot"))
                   for kind in ("ordering", "classification")}
        page.wait_for_function(
            "slot => document.querySelector(`.nav-item[data-slot=\"${slot}\"]`).classList.contains('answered')",
            arg=slot_of["classification"], timeout=15000,
        )
    finally:
        browser.close()
    with session_scope(demo_stack.app) as session:
        saved = {a.slot: a.response for a in session.scalars(select(Answer))}
    assert saved[slot_of["ordering"]] == order
    assert saved[slot_of["classification"]] == {statement_id: chosen}


def test_an_answer_given_offline_is_saved_when_the_connection_returns(demo_stack, playwright_instance) -> None:
    configure_link(demo_stack, {"pools": "components:2(single)", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        context = browser.new_context()
        page = context.new_page()
        open_quiz_as_student(page, demo_stack, storage=True)
        page.frame_locator("#tool-frame").get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)
        page.get_by_role("button", name="Start attempt 1").click()
        page.get_by_role("heading", name="Question 1 of 2").wait_for(timeout=15000)
        context.set_offline(True)
        radio = page.locator('section.question input[type="radio"]').first
        radio.focus()
        page.keyboard.press("Space")
        page.get_by_text("Not saved: no connection", exact=False).wait_for(timeout=15000)
        with session_scope(demo_stack.app) as session:
            assert session.scalars(select(Answer)).first() is None
        context.set_offline(False)
        page.get_by_text("All answers saved.").wait_for(timeout=20000)
        chosen = radio.get_attribute("value")
    finally:
        browser.close()
    with session_scope(demo_stack.app) as session:
        assert session.scalars(select(Answer)).one().response == chosen
