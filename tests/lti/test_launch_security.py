"""Every launch check of LTI 1.3 and the 1EdTech certification suite, over real HTTP.

Tokens are signed with the demo LMS's real key (or deliberately with a wrong one) and POSTed to
the running tool after a real OIDC login, so state, nonce and cookies are the tool's own.
"""

from __future__ import annotations

import logging
import re
import time
from html import unescape
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.db import session_scope
from lti_tool.demo_lms import keys as demo_keys
from lti_tool.models.platform import Deployment
from lti_tool.services import platforms
from tests.support.lti_flow import INSTRUCTOR
from tests.support.lti_flow import REMOVE
from tests.support.lti_flow import sign

pytestmark = pytest.mark.usefixtures("demo_stack")


def refusal_code(response) -> str:  # noqa: ANN001
    match = re.search(r"Reference for support: <code>([a-z_]+)</code>", response.text)
    return match.group(1) if match else f"<no refusal: {response.status_code}>"


def launch(stack, *, with_cookie: bool = True, login_overrides=None, **claim_overrides):  # noqa: ANN001, ANN201
    driver = stack.driver()
    login = driver.login(**(login_overrides or {}))
    assert login.response.status_code == 302, login.response.text[:300]
    token = stack.sign(driver.claims(login, **claim_overrides))
    return driver, login, driver.post_launch(login, token, with_cookie=with_cookie)


def assert_landed(stack, response, expect: str = "Your quiz"):  # noqa: ANN001, ANN201
    assert response.status_code == 303, (response.status_code, refusal_code(response))
    page = stack.driver().http.get(stack.tool_url + response.headers["Location"], timeout=10)
    assert page.status_code == 200
    assert expect in page.text
    return page


# -- accepted launches (certification "valid" payloads) --------------------------------------------
def test_valid_student_launch_lands_on_the_assignment(demo_stack) -> None:
    _, _, response = launch(demo_stack)
    page = assert_landed(demo_stack, response)
    assert "Ana Lima" in page.text


@pytest.mark.parametrize(
    ("roles", "expect"),
    [
        (["Instructor"], "Instructor view"),  # short role names
        (["Learner"], "Your quiz"),
        ([INSTRUCTOR, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Mentor"], "Instructor view"),
        (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], "Instructor view"),
        (["http://example.com/unknown#Role", "Learner"], "Your quiz"),  # unknown role added
        ([""], "Your quiz"),  # roles: [""] is valid; treated as a learner
    ],
)
def test_role_variants_are_accepted(demo_stack, roles, expect) -> None:
    _, _, response = launch(demo_stack, claim_roles=roles)
    assert_landed(demo_stack, response, expect)


def test_launch_without_name_email_or_context_is_accepted(demo_stack) -> None:
    _, _, response = launch(demo_stack, name=REMOVE, email=REMOVE, claim_context=REMOVE)
    page = assert_landed(demo_stack, response)
    assert "a student of this course" in page.text


def test_new_resource_link_is_recorded_on_first_launch(demo_stack) -> None:
    _, _, response = launch(demo_stack, claim_resource_link={"id": "brand-new-link", "title": "Second quiz"})
    page = assert_landed(demo_stack, response)
    assert "Second quiz" in page.text


def test_several_audiences_with_matching_azp_are_accepted(demo_stack) -> None:
    client_id = demo_stack.facts["client_id"]
    _, _, response = launch(demo_stack, aud=[client_id, "another-tool"], azp=client_id)
    assert_landed(demo_stack, response)


def test_small_clock_skew_is_tolerated(demo_stack) -> None:
    _, _, response = launch(demo_stack, iat=int(time.time()) + 20)
    assert_landed(demo_stack, response)


# -- refused launches: each answers a clear 4xx with a reason code --------------------------------
@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"claim_version": "11.3"}, 400, "message_invalid"),  # B3
        ({"claim_version": REMOVE}, 400, "message_invalid"),  # B4
        ({"aud": REMOVE}, 400, "message_invalid"),  # B6
        ({"iss": REMOVE}, 400, "message_invalid"),
        ({"sub": REMOVE}, 400, "message_invalid"),  # B12
        ({"claim_deployment_id": REMOVE}, 400, "message_invalid"),  # B10
        ({"claim_roles": REMOVE}, 400, "message_invalid"),  # B9
        ({"iat": 11111, "exp": 22222}, 401, "token_expired"),  # B7
        ({"claim_message_type": REMOVE}, 400, "message_invalid"),  # B8
        ({"claim_resource_link": REMOVE}, 400, "message_invalid"),  # B11
        ({"exp": REMOVE}, 400, "message_invalid"),
        ({"iat": int(time.time()) + 3600}, 401, "token_expired"),
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) + 300}, 401, "token_expired"),
        ({"iss": "https://evil.example"}, 400, "platform_unknown"),
        ({"aud": ["someone-else"]}, 400, "platform_unknown"),
        ({"aud": ["CLIENT", "another-tool"]}, 401, "token_audience"),  # several aud, no azp
        ({"aud": ["CLIENT", "another-tool"], "azp": "another-tool"}, 401, "token_audience"),
        ({"nonce": "never-issued"}, 400, "nonce_invalid"),
        ({"claim_target_link_uri": "https://elsewhere.example/lti/launch"}, 400, "target_mismatch"),
        ({"claim_message_type": "LtiSubmissionReviewRequest"}, 400, "message_unsupported"),
        ({"claim_roles": "Learner"}, 400, "message_invalid"),
    ],
)
def test_bad_claims_are_refused(demo_stack, overrides, status, code) -> None:
    client_id = demo_stack.facts["client_id"]
    overrides = {k: ([client_id if a == "CLIENT" else a for a in v] if k == "aud" and isinstance(v, list) else v)
                 for k, v in overrides.items()}
    _, _, response = launch(demo_stack, **overrides)
    assert (response.status_code, refusal_code(response)) == (status, code)
    assert "Go back to your course" in response.text or code in ("platform_unknown", "message_unsupported", "target_mismatch")


def test_token_without_kid_is_refused(demo_stack) -> None:  # B1
    driver = demo_stack.driver()
    login = driver.login()
    private_pem, _ = demo_stack.demo_private_key()
    response = driver.post_launch(login, sign(driver.claims(login), private_pem, kid=None))
    assert (response.status_code, refusal_code(response)) == (401, "token_signature")


def _other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_unknown_kid_is_refused_after_one_refetch(demo_stack) -> None:  # B2
    driver = demo_stack.driver()
    login = driver.login()
    response = driver.post_launch(login, sign(driver.claims(login), _other_key(), kid="imstester_66067"))
    assert (response.status_code, refusal_code(response)) == (401, "token_signature")


def test_right_kid_wrong_key_is_refused(demo_stack) -> None:
    driver = demo_stack.driver()
    login = driver.login()
    _, kid = demo_stack.demo_private_key()
    response = driver.post_launch(login, sign(driver.claims(login), _other_key(), kid=kid))
    assert (response.status_code, refusal_code(response)) == (401, "token_signature")


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_only_rs256_is_accepted(demo_stack, alg) -> None:
    import jwt

    driver = demo_stack.driver()
    login = driver.login()
    _, kid = demo_stack.demo_private_key()
    claims = driver.claims(login)
    token = jwt.encode(claims, None if alg == "none" else "a-shared-secret-of-enough-length-000", algorithm=alg,
                       headers={"kid": kid})
    response = driver.post_launch(login, token)
    assert (response.status_code, refusal_code(response)) == (401, "token_signature")


def test_garbage_token_is_refused(demo_stack) -> None:  # B5
    driver = demo_stack.driver()
    login = driver.login()
    import base64

    json_list = base64.urlsafe_b64encode(b"[1, 2]").decode().rstrip("=")
    for token in ("not-a-jwt", "a.b.c", "", f"{json_list}.{json_list}.sig"):
        response = driver.post_launch(login, token)
        assert response.status_code == 400, token
        assert refusal_code(response) == "token_malformed"


def test_platform_key_rotation_is_followed(demo_stack) -> None:
    _, _, first = launch(demo_stack)  # caches the platform's JWKS
    assert first.status_code == 303
    with demo_stack.app.app_context(), session_scope(demo_stack.app) as session:
        demo_keys.rotate_key(session)
    _, _, second = launch(demo_stack)  # signed with a kid the cache does not have
    assert_landed(demo_stack, second)


def test_replayed_launch_is_refused(demo_stack) -> None:
    driver = demo_stack.driver()
    login = driver.login()
    token = demo_stack.sign(driver.claims(login))
    assert driver.post_launch(login, token).status_code == 303
    replay = driver.post_launch(login, token)
    assert (replay.status_code, refusal_code(replay)) == (400, "launch_replayed")


def test_missing_and_unknown_state_are_refused(demo_stack) -> None:
    driver = demo_stack.driver()
    login = driver.login()
    token = demo_stack.sign(driver.claims(login))
    login.state = ""
    missing = driver.post_launch(login, token)
    assert (missing.status_code, refusal_code(missing)) == (400, "state_missing")
    login.state = "state-forged"
    unknown = driver.post_launch(login, token)
    assert (unknown.status_code, refusal_code(unknown)) == (400, "state_unknown")


def test_refusals_are_logged_with_issuer_client_and_reason(demo_stack, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="lti_tool")
    launch(demo_stack, claim_version="11.3")
    lines = [r.getMessage() for r in caplog.records if "launch refused" in r.getMessage()]
    assert lines, "no log line for the refusal"
    assert f"iss={demo_stack.facts['issuer']}" in lines[-1]
    assert f"client_id={demo_stack.facts['client_id']}" in lines[-1]
    assert "deployment_id=1" in lines[-1]
    assert "reason=message_invalid" in lines[-1]


# -- login ------------------------------------------------------------------------------------------
def test_login_refuses_missing_and_unknown_issuer(demo_stack) -> None:
    driver = demo_stack.driver()
    missing = driver.login(iss=None)
    assert (missing.response.status_code, refusal_code(missing.response)) == (400, "login_params_missing")
    unknown = driver.login(iss="https://unknown.example", client_id="x")
    assert (unknown.response.status_code, refusal_code(unknown.response)) == (400, "platform_unknown")


def test_login_redirects_with_get_and_sets_an_iframe_proof_cookie(demo_stack) -> None:
    login = demo_stack.driver().login()
    assert login.response.status_code == 302
    assert login.auth_url.startswith(demo_stack.facts["auth_login_url"] + "?")
    set_cookie = login.response.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=None", "Partitioned"):
        assert attribute in set_cookie


# -- state bound to the browser: cookie, platform storage, or a new window --------------------------
def test_without_cookie_or_platform_storage_the_launch_offers_a_new_window(demo_stack) -> None:
    driver, login, response = launch(demo_stack, with_cookie=False)
    assert response.status_code == 200
    match = re.search(r'href="(/lti/login\?[^"]+)"[^>]*target="_blank"', response.text)
    assert match, response.text[:500]
    relaunch = driver.http.get(demo_stack.tool_url + match.group(1).replace("&amp;", "&"), allow_redirects=False)
    assert relaunch.status_code == 302  # a fresh login in the new window
    assert "lti_storage_target" not in match.group(1)


def test_platform_storage_proof_completes_a_cookieless_launch(demo_stack) -> None:
    driver = demo_stack.driver()
    login_page = driver.http.get(
        demo_stack.tool_url + "/lti/login",
        params={"iss": demo_stack.facts["issuer"], "login_hint": "u", "client_id": demo_stack.facts["client_id"],
                "target_link_uri": demo_stack.tool_url + "/lti/launch", "lti_storage_target": "_parent"},
        allow_redirects=False,
    )
    assert login_page.status_code == 200  # a page that leaves a secret in the platform's frame
    state = re.search(r'data-key="([^"]+)"', login_page.text).group(1)
    secret = re.search(r'data-value="([^"]+)"', login_page.text).group(1)
    auth_url = unescape(re.search(r'data-next="([^"]+)"', login_page.text).group(1))
    nonce = parse_qs(urlsplit(auth_url).query)["nonce"][0]
    assert f'data-origin="http://127.0.0.1:{demo_stack.port}"' in login_page.text
    assert secret not in auth_url and secret != state and secret not in nonce
    from tests.support.lti_flow import Login

    login = Login(state, nonce, "", {}, login_page)
    token = demo_stack.sign(driver.claims(login))
    check = driver.post_launch(login, token, with_cookie=False)
    assert check.status_code == 200 and 'data-mode="check"' in check.text
    assert secret not in check.text  # the check page must read it from the platform, not from us
    # If the platform's frame never answers (Canvas's mobile apps), a new window is offered.
    assert re.search(r'id="lti-storage-fallback" hidden>\s*<p><a class="button" href="/lti/login\?', check.text)
    wrong = driver.post_launch(login, token, with_cookie=False, extra={"lti_storage_proof": "guessed"})
    assert (wrong.status_code, refusal_code(wrong)) == (400, "state_unknown")
    proven = driver.post_launch(login, token, with_cookie=False, extra={"lti_storage_proof": secret})
    assert_landed(demo_stack, proven)


# -- deployments ------------------------------------------------------------------------------------
def test_new_deployment_is_recorded_on_first_launch(demo_stack) -> None:
    _, _, response = launch(demo_stack, claim_deployment_id="2:4dde05e8ca1973bcca9bffc13e1548820eee93a3")
    assert_landed(demo_stack, response)
    with session_scope(demo_stack.app) as session:
        ids = {d.deployment_id for d in session.query(Deployment)}
    assert "2:4dde05e8ca1973bcca9bffc13e1548820eee93a3" in ids


@pytest.fixture
def stack_config() -> dict:
    return {}


class TestApprovalRequired:
    def test_unknown_deployment_waits_for_approval(self, demo_stack) -> None:
        with session_scope(demo_stack.app) as session:
            platform = platforms.find_platform(session, demo_stack.facts["issuer"], demo_stack.facts["client_id"])
            platforms.update_platform(session, platform.id, {"auto_register_deployments": False})
        _, _, response = launch(demo_stack, claim_deployment_id="99")
        assert (response.status_code, refusal_code(response)) == (403, "deployment_pending")
        _, _, again = launch(demo_stack, claim_deployment_id="99")
        assert refusal_code(again) == "deployment_pending"


def test_successful_launch_clears_its_state_cookie(demo_stack) -> None:
    driver, login, response = launch(demo_stack)
    assert response.status_code == 303
    cleared = response.headers.get("Set-Cookie", "")
    assert f"lti1p3-{login.state}=;" in cleared and "Max-Age=0" in cleared
