"""The OAuth2 token endpoint verifies the tool's client assertion like a strict platform."""

from __future__ import annotations

import pytest

from lti_tool.demo_lms.setup import AGS_SCORE
from lti_tool.demo_lms.setup import register_tool
from tests.demo_lms.conftest import NO_USER_AGENT
from tests.demo_lms.conftest import ToolKey


def _stats(lms) -> dict:  # noqa: ANN001
    return lms.get(lms.url + "/admin/stats").json()["counters"]


def test_good_assertion_gets_a_bearer_token_and_is_counted(lms) -> None:  # noqa: ANN001
    response = lms.request_token(scope=AGS_SCORE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == AGS_SCORE
    assert body["access_token"]
    assert response.headers["Cache-Control"] == "no-store"
    lms.request_token(scope=AGS_SCORE)
    counters = _stats(lms)
    assert counters["token_requests"] == 2
    assert counters["tokens_issued"] == 2


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"aud": "TOKEN/"}, id="aud-with-trailing-slash"),
        pytest.param({"aud": "https://elsewhere.example/token"}, id="aud-elsewhere"),
        pytest.param({"sub": "someone-else"}, id="sub-not-client-id"),
        pytest.param({"exp": 1000}, id="expired"),
        pytest.param({"jti": None}, id="no-jti"),
        pytest.param({"exp": None}, id="no-exp"),
    ],
)
def test_bad_assertions_are_refused_with_invalid_client(lms, overrides) -> None:  # noqa: ANN001
    if overrides.get("aud") == "TOKEN/":
        overrides = {"aud": lms.facts["auth_token_url"] + "/"}
    response = lms.request_token(lms.assertion(**overrides))
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]


def test_a_jti_is_single_use(lms) -> None:  # noqa: ANN001
    assertion = lms.assertion()
    assert lms.request_token(assertion).status_code == 200
    replay = lms.request_token(assertion)
    assert replay.status_code == 401
    assert "jti" in replay.json()["error_description"]


def test_signature_by_another_key_with_the_registered_kid_is_refused(lms, tool_key) -> None:  # noqa: ANN001
    impostor = ToolKey.generate(kid=tool_key.kid)
    response = lms.request_token(lms.assertion(key=impostor))
    assert response.status_code == 401
    assert "signature" in response.json()["error_description"]


def test_unknown_client_and_garbage_assertions(lms) -> None:  # noqa: ANN001
    unknown = lms.request_token(lms.assertion(iss="nobody", sub="nobody"))
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"
    garbage = lms.request_token("not-a-jwt")
    assert garbage.status_code == 400
    assert garbage.json()["error"] == "invalid_request"


def test_hs256_assertion_is_refused(lms) -> None:  # noqa: ANN001
    import jwt

    forged = jwt.encode({"iss": lms.client_id, "sub": lms.client_id, "aud": lms.facts["auth_token_url"], "exp": 9999999999, "iat": 1, "jti": "x"}, "secret-that-is-long-enough-for-hs256!", algorithm="HS256")
    response = lms.request_token(forged)
    assert response.status_code == 401
    assert "RS256" in response.json()["error_description"]


def test_grant_type_and_assertion_type_are_checked(lms) -> None:  # noqa: ANN001
    wrong_grant = lms.request_token(grant_type="password")
    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
    wrong_type = lms.request_token(client_assertion_type="urn:other")
    assert wrong_type.status_code == 400
    assert wrong_type.json()["error"] == "invalid_request"


def test_scopes_moodle_grants_the_registered_subset_canvas_refuses_extra(lms) -> None:  # noqa: ANN001
    extra = f"{AGS_SCORE} https://example.com/scope/unknown"
    moodle = lms.request_token(scope=extra)
    assert moodle.status_code == 200
    assert moodle.json()["scope"] == AGS_SCORE
    assert lms.request_token(scope="https://example.com/scope/unknown").json()["error"] == "invalid_scope"
    lms.post(lms.url + "/admin/settings", json={"flavour": "canvas"}).raise_for_status()
    canvas = lms.request_token(scope=extra)
    assert canvas.status_code == 400
    assert canvas.json()["error"] == "invalid_scope"


def test_unknown_kid_makes_the_platform_refetch_the_tool_jwks(lms) -> None:  # noqa: ANN001
    assert lms.request_token().status_code == 200
    hits = lms.tool.jwks_hits
    rotated = ToolKey.generate("tool-key-2")
    lms.tool.keys.append(rotated)
    response = lms.request_token(lms.assertion(key=rotated))
    assert response.status_code == 200, response.text
    assert lms.tool.jwks_hits == hits + 1
    # The refreshed set is cached: the next assertion with that key needs no fetch.
    assert lms.request_token(lms.assertion(key=rotated)).status_code == 200
    assert lms.tool.jwks_hits == hits + 1


def test_a_pasted_public_jwk_works_without_a_jwks_url(lms) -> None:  # noqa: ANN001
    pasted = ToolKey.generate("pasted")
    with lms.db() as session:
        tool = register_tool(
            session,
            name="Pasted-key tool",
            initiate_login_uri="http://localhost:1/login",
            redirect_uris=["http://localhost:1/launch"],
            target_link_uri="http://localhost:1/launch",
            public_jwk=pasted.public_jwk,
        )
        client_id = tool.client_id
    good = lms.request_token(lms.assertion(key=pasted, iss=client_id, sub=client_id))
    assert good.status_code == 200, good.text
    other = ToolKey.generate("pasted")
    bad = lms.request_token(lms.assertion(key=other, iss=client_id, sub=client_id))
    assert bad.status_code == 401


def test_user_agent_is_required(lms) -> None:  # noqa: ANN001
    response = lms.http.post(
        lms.facts["auth_token_url"],
        data={"grant_type": "client_credentials"},
        headers=NO_USER_AGENT,
        timeout=10,
    )
    assert response.status_code == 403
    assert "User-Agent" in response.json()["error_description"]
