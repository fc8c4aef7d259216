"""builder.js speaks the page's language: in headless Chromium inside the demo LMS's content
chooser, a launch with locale ``es`` gets the live feasibility sentences, the per-student count
and the line beside the buttons in Spanish, numbers formatted the Spanish way (57.155 for 57,155); axe finds
no serious or critical violation on the Spanish builder."""

from __future__ import annotations

import os

import pytest

from tests.attempts.test_language_and_zone import _lms_locale
from tests.lti.test_browser_launch import CHROMIUM
from tests.lti.test_browser_launch import as_instructor_in_course
from tests.lti.test_browser_launch import open_browser
from tests.lti.test_browser_launch import playwright_instance  # noqa: F401  (fixture)
from tests.support.axe import AXE
from tests.support.axe import axe_problems
from tests.support.shipped_bank import distinct_forms

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: scripts/test installs it"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core missing: scripts/test runs npm ci"),
]


def test_the_live_builder_speaks_spanish(demo_stack, playwright_instance) -> None:  # noqa: F811
    _lms_locale(demo_stack, "es-ES")
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        as_instructor_in_course(page, demo_stack.lms_url)
        page.locator("#add-activity button").click()
        chooser = page.frame_locator("#dl-frame")
        chooser.locator("#builder").wait_for(timeout=40000)
        frame = page.frame(name="dl-frame")
        assert frame.locator("html").get_attribute("lang") == "es"

        frame.fill("[name='count.barriers']", "500")
        chooser.locator("#feasibility").get_by_text("Los estudiantes aún no pueden recibir un cuestionario completo:").wait_for(timeout=30000)
        chooser.locator("#feasibility").get_by_text("Pediste 500 preguntas de «Barriers to the therapeutic relationship»").wait_for(timeout=30000)
        assert frame.locator("#feasibility-short").inner_text() == \
            "No todos los estudiantes pueden recibir un cuestionario completo: mira Preguntas."

        for name, count in (("barriers", "0"), ("comparison", "0"), ("phases", "0"), ("components", "3")):
            frame.fill(f"[name='count.{name}']", count)
        chooser.locator("#feasibility").get_by_text("3 preguntas por estudiante.").wait_for(timeout=30000)
        forms = f"{distinct_forms('components:3'):,}".replace(",", ".")  # the Spanish thousands separator
        assert distinct_forms("components:3") >= 10_000  # else there is no separator to check
        chooser.locator("#feasibility").get_by_text(f"Son posibles {forms} combinaciones distintas de preguntas").wait_for(timeout=30000)
        assert frame.locator("#feasibility-short").inner_text() == "3 preguntas por estudiante."
        assert axe_problems(frame) == []
    finally:
        browser.close()
