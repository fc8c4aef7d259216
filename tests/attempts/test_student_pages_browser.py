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
from tests.attempts.test_keyboard_browser import tool_frame
from tests.lti.test_browser_launch import CHROMIUM
from tests.lti.test_browser_launch import open_browser
from tests.lti.test_browser_launch import open_quiz_as_student
from tests.lti.test_browser_launch import playwright_instance  # noqa: F401  (fixture)
from tests.support.axe import AXE
from tests.support.axe import axe_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: scripts/test installs it"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core missing: scripts/test runs npm ci"),
]

#: More than two decimals anywhere in a page's text is a raw number shown to a student.
RAW_NUMBER = re.compile(r"\d[.,]\d{3,}")


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
        wait_for_local_times(frame)
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
        frame_locator.get_by_role("button", name="Review and submit").click()
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
        wait_for_local_times(tool_frame(page))
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
        # Tab B would also notice A's save when it becomes visible again (it asks the server); here
        # it must not, so that its own save meets the refusal.
        page_b.evaluate("document.addEventListener('visibilitychange', e => e.stopImmediatePropagation(), true)")

        radios_a = window_a.locator("#q1 input[type=radio]")
        radios_a.nth(0).check()
        window_a.get_by_text("All answers saved.").wait_for(timeout=10000)
        chosen_in_a = radios_a.nth(0).get_attribute("value")

        # over A's answer, which B never saw. A click, not check(): check() verifies the radio ended up
        # checked and, as the refusal reloads the page, clicks again on the reloaded page, which is a
        # second, informed choice that the server rightly accepts.
        page_b.locator("#q1 input[type=radio]").nth(1).click()
        page_b.locator("#changed-elsewhere").wait_for(timeout=10000)
        assert "This attempt changed in another window: question 1 now shows the answer saved there" in \
            page_b.locator("#changed-elsewhere").inner_text()
        assert page_b.locator("#q1 input[type=radio]:checked").get_attribute("value") == chosen_in_a
        problems["changed in another window"] = axe_problems(page_b)

        frame_locator.get_by_role("button", name="Review and submit").click()
        frame_locator.get_by_role("button", name="Submit my answers").click()
        frame_locator.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)

        page_b.locator("#q1 input[type=radio]").nth(1).click()  # B, still open, saves again: refused, explained
        page_b.get_by_role("heading", name="Results of attempt 1").wait_for(timeout=15000)
        assert "This attempt is already submitted (perhaps in another window or tab)" in page_b.locator("main").inner_text()
    finally:
        browser.close()
    assert not any(problems.values()), problems


LOCAL_TIMES_DONE = """() => Array.from(document.querySelectorAll('time[data-local]'))
  .every(t => t.classList.contains('local'))"""


def wait_for_local_times(frame) -> None:  # noqa: ANN001
    """Wait until local_time.js (a deferred script) has rewritten every time on the page in the
    browser's zone: a page's heading can be visible before deferred scripts have run, and the
    server's text (the launch's zone) is what a reader sees until then."""
    frame.wait_for_function(LOCAL_TIMES_DONE, timeout=15000)


FOCUSED_ROW = """() => { const el = document.activeElement; const row = el && el.closest('.row');
  return {row: row ? row.dataset.row : null, cls: el ? el.className : '', tag: el ? el.tagName : ''}; }"""


def _order(section) -> list[str]:  # noqa: ANN001
    return [row.get_attribute("data-row") for row in section.locator(".row").all()]


def test_ordering_by_keyboard_moves_exactly_one_row_per_action_and_keeps_focus_on_it(demo_stack, playwright_instance) -> None:
    configure_link(demo_stack, {"pools": "phases:1(ordering)", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    try:
        page = browser.new_page()
        open_quiz_as_student(page, demo_stack, storage=True)
        page.frame_locator("#tool-frame").get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)
        page.get_by_role("button", name="Start attempt 1").click()
        page.get_by_role("heading", name="Question 1 of 1").wait_for(timeout=15000)
        section = page.locator("section.question")
        before = _order(section)
        assert len(before) >= 3 and section.locator("select:visible").count() == 0  # buttons, not menus

        first = section.locator(".row").first
        first.locator(".move-down").focus()
        page.keyboard.press("ArrowDown")  # arrow keys never reorder
        page.keyboard.press("ArrowUp")
        assert _order(section) == before
        page.keyboard.press("Enter")
        after = _order(section)
        assert after == [before[1], before[0], *before[2:]]  # exactly one place
        assert page.evaluate(FOCUSED_ROW) == {"row": before[0], "cls": "secondary move-down", "tag": "BUTTON"}
        live = section.locator("[aria-live=polite]")
        assert live.inner_text().endswith(f"moved to position 2 of {len(before)}.")
        page.keyboard.press("Space")
        assert _order(section) == [before[1], before[2], before[0], *before[3:]]
        assert page.evaluate(FOCUSED_ROW)["row"] == before[0]

        # At the top, Move up cannot move further: the focus stays on the row, on its Move down.
        moved = before[1]
        row = section.locator(f'.row[data-row="{moved}"]')
        row.locator(".move-down").focus()
        page.keyboard.press("Enter")
        row.locator(".move-up").focus()
        page.keyboard.press("Enter")
        assert _order(section)[0] == moved and row.locator(".move-up").is_disabled()
        assert page.evaluate(FOCUSED_ROW) == {"row": moved, "cls": "secondary move-down", "tag": "BUTTON"}
        positions = [r.locator("select").input_value() for r in section.locator(".row").all()]
        assert positions == [str(n) for n in range(1, len(before) + 1)]
        page.get_by_text("All answers saved.").wait_for(timeout=15000)
        final = _order(section)
        problems["ordering"] = axe_problems(page.main_frame)
    finally:
        browser.close()
    assert not any(problems.values()), problems
    with session_scope(demo_stack.app) as session:
        from lti_tool.models.assessment import Answer

        assert session.scalars(select(Answer.response)).one() == final


def test_classification_on_a_touch_phone_has_no_drop_zones_and_answers_by_tapping(demo_stack, playwright_instance) -> None:
    configure_link(demo_stack, {"pools": "comparison:1(classification)", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2)
        page = phone.new_page()
        open_quiz_as_student(page, demo_stack, storage=True)
        page.frame_locator("#tool-frame").get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)
        page.get_by_role("button", name="Start attempt 1").tap()
        page.get_by_role("heading", name="Question 1 of 1").wait_for(timeout=15000)
        section = page.locator("section.question")
        assert section.locator(".dropzones").count() == 0  # dragging does not work here: no target that does nothing
        assert section.locator(".row[draggable=true]").count() == 0
        first = section.locator(".row").first
        choice = first.locator(".choice").last
        box = choice.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        choice.locator("label").tap()
        page.get_by_text("All answers saved.").wait_for(timeout=15000)
        assert first.locator("input[type=radio]").last.is_checked()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        browser.close()


def _give_the_longest_texts_of_the_bank(stack, attempt_id: int) -> list[str]:  # noqa: ANN001
    """Make the open attempt's form the items holding the bank's longest text of each kind (an
    option, premise, response, statement or category): enemies keep a blueprint from drawing
    them all, so the test writes the form itself, as a draw would (snapshot and layout)."""
    from question_bank import load_bank
    from question_bank.forms import Form
    from question_bank.forms import FormSlot
    from question_bank.randomization import layout_for
    from question_bank.replay import snapshot_of

    best: dict[str, tuple[int, object]] = {}
    for pool in load_bank().pools.values():
        for item in pool.items:
            texts = [getattr(part, "text", "") for field in ("options", "premises", "responses", "statements", "categories")
                     for part in (getattr(item.body, field, ()) or ())]
            longest = max((len(t) for t in texts), default=0)
            if longest > best.get(item.kind.value, (0, None))[0]:
                best[item.kind.value] = (longest, item)
    items = [item for _, item in best.values()]
    seed = "longest-texts"
    form = Form(seed, tuple(FormSlot(i.id, i.version, i.pool, layout_for(i, seed)) for i in items))
    with session_scope(stack.app) as session:
        attempt = session.get(Attempt, attempt_id)
        attempt.seed = seed
        attempt.form = form.to_json()
        attempt.items = {i.ref: snapshot_of(i) for i in items}
    return [i.id for i in items]


def test_no_horizontal_overflow_at_320_px_with_the_longest_texts_of_the_bank(demo_stack, playwright_instance) -> None:
    configure_link(demo_stack, {"pools": "components:1", "attempts": "1"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    try:
        page = browser.new_page(viewport={"width": 320, "height": 640})
        open_quiz_as_student(page, demo_stack, storage=True)
        page.frame_locator("#tool-frame").get_by_role("button", name="Start attempt 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)
        page.get_by_role("button", name="Start attempt 1").click()
        page.get_by_role("heading", name="Question 1 of 1").wait_for(timeout=15000)
        with session_scope(demo_stack.app) as session:
            attempt_id = session.scalars(select(Attempt.id)).one()
        kinds = _give_the_longest_texts_of_the_bank(demo_stack, attempt_id)
        page.get_by_role("button", name="Show all questions on one page").click()
        page.get_by_role("heading", name=f"Question {len(kinds)} of {len(kinds)}").wait_for(timeout=15000)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        # Nothing is cut off: no control is wider than its question, every choice is a 44 px target.
        assert page.evaluate("""() => Array.from(document.querySelectorAll('section.question *')).every(el => {
            const box = el.getBoundingClientRect(); return box.right <= window.innerWidth + 1; })""")
        assert page.evaluate("""() => Array.from(document.querySelectorAll('.choice, .move button, .question-nav button'))
            .filter(el => el.offsetParent).every(el => el.getBoundingClientRect().height >= 44)""")
        problems["all questions at 320 px"] = axe_problems(page.main_frame)
    finally:
        browser.close()
    assert not any(problems.values()), problems


def test_the_spanish_interface_end_to_end_from_a_launch_with_locale_es(demo_stack, playwright_instance) -> None:
    import requests

    requests.post(f"{demo_stack.lms_url}/admin/settings", json={"launch_options": {"locale": "es"}}, timeout=10).raise_for_status()
    configure_link(demo_stack, {"pools": "components:2(single),phases:1(ordering)", "points": "7", "attempts": "2",
                                "time_limit": "10", "timezone": "Europe/Madrid"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    problems: dict[str, list[str]] = {}
    try:
        page = browser.new_page(locale="en-US", viewport={"width": 320, "height": 700})  # the launch decides, not the browser
        frame_locator = open_quiz_as_student(page, demo_stack, storage=True)
        frame_locator.get_by_role("button", name="Empezar el intento 1").wait_for(timeout=15000)
        page.goto(tool_frame(page).url)  # the tool's pages at 320 px, in Spanish
        assert page.locator("html").get_attribute("lang") == "es"
        facts = page.locator("dl.facts").inner_text()
        assert "Tiempo límite\n10 minutos" in facts and "0 usados de 2 permitidos (quedan 2)" in facts
        assert "Cuenta tu mejor intento." in facts and "Justo después de entregar." in facts
        problems["inicio"] = axe_problems(page.main_frame)

        page.get_by_role("button", name="Empezar el intento 1").click()
        page.get_by_role("heading", name="Pregunta 1 de 3").wait_for(timeout=15000)
        assert "Tiempo restante:" in page.locator("#timer").inner_text()
        with session_scope(demo_stack.app) as session:
            attempt_id = session.scalars(select(Attempt.id)).one()
        keys = correct_responses(demo_stack, attempt_id)
        stem = page.locator("#q1 legend").first.inner_text()
        assert stem.isascii() or "¿" not in stem  # the question stays as written in the bank (English)
        problems["pregunta"] = axe_problems(page.main_frame)
        page.get_by_role("button", name="Mostrar todas las preguntas en una página").click()
        ordering = page.locator('section.question[data-kind="ordering"]')
        ordering.wait_for(timeout=15000)
        assert ordering.locator(".move-down").first.inner_text().startswith("↓ Bajar")
        ordering.locator(".move-down").first.click()
        assert "movido a la posición 2 de" in ordering.locator("[aria-live=polite]").inner_text()
        page.get_by_text("Todas las respuestas guardadas.").wait_for(timeout=15000)
        page.locator(f'#q1 input[value="{keys[1]}"]').check()
        problems["todas las preguntas"] = axe_problems(page.main_frame)
        page.get_by_role("button", name="Revisar y entregar").click()
        page.get_by_role("heading", name="¿Entregar tus respuestas?").wait_for(timeout=15000)
        problems["confirmación"] = axe_problems(page.main_frame)
        page.get_by_role("button", name="Entregar mis respuestas").click()
        page.get_by_role("heading", name="Resultados del intento 1").wait_for(timeout=15000)
        score = page.locator("p.score").inner_text()
        assert re.search(r"Has obtenido \d+(,\d{1,2})? / 7 \(\d+\s%\)\.", score), score
        assert "Calificación en cola para tu curso" in page.locator("p.kept").inner_text()
        summary = page.locator("table.review-summary")
        assert summary.locator("th").first.inner_text() == "Pregunta"
        assert "Correcta" in summary.locator("tbody tr").first.inner_text()
        problems["resultados"] = axe_problems(page.main_frame)
        page.get_by_role("link", name="Volver a la tarea").click()
        page.locator("section[aria-labelledby=student-h] ul").wait_for(timeout=15000)
        wait_for_local_times(page.main_frame)
        mine = page.locator("section[aria-labelledby=student-h] ul").inner_text()
        assert "Intento 1:" in mine and "entregado el" in mine and "tiempo universal coordinado" in mine  # the browser's zone, in Spanish
        problems["inicio con un intento"] = axe_problems(page.main_frame)
    finally:
        browser.close()
    assert not any(problems.values()), problems
