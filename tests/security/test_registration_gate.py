"""Registration is gated: without a valid, unused, unexpired one-time link nothing is fetched,
posted or stored (production's default, REGISTRATION_OPEN false)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from lti_tool.cli import cli
from lti_tool.db import session_scope
from lti_tool.models.base import utcnow
from tests.lti.test_browser_launch import playwright_instance  # noqa: F401 - the fixture
from tests.lti.test_platform_flows import Browser
from tests.security.fake_lms import FakeLms
from tests.security.test_registration import confirm_and_register
from tests.security.test_registration import platform_rows
from tests.security.test_registration import register_url


@pytest.fixture
def stack_config() -> dict[str, Any]:
    return {"REGISTRATION_OPEN": False}  # production's default


def make_link(stack, *args: str) -> str:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["platform", "registration-link", *args],
                                obj=ScriptInfo(create_app=lambda: stack.app))
    assert result.exit_code == 0, result.output
    return result.stdout.strip().rsplit("/", 1)[-1]


def test_registration_without_a_link_is_refused_without_any_fetch(demo_stack, live_server) -> None:  # noqa: ANN001
    lms = FakeLms().start(live_server)
    for method in ("GET", "POST"):
        page = Browser().go(method, register_url(demo_stack, lms.url + "/.well-known/openid-configuration"))
        assert page.status_code == 403 and "quiztool platform registration-link" in page.text
    assert lms.received == []


def test_a_one_time_link_registers_once_and_refuses_bad_links_without_any_fetch(
        demo_stack, live_server) -> None:  # noqa: ANN001
    lms = FakeLms().start(live_server)
    config = lms.url + "/.well-known/openid-configuration"
    for bad in ("made-up", "x" * 5000):
        assert Browser().go("GET", register_url(demo_stack, config, link=bad)).status_code in (403, 404)
    assert lms.received == []
    link = make_link(demo_stack, "--expires", "2h", "--note", "test Moodle")
    done = confirm_and_register(Browser(), register_url(demo_stack, config, link=link))
    assert done.status_code == 200, done.text[:800]
    registered = [p for p in platform_rows(demo_stack) if p["issuer"] == lms.url]
    assert len(registered) == 1 and registered[0]["key_set_url"] == lms.url + "/jwks"
    asked = len(lms.received)
    again = Browser().go("GET", register_url(demo_stack, config, link=link))
    assert again.status_code == 403 and "already used" in again.text
    assert len(lms.received) == asked  # a used link fetches nothing either
    from lti_tool.models.platform import RegistrationLink

    with session_scope(demo_stack.app) as session:
        row = session.scalars(select(RegistrationLink)).one()
        assert row.platform_id == registered[0]["id"] and row.note == "test Moodle"


def test_an_expired_link_is_refused(demo_stack, live_server) -> None:  # noqa: ANN001
    lms = FakeLms().start(live_server)
    link = make_link(demo_stack, "--expires", "1h")
    from lti_tool.models.platform import RegistrationLink

    with session_scope(demo_stack.app) as session:
        session.scalars(select(RegistrationLink)).one().expires_at = utcnow() - timedelta(seconds=1)
    page = Browser().go("GET", register_url(demo_stack, lms.url + "/.well-known/openid-configuration", link=link))
    assert page.status_code == 403 and "expired" in page.text
    assert lms.received == []


def test_a_refused_registration_gives_the_link_back(demo_stack, live_server) -> None:  # noqa: ANN001
    lms = FakeLms().start(live_server)
    lms.client_id = ""  # an LMS that answers without a client id
    config = lms.url + "/.well-known/openid-configuration"
    link = make_link(demo_stack)
    first = confirm_and_register(Browser(), register_url(demo_stack, config, link=link))
    assert first.status_code == 400 and "without a client_id" in first.text
    lms.client_id = "now-it-works"
    second = confirm_and_register(Browser(), register_url(demo_stack, config, link=link))
    assert second.status_code == 200, second.text[:500]


@pytest.mark.browser
def test_the_registration_pages_work_with_the_keyboard_and_pass_axe(demo_stack, playwright_instance) -> None:  # noqa: ANN001, F811
    """An admin registers from the LMS's frame with the keyboard only; the confirmation and the
    refusal pages have no serious accessibility problem."""
    from tests.lti.test_browser_launch import open_browser
    from tests.support.axe import AXE
    from tests.support.axe import axe_problems

    if not AXE.exists():
        pytest.skip("node_modules/axe-core missing: scripts/test runs npm ci")
    link = make_link(demo_stack)
    browser = open_browser(playwright_instance, block_third_party_cookies=False)
    try:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{demo_stack.lms_url}/admin/")
        page.fill("#registration_url", f"{demo_stack.tool_url}/lti/register/{link}")
        page.click("form[action$='register-by-url'] button")
        frame = page.frame_locator("#registration-frame")
        frame.get_by_text("asks to register this tool").wait_for(timeout=15000)
        tool_frame = page.frame(name="registration-frame") or next(f for f in page.frames if "/lti/register/" in f.url)
        assert axe_problems(tool_frame) == []
        frame.locator("#auto_deployments").focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        assert tool_frame.evaluate("() => document.activeElement.id") == "register"
        page.keyboard.press("Enter")
        page.wait_for_url("**/admin/?registration=*", timeout=15000)
        refused = browser.new_page(viewport={"width": 375, "height": 800})
        refused.goto(f"{demo_stack.tool_url}/lti/register/{link}")
        assert "already used" in refused.content()
        assert axe_problems(refused) == []
    finally:
        browser.close()
    with session_scope(demo_stack.app) as session:
        from lti_tool.models.platform import Platform

        newest = session.scalars(select(Platform).order_by(Platform.id.desc())).first()
        assert newest.registered_via == "dynamic" and newest.auto_register_deployments is True
