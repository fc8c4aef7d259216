"""The instructor's way in headless Chromium inside the demo LMS, with the keyboard only: the
builder in the LMS's modal-sized content chooser, the assignment, the dashboard, a student's
page and an accommodation, the item analysis and a regrade, the bank, a sample form. axe-core
runs on each instructor page (no serious or critical violation); the pages are also opened at
375 px wide (no sideways scrolling, axe again). Screenshots go to QUIZTOOL_SCREENSHOTS when set.

The LMS's own page is driven like the other browser tests (choosing who you are is the LMS's
business); in the tool only keys are pressed. Students' attempts come over HTTP beforehand.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Accommodation
from lti_tool.models.assessment import Assessment
from lti_tool.services.assessments import shipped_bank
from question_bank.blueprint import parse_blueprint
from question_bank.randomization import explain_blueprint
from tests.attempts.conftest import launch
from tests.attempts.test_keyboard_browser import press_until
from tests.attempts.test_policies import take
from tests.instructor.conftest import demo_link
from tests.lti.test_browser_launch import CHROMIUM
from tests.lti.test_browser_launch import as_instructor_in_course
from tests.lti.test_browser_launch import open_browser
from tests.lti.test_browser_launch import playwright_instance  # noqa: F401  (fixture)
from tests.support.axe import AXE
from tests.support.axe import axe_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: scripts/test installs it"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core missing: scripts/test runs npm ci"),
]

TITLE = "Keyboard quiz"


def _one_more_than_fits(pool: str) -> int:
    """One question more than the shipped ``pool`` can hold on one form (its enemy links limit how
    many appear together), so the builder must say "At most N of the M questions" as it is typed.
    Read from the bank, so the test follows the content as it is revised."""
    bank = shipped_bank()
    size = len(bank.pools[pool].items)
    (group,) = explain_blueprint(bank, parse_blueprint(f"{pool}:{size}")).groups
    assert group.together < group.available, f"every question of {pool} fits one form: no refusal to show"
    return group.together + 1


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("QUIZTOOL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _type_into(page, frame, name: str, text: str) -> None:  # noqa: ANN001
    press_until(page, frame, lambda f: f["name"] == name)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _activate(page, frame, text: str) -> None:  # noqa: ANN001
    """Tab to the link or button whose text starts with ``text`` and press Enter."""
    press_until(page, frame, lambda f: f["tag"] in ("a", "button") and f["text"].startswith(text), limit=200)
    page.keyboard.press("Enter")


def test_the_instructors_way_with_the_keyboard_passes_axe(demo_stack, people, playwright_instance, tmp_path) -> None:  # noqa: F811
    shots = _shots(tmp_path)
    problems: dict[str, list[str]] = {}
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        as_instructor_in_course(page, demo_stack.lms_url)

        # -- the builder in the LMS's content chooser (a modal of Moodle's size) ---------------
        page.locator("#add-activity button").focus()
        page.keyboard.press("Enter")
        chooser = page.frame_locator("#dl-frame")
        chooser.get_by_role("heading", name="Add a quiz to your course").wait_for(timeout=40000)
        frame = page.frame(name="dl-frame")
        size = page.locator("#dl-frame").bounding_box()
        assert size["width"] <= 800 and size["height"] <= 560  # the modal, not the page
        problems["builder"] = axe_problems(frame)
        save = frame.locator("#save")
        visible = frame.evaluate("() => { const r = document.getElementById('save').getBoundingClientRect(); "
                                 "return r.top >= 0 && r.bottom <= window.innerHeight; }")
        assert visible, "the Add button must be in view in the modal without scrolling"
        page.screenshot(path=str(shots / "builder-modal.png"))

        _type_into(page, frame, "title", TITLE)
        _type_into(page, frame, "count.barriers", str(_one_more_than_fits("barriers")))
        chooser.locator("#feasibility").get_by_text(re.compile(r"At most \d+ of the \d+ questions")).wait_for(timeout=30000)  # said as typed (the numbers follow the pool)
        assert frame.locator("#feasibility-short").inner_text() == "Not every student can get a full form: see Questions."
        page.screenshot(path=str(shots / "builder-infeasible.png"))
        _type_into(page, frame, "count.barriers", "0")
        _type_into(page, frame, "count.comparison", "0")
        _type_into(page, frame, "count.phases", "0")
        _type_into(page, frame, "count.components", "3")
        chooser.locator("#feasibility").get_by_text("3 questions per student.").wait_for(timeout=30000)
        press_until(page, frame, lambda f: f["name"] == "attempts")
        page.keyboard.press("Control+A")
        page.keyboard.type("2")
        press_until(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Add this quiz")
        assert save.evaluate("e => e === document.activeElement")
        page.keyboard.press("Enter")
        chooser.get_by_role("heading", name="Activity added to NURS 101").wait_for(timeout=40000)
        frame = page.frame(name="dl-frame")
        _activate(page, frame, "Back to the course")
        page.wait_for_selector(f"text={TITLE}", timeout=40000)

        link = demo_link(demo_stack, TITLE)
        for learner in people["learners"][:2]:  # students take it (over HTTP)
            take(launch(demo_stack, learner, link["id"]), demo_stack, 2)

        # -- the assignment, the dashboard, a student, an accommodation ------------------------
        page.locator(f"a[data-activity-title='{TITLE}']").focus()
        page.keyboard.press("Enter")
        tool = page.frame_locator("#tool-frame")
        tool.get_by_role("heading", name="Instructor view").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["assignment"] = axe_problems(frame)
        _activate(page, frame, "Dashboard")
        tool.get_by_role("heading", name=f"Dashboard: {TITLE}").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["dashboard"] = axe_problems(frame)
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        _activate(page, frame, "Ana Lima")
        tool.get_by_role("heading", name="Accommodation").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["student"] = axe_problems(frame)
        _type_into(page, frame, "extra_attempts", "1")
        _activate(page, frame, "Save the accommodation")
        tool.get_by_text("Accommodation saved.").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["student after saving"] = axe_problems(frame)

        # -- item analysis and a regrade --------------------------------------------------------
        _activate(page, frame, "Item analysis")
        tool.get_by_role("heading", name="Score distribution").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["item analysis"] = axe_problems(frame)
        page.screenshot(path=str(shots / "analysis.png"), full_page=True)
        _activate(page, frame, "Regrade")
        tool.get_by_text("How this question counts from now on").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["regrade"] = axe_problems(frame)
        press_until(page, frame, lambda f: f["name"] == "drop")
        page.keyboard.press("Space")
        _activate(page, frame, "Rescore every submitted attempt")
        tool.get_by_text("submitted attempt(s) rescored").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")

        # -- the bank, the settings, a sample form ----------------------------------------------
        _activate(page, frame, "Question bank")
        tool.get_by_role("heading", name="Question bank").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["bank"] = axe_problems(frame)
        _activate(page, frame, "Change settings")
        tool.get_by_role("heading", name=f"Change “{TITLE}”").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["settings"] = axe_problems(frame)
        _activate(page, frame, "Preview a sample form")
        tool.get_by_role("button", name="Draw another").wait_for(timeout=40000)
        frame = page.frame(name="tool-frame")
        problems["sample form"] = axe_problems(frame)
        tool_url = frame.url

        # -- the same pages on a phone ---------------------------------------------------------
        phone = browser.new_page(viewport={"width": 375, "height": 740})
        base = tool_url.split("/builder/")[0] + "/"
        for name, path in (("assignment", ""), ("dashboard", "instructor/"), ("analysis", "instructor/analysis"),
                           ("bank", "instructor/bank"), ("settings", "settings")):
            phone.goto(base + path)
            phone.wait_for_load_state()
            phone.screenshot(path=str(shots / f"phone-{name}.png"), full_page=True)
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
            problems[f"{name} at 375 px"] = axe_problems(phone.main_frame)
    except Exception:
        page.screenshot(path=str(shots / "failure.png"), full_page=True)  # what the instructor saw
        raise
    finally:
        browser.close()
    assert not any(problems.values()), problems
    with session_scope(demo_stack.app) as session:
        assessment = session.scalars(select(Assessment).where(Assessment.title == TITLE)).one()
        assert assessment.attempts_allowed == 2 and assessment.blueprint_text == "components:3"
        assert len(assessment.regrade["dropped"]) == 1
        assert session.scalars(select(Accommodation.extra_attempts)).one() == 1
