"""Dynamic Registration cannot be used to take over a platform, to reach other servers, or at all
without the admin's one-time link."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.platform import Platform
from tests.lti.test_platform_flows import Browser
from tests.lti.test_platform_flows import hidden_fields
from tests.security.fake_lms import FakeLms


def register_url(stack, config_url: str, *, link: str = "") -> str:  # noqa: ANN001
    path = f"/lti/register/{link}" if link else "/lti/register"
    return f"{stack.tool_url}{path}?openid_configuration={config_url}&registration_token=lms-token"


def platform_rows(stack) -> list[dict[str, Any]]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        return [{c: getattr(p, c) for c in ("id", "issuer", "client_id", "auth_login_url", "auth_token_url",
                                            "key_set_url", "active")}
                for p in session.scalars(select(Platform).order_by(Platform.id))]


def confirm_and_register(browser: Browser, url: str):  # noqa: ANN201
    """What the admin does in the LMS's frame: open the URL, press Register."""
    confirm = browser.go("GET", url)
    if confirm.status_code != 200:
        return confirm
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', confirm.text).group(1))
    return browser.go("POST", url.split("/lti/", 1)[0] + action, hidden_fields(confirm.text))


# -- takeover ---------------------------------------------------------------------------------------
def test_an_impostor_configuration_for_a_registered_issuer_and_client_id_changes_nothing(
        demo_stack, live_server) -> None:  # noqa: ANN001
    """The attack of issue #11: the impostor claims the demo LMS's issuer and answers with its
    (public) client id, hoping the tool overwrites the endpoints and keys with its own."""
    before = platform_rows(demo_stack)
    impostor = FakeLms(configuration={"issuer": demo_stack.facts["issuer"]}, client_id=demo_stack.facts["client_id"])
    impostor.start(live_server)
    answer = confirm_and_register(Browser(), register_url(demo_stack, impostor.url + "/.well-known/openid-configuration"))
    assert answer.status_code in (400, 409)
    assert platform_rows(demo_stack) == before
    assert impostor.registrations == []  # refused before anything was posted


def test_a_registration_naming_an_existing_client_is_refused_and_names_the_platform(
        demo_stack, live_server) -> None:  # noqa: ANN001
    """Even an LMS on its own host cannot re-register a client id the tool knows."""
    lms = FakeLms().start(live_server)
    lms.client_id = "known-client"
    with session_scope(demo_stack.app) as session:
        session.add(Platform(issuer=lms.url, client_id="known-client", name="Moodle of the test",
                             auth_login_url=lms.url + "/auth", auth_token_url=lms.url + "/token",
                             key_set_url=lms.url + "/original-jwks"))
    before = platform_rows(demo_stack)
    answer = confirm_and_register(Browser(), register_url(demo_stack, lms.url + "/.well-known/openid-configuration"))
    assert answer.status_code == 409
    assert "already registered as platform" in answer.text and "quiztool platform update" in answer.text
    assert platform_rows(demo_stack) == before


@pytest.mark.parametrize("field", ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                                   "registration_endpoint"])
def test_an_issuer_or_endpoint_on_another_host_is_refused_before_anything_is_posted(
        demo_stack, live_server, field) -> None:  # noqa: ANN001
    elsewhere = "http://localhost:9/" + field  # another host than the configuration's 127.0.0.1
    lms = FakeLms(configuration={field: elsewhere if field != "issuer" else "http://localhost:9"}).start(live_server)
    before = platform_rows(demo_stack)
    page = Browser().go("GET", register_url(demo_stack, lms.url + "/.well-known/openid-configuration"))
    assert page.status_code == 400 and "nothing was stored" in page.text
    assert field in page.text or "issuer" in page.text
    assert lms.registrations == [] and platform_rows(demo_stack) == before
