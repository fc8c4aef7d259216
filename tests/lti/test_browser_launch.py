"""Launches in real headless Chromium, inside the demo LMS's cross-site iframe.

The LMS page is on http://127.0.0.1:PORT and the tool on http://localhost:PORT: different sites.
Third-party cookies are blocked (Chromium's phase-out switch) in the cookieless cases, and the
tool's Partitioned cookie is switched off there, so the only ways through are LTI platform
storage or the new window, which is what these tests prove.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.stack import DemoStack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: scripts/test installs it"),
]


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def open_browser(playwright, *, block_third_party_cookies: bool):  # noqa: ANN001, ANN201
    args = list(CHROMIUM_ARGS)
    if block_third_party_cookies:
        args.append("--test-third-party-cookie-phaseout")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


def open_quiz_as_student(page, stack: DemoStack, *, storage: bool):  # noqa: ANN001, ANN201
    page.goto(f"{stack.lms_url}/course/1?storage={'1' if storage else '0'}")
    page.select_option("#user_id", label="Ana Lima — Student")
    page.click("text=Switch")
    page.click("a.button:has-text('Open the quiz')")
    return page.frame_locator("#tool-frame")


class TestCookieless:
    @pytest.fixture
    def stack_config(self) -> dict:
        return {"COOKIE_PARTITIONED": False}

    def test_platform_storage_completes_the_launch_in_the_iframe(self, demo_stack, playwright_instance) -> None:
        browser = open_browser(playwright_instance, block_third_party_cookies=True)
        try:
            page = browser.new_page()
            proofs: list[str] = []
            page.on("request", lambda r: proofs.append(r.post_data or "")
                    if r.url.endswith("/lti/launch") and "lti_storage_proof=" in (r.post_data or "") else None)
            frame = open_quiz_as_student(page, demo_stack, storage=True)
            frame.get_by_text("Signed in as Ana Lima").wait_for(timeout=15000)
            assert frame.locator("h2", has_text="Your quiz").is_visible()
            assert proofs, "the launch did not go through platform storage"
        finally:
            browser.close()

    def test_without_platform_storage_the_quiz_opens_in_a_new_window(self, demo_stack, playwright_instance) -> None:
        browser = open_browser(playwright_instance, block_third_party_cookies=True)
        try:
            page = browser.new_page()
            frame = open_quiz_as_student(page, demo_stack, storage=False)
            button = frame.get_by_role("link", name="Open the quiz in a new window")
            button.wait_for(timeout=15000)
            with page.expect_popup() as popup_info:
                button.focus()
                page.keyboard.press("Enter")  # keyboard-only works too
            popup = popup_info.value
            popup.get_by_text("Signed in as Ana Lima").wait_for(timeout=15000)
            assert popup.url.startswith(demo_stack.tool_url + "/s/")
        finally:
            browser.close()


def test_partitioned_cookie_launch_works_with_third_party_cookies_blocked(demo_stack, playwright_instance) -> None:
    browser = open_browser(playwright_instance, block_third_party_cookies=True)
    try:
        page = browser.new_page()
        frame = open_quiz_as_student(page, demo_stack, storage=False)
        frame.get_by_text("Signed in as Ana Lima").wait_for(timeout=15000)
    finally:
        browser.close()


def as_instructor_in_course(page, lms_url: str) -> None:  # noqa: ANN001
    """Open the demo course page as its instructor (Ines Moreau), ready for "Add an activity".

    The add-activity form opens the LMS's modal only once course.js (deferred) has run: pressed
    earlier, it submits to a window of its own and the modal stays empty. So this waits for the
    switched user and the loaded page."""
    page.goto(f"{lms_url}/course/1?storage=1")
    page.select_option("#user_id", label="Ines Moreau — Instructor")
    page.click("text=Switch")
    page.get_by_text("You are Ines Moreau").wait_for(timeout=15000)
    page.wait_for_load_state("domcontentloaded")


def test_instructor_adds_a_quiz_by_deep_linking_in_the_browser(demo_stack, playwright_instance) -> None:
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page()
        as_instructor_in_course(page, demo_stack.lms_url)
        page.click("button:has-text('Add activity')")
        frame = page.frame_locator("#dl-frame")  # the content chooser opens in the LMS's modal
        frame.get_by_label("Title").fill("Browser-made quiz")
        frame.get_by_role("button", name="Add this quiz").click()
        frame.get_by_role("heading", name="Activity added to NURS 101").wait_for(timeout=15000)
        assert frame.get_by_text("Browser-made quiz", exact=True).is_visible()
    finally:
        browser.close()
