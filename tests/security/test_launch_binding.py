"""A launch is bound to the login that asked for it: its nonce, its browser, its target, once."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from tests.lti.test_launch_security import assert_landed
from tests.lti.test_launch_security import refusal_code
from tests.support.lti_flow import Login


def test_an_id_token_from_one_login_is_refused_with_the_state_and_cookie_of_another(demo_stack) -> None:  # noqa: ANN001
    driver = demo_stack.driver()
    login_a, login_b = driver.login(), driver.login()
    token_of_a = demo_stack.sign(driver.claims(login_a))  # carries login A's nonce
    answer = driver.post_launch(login_b, token_of_a)       # with login B's state and cookie
    assert (answer.status_code, refusal_code(answer)) == (400, "nonce_invalid")
    # Each token still works with its own login (nothing was burnt by the refusal).
    assert_landed(demo_stack, driver.post_launch(login_a, token_of_a))


def test_a_replayed_launch_is_told_it_was_used_not_offered_a_new_window(demo_stack) -> None:  # noqa: ANN001
    driver = demo_stack.driver()
    login = driver.login()
    token = demo_stack.sign(driver.claims(login))
    first = driver.post_launch(login, token)
    assert first.status_code == 303
    assert f"lti1p3-{login.state}=;" in first.headers.get("Set-Cookie", "")  # the browser drops the cookie
    # The same browser posts the same form again (Back, or a reload): its state cookie is gone.
    for with_cookie in (False, True):
        replay = driver.post_launch(login, token, with_cookie=with_cookie)
        assert (replay.status_code, refusal_code(replay)) == (400, "launch_replayed")
        assert "already used" in replay.text and "open the assignment again" in replay.text
        assert "new window" not in replay.text


def _storage_login(stack, **params: str):  # noqa: ANN001, ANN202
    driver = stack.driver()
    query = {"iss": stack.facts["issuer"], "login_hint": "u", "client_id": stack.facts["client_id"],
             "target_link_uri": stack.tool_url + "/lti/launch", **params}
    page = driver.http.get(stack.tool_url + "/lti/login", params=query, allow_redirects=False, timeout=10)
    if page.status_code == 302:
        auth = page.headers["Location"]
    else:
        auth = unescape(re.search(r'data-next="([^"]+)"', page.text).group(1))
    query = parse_qs(urlsplit(auth).query)
    return driver, Login(query["state"][0], query["nonce"][0], auth, dict(page.cookies), page)


def test_forged_platform_storage_proofs_do_not_replace_the_cookie(demo_stack) -> None:  # noqa: ANN001
    """State and nonce are in the id_token's form and claims: whoever holds a token knows them,
    so posting them back as a 'proof' proves nothing about the browser."""
    # 1. A login that asked for platform storage: the forged fields get the check page, not a launch.
    driver, login = _storage_login(demo_stack, lti_storage_target="_parent")
    token = demo_stack.sign(driver.claims(login))
    forged = {"lti_storage_state": login.state, "lti_storage_nonce": login.nonce}
    answer = driver.post_launch(login, token, with_cookie=False, extra=forged)
    assert answer.status_code == 200 and 'data-mode="check"' in answer.text
    # 2. A login without platform storage: no proof of any kind counts.
    driver, login = _storage_login(demo_stack)
    token = demo_stack.sign(driver.claims(login))
    answer = driver.post_launch(login, token, with_cookie=False,
                                extra={"lti_storage_state": login.state, "lti_storage_nonce": login.nonce,
                                       "lti_storage_proof": "anything"})
    assert answer.status_code == 200 and "Open the quiz in a new window" in answer.text
    assert "/s/" not in answer.headers.get("Location", "")


def test_login_refuses_a_target_elsewhere_and_oversized_parameters(demo_stack) -> None:  # noqa: ANN001
    driver = demo_stack.driver()
    elsewhere = driver.login(target_link_uri="https://evil.example/lti/launch")
    assert (elsewhere.response.status_code, refusal_code(elsewhere.response)) == (400, "target_mismatch")
    for name in ("login_hint", "lti_message_hint", "target_link_uri"):
        huge = driver.login(**{name: demo_stack.tool_url + "/lti/launch?" + "a" * 20_000})
        assert huge.response.status_code == 400, name
        assert "a" * 20_000 not in huge.response.headers.get("Location", "")
