"""PostgreSQL restarting: login, launch and pages answer 503 with Retry-After and a page that
says nothing is lost; autosave answers 503 and the quiz page's script saves again once the
database is back."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import demo_people
from tests.attempts.conftest import launch
from tests.lti.test_browser_launch import CHROMIUM
from tests.lti.test_browser_launch import playwright_instance  # noqa: F401 - the fixture
from tests.security.tcp_proxy import TcpProxy


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a database server that restarts is a PostgreSQL test")
    made = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    made.start()
    yield made
    made.stop()


@pytest.fixture
def stack_config(proxy: TcpProxy, database_url: str) -> dict[str, Any]:
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return {"DATABASE_URL": url.render_as_string(hide_password=False)}


def saved_slots(stack, attempt_id: int) -> set[int]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        return {a.slot for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))}


def test_while_the_database_is_down_everything_answers_503_and_nothing_is_lost(demo_stack, proxy) -> None:  # noqa: ANN001
    configure_link(demo_stack, {"pools": "components:3"})
    student = launch(demo_stack, demo_people(demo_stack)["learners"][0])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    assert student.autosave(attempt_id, 1, keys[1]).status_code == 200
    driver = demo_stack.driver()
    login = driver.login()  # a launch under way when the database goes
    token = demo_stack.sign(driver.claims(login))
    proxy.stop()
    try:
        answers = {
            "page": student.get(""),
            "login": demo_stack.driver().login().response,
            "launch": driver.post_launch(login, token),
        }
        save = student.autosave(attempt_id, 2, keys[2])
    finally:
        proxy.start()
    for what, answer in answers.items():
        assert answer.status_code == 503, (what, answer.status_code, answer.text[:300])
        assert answer.headers.get("Retry-After", "").isdigit(), what
        assert "Nothing you saved is lost" in answer.text, what
    assert save.status_code == 503 and save.json()["retry_after"] > 0
    assert student.autosave(attempt_id, 2, keys[2]).status_code == 200
    assert driver.post_launch(login, token).status_code == 303  # the launch under way was not lost either
    assert saved_slots(demo_stack, attempt_id) == {1, 2}


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: scripts/test installs it")
def test_the_quiz_page_saves_again_once_the_database_is_back(demo_stack, proxy, playwright_instance) -> None:  # noqa: ANN001, F811
    from tests.lti.test_browser_launch import open_browser
    from tests.lti.test_browser_launch import open_quiz_as_student

    configure_link(demo_stack, {"pools": "components:2(single)"})
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page()
        frame = open_quiz_as_student(page, demo_stack, storage=False)
        frame.get_by_role("button", name=re.compile("Start attempt")).click()
        frame.locator(".quiz").wait_for(timeout=15000)
        attempt_id = int(re.search(r"/attempts/(\d+)/", page.frame(name="tool-frame").url).group(1))
        proxy.stop()
        try:
            frame.locator("input[type=radio]").first.check()
            frame.get_by_text("Trying again").wait_for(timeout=15000)
        finally:
            proxy.start()
        frame.get_by_text("All answers saved.").wait_for(timeout=20000)
        assert saved_slots(demo_stack, attempt_id) == {1}
    finally:
        browser.close()
