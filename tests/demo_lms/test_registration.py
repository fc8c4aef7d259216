"""LTI Dynamic Registration, platform side: configuration, token-guarded registration, the echo."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def open_registration(lms) -> tuple[str, str]:  # noqa: ANN001
    """What the admin's "Register a tool by URL" does: returns (openid_configuration, token)."""
    page = lms.admin_form("/admin/register-by-url", {"registration_url": lms.tool.url + "/lti/register"})
    assert page.status_code == 200
    frame_url = unescape(re.search(r'<iframe id="registration-frame"[^>]*src="([^"]*)"', page.text).group(1))  # type: ignore[union-attr]
    assert frame_url.startswith(lms.tool.url + "/lti/register?")
    query = parse_qs(urlsplit(frame_url).query)
    return query["openid_configuration"][0], query["registration_token"][0]


def registration(lms, **overrides) -> dict:  # noqa: ANN001, ANN003
    tool = lms.tool.url
    domain = urlsplit(tool).netloc
    body = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": f"{tool}/lti/login",
        "redirect_uris": [f"{tool}/lti/launch"],
        "client_name": "Quiz (dynamically registered)",
        "jwks_uri": f"{tool}/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly https://example.com/unsupported",
        TOOL_CONFIG: {
            "domain": domain,
            "target_link_uri": f"{tool}/lti/launch",
            "claims": ["iss", "sub", "name"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": f"{tool}/lti/launch", "placements": ["ContentArea"]}],
            "custom_parameters": {"user": "$User.id"},
        },
    }
    body.update(overrides)
    return body


def test_openid_configuration_describes_the_platform(lms) -> None:  # noqa: ANN001
    config_url, _ = open_registration(lms)
    assert config_url == lms.url + "/.well-known/openid-configuration"
    config = lms.get(config_url).json()
    assert config["issuer"] == lms.url
    assert config["token_endpoint"] == lms.facts["auth_token_url"]
    assert config["authorization_endpoint"] == lms.facts["auth_login_url"]
    assert config["jwks_uri"] == lms.facts["key_set_url"]
    assert config["registration_endpoint"] == lms.url + "/register"
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    platform = config["https://purl.imsglobal.org/spec/lti-platform-configuration"]
    assert platform["product_family_code"] == "quiztool-demo-lms"
    assert {m["type"] for m in platform["messages_supported"]} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert "User.id" in platform["variables"]


def test_registration_creates_a_tool_and_echoes_with_client_id(lms) -> None:  # noqa: ANN001
    _, token = open_registration(lms)
    answer = lms.post(lms.url + "/register", token, json=registration(lms))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["client_id"] and body["client_id"] != lms.client_id
    assert body[TOOL_CONFIG]["deployment_id"] == "2"
    assert body["client_name"] == "Quiz (dynamically registered)"
    assert body["scope"].split() == [
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    ]
    # The token is single use.
    again = lms.post(lms.url + "/register", token, json=registration(lms))
    assert again.status_code == 401
    # The new tool can authenticate at the token endpoint with its key set.
    client_id = body["client_id"]
    ok = lms.request_token(lms.assertion(iss=client_id, sub=client_id), scope="https://purl.imsglobal.org/spec/lti-ags/scope/score")
    assert ok.status_code == 200, ok.text
    admin = lms.http.get(lms.url + "/admin/", timeout=10).text
    assert client_id in admin


def test_registration_needs_a_valid_bearer_token(lms) -> None:  # noqa: ANN001
    assert lms.post(lms.url + "/register", json=registration(lms)).status_code == 401
    assert lms.post(lms.url + "/register", "made-up", json=registration(lms)).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"redirect_uris": []}, "redirect_uris"),
        ({"initiate_login_uri": "not a url"}, "initiate_login_uri"),
        ({"jwks_uri": None}, "jwks_uri"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "token_endpoint_auth_method"),
        ({"response_types": ["code"]}, "id_token"),
        ({"grant_types": ["implicit"]}, "client_credentials"),
        ({TOOL_CONFIG: None}, TOOL_CONFIG),
        ({"redirect_uris": ["https://elsewhere.example/launch"]}, "domain"),
    ],
)
def test_bad_registrations_are_refused_with_the_reason(lms, overrides, fragment) -> None:  # noqa: ANN001
    _, token = open_registration(lms)
    body = {k: v for k, v in registration(lms, **overrides).items() if v is not None}
    answer = lms.post(lms.url + "/register", token, json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client_metadata"
    assert fragment in answer.json()["error_description"]


def test_non_json_registration_is_refused(lms) -> None:  # noqa: ANN001
    _, token = open_registration(lms)
    answer = lms.post(lms.url + "/register", token, data="{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
