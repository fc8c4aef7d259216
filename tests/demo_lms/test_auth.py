"""OIDC login initiation and the authentication response, checked like a strict platform."""

from __future__ import annotations

import pytest

from tests.demo_lms.conftest import act_as
from tests.demo_lms.conftest import auth_params
from tests.demo_lms.conftest import form_fields
from tests.demo_lms.conftest import start_launch
from tests.demo_lms.conftest import verify_id_token

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def quiz_path(lms, course) -> str:  # noqa: ANN001
    from sqlalchemy import select

    from lti_tool.models.demo_lms import DemoResourceLink

    with lms.db() as session:
        link_pk = session.scalars(select(DemoResourceLink.id)).one()
    return f"links/{link_pk}/launch"


def test_login_initiation_carries_the_lti_parameters(lms, course) -> None:  # noqa: ANN001
    act_as(lms, course, course.students[0])
    login = start_launch(lms, course, quiz_path(lms, course), storage="1")
    assert login["iss"] == lms.url
    assert login["client_id"] == lms.client_id
    assert login["lti_deployment_id"] == lms.facts["deployment_id"] == "1"
    assert login["target_link_uri"] == lms.tool.url + "/lti/launch"
    assert login["login_hint"] == course.students[0]
    assert login["lti_message_hint"]
    assert login["lti_storage_target"] == "_parent"
    without_storage = start_launch(lms, course, quiz_path(lms, course), storage="0")
    assert "lti_storage_target" not in without_storage


def test_auth_answers_with_a_verifiable_id_token(lms, course) -> None:  # noqa: ANN001
    act_as(lms, course, course.students[0])
    login = start_launch(lms, course, quiz_path(lms, course))
    params = auth_params(lms, login)
    response = lms.http.get(lms.facts["auth_login_url"], params=params, timeout=10)
    assert response.status_code == 200, response.text
    assert "<noscript><button" in response.text
    action, fields = form_fields(response.text)
    assert action == params["redirect_uri"]
    assert fields["state"] == params["state"]
    claims = verify_id_token(lms, fields["id_token"])
    assert claims["aud"] == [lms.client_id]
    assert "azp" not in claims
    assert claims["sub"] == course.students[0]
    assert claims["nonce"] == params["nonce"]
    assert claims["exp"] - claims["iat"] == 300
    assert claims["given_name"] == "Ana" and claims["email"] == "ana.lima@example.edu"
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == "1"
    assert claims[LTI + "roles"][0] == "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    assert claims[LTI + "resource_link"] == {"id": course.quiz_link_id, "title": "Quiz: the therapeutic relationship"}
    assert claims[LTI + "custom"] == {"pools": "components:5,barriers:5,comparison:5", "attempts": "2"}
    assert claims[LTI + "context"]["title"] == "NURS 101 — Therapeutic Relationships"
    assert claims[LTI + "launch_presentation"]["document_target"] == "iframe"
    ags = claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
    assert ags["lineitem"] == course.quiz_lineitem_url
    assert ags["lineitems"] == course.lineitems_url
    assert len(ags["scope"]) == 4
    nrps = claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"]
    assert nrps == {"context_memberships_url": course.memberships_url, "service_versions": ["2.0"]}
    # POST works too (Canvas accepts both); GET is what Moodle's SameSite=Lax cookies need.
    assert lms.http.post(lms.facts["auth_login_url"], data=params, timeout=10).status_code == 200


def test_launch_options_add_audiences_with_azp_and_withhold_pii(lms, course) -> None:  # noqa: ANN001
    lms.post(lms.url + "/admin/settings", json={"launch_options": {"extra_audiences": ["someone-else"], "include_name": False, "include_email": False}}).raise_for_status()
    act_as(lms, course, course.instructor)
    login = start_launch(lms, course, quiz_path(lms, course))
    _, fields = form_fields(lms.http.get(lms.facts["auth_login_url"], params=auth_params(lms, login), timeout=10).text)
    claims = verify_id_token(lms, fields["id_token"])
    assert claims["aud"] == [lms.client_id, "someone-else"]
    assert claims["azp"] == lms.client_id
    assert not {"name", "given_name", "family_name", "email"} & set(claims)
    assert claims[LTI + "roles"][0].endswith("#Instructor")


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"client_id": "unknown-client"}, "Unknown client_id"),
        ({"redirect_uri": "TOOL/lti/launch/"}, "redirect_uri"),
        ({"redirect_uri": "TOOL/lti/launch?x=1"}, "redirect_uri"),
        ({"redirect_uri": "http://evil.example/lti/launch"}, "redirect_uri"),
        ({"response_type": "code"}, "response_type"),
        ({"response_mode": "query"}, "response_mode"),
        ({"prompt": None}, "prompt"),
        ({"scope": "profile"}, "openid"),
        ({"nonce": None}, "nonce"),
        ({"login_hint": None}, "login_hint"),
        ({"login_hint": "OTHER"}, "login_hint"),
        ({"lti_message_hint": "TAMPERED"}, "lti_message_hint"),
        ({"lti_message_hint": None}, "lti_message_hint"),
    ],
)
def test_auth_refuses_bad_requests(lms, course, override, fragment) -> None:  # noqa: ANN001
    act_as(lms, course, course.students[0])
    login = start_launch(lms, course, quiz_path(lms, course))
    for name, value in list(override.items()):
        if isinstance(value, str):
            value = value.replace("TOOL", lms.tool.url)
            if value == "OTHER":
                value = course.students[1]
            if value == "TAMPERED":
                value = login["lti_message_hint"][:-2] + ("AA" if not login["lti_message_hint"].endswith("AA") else "BB")
        override[name] = value
    response = lms.http.get(lms.facts["auth_login_url"], params=auth_params(lms, login, **override), timeout=10)
    assert response.status_code == 400
    assert fragment in response.text
    assert 'name="id_token"' not in response.text


def test_launch_requires_a_chosen_enrolled_person(lms, course) -> None:  # noqa: ANN001
    response = lms.http.get(f"{lms.url}/course/{course.course_id}/{quiz_path(lms, course)}", allow_redirects=False, timeout=10)
    assert response.status_code == 403


def test_platform_jwks_and_key_rotation(lms, course) -> None:  # noqa: ANN001
    before = lms.get(lms.url + "/jwks").json()["keys"]
    assert len(before) == 1 and before[0]["kty"] == "RSA" and before[0]["alg"] == "RS256"
    new_kid = lms.post(lms.url + "/admin/rotate-key", json={}).json()["kid"]
    after = lms.get(lms.url + "/jwks").json()["keys"]
    assert [k["kid"] for k in after] == [before[0]["kid"], new_kid]
    act_as(lms, course, course.students[0])
    login = start_launch(lms, course, quiz_path(lms, course))
    _, fields = form_fields(lms.http.get(lms.facts["auth_login_url"], params=auth_params(lms, login), timeout=10).text)
    import jwt

    assert jwt.get_unverified_header(fields["id_token"])["kid"] == new_kid
    verify_id_token(lms, fields["id_token"])


def test_course_pages_render(lms, course) -> None:  # noqa: ANN001
    index = lms.http.get(lms.url + "/", timeout=10)
    assert index.status_code == 200 and "NURS 101" in index.text
    act_as(lms, course, course.instructor)
    page = lms.http.get(f"{lms.url}/course/{course.course_id}", timeout=10).text
    assert "Open the quiz" in page and "Add activity" in page and 'name="tool-frame"' in page
    assert lms.http.get(f"{lms.url}/course/{course.course_id}/gradebook", timeout=10).status_code == 200
    assert lms.http.get(lms.url + "/admin/", timeout=10).status_code == 200
    act_as(lms, course, course.students[0])
    assert lms.http.get(f"{lms.url}/course/{course.course_id}/gradebook", timeout=10).status_code == 403


def test_the_storage_toggle_on_the_course_page(lms, course) -> None:  # noqa: ANN001
    act_as(lms, course, course.students[0])
    page = f"{lms.url}/course/{course.course_id}"
    checked = lms.http.get(page, params=[("storage", "0"), ("storage", "1")], timeout=10).text
    assert 'data-enabled="true"' in checked and "storage=1" in checked
    unchecked = lms.http.get(page, params={"storage": "0"}, timeout=10).text
    assert 'data-enabled="false"' in unchecked and "storage=0" in unchecked
