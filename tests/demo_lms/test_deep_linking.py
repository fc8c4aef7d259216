"""Deep linking: the request the instructor's "Add activity" sends, and the verified response."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResourceLink
from tests.demo_lms.conftest import ToolKey
from tests.demo_lms.conftest import act_as
from tests.demo_lms.conftest import auth_params
from tests.demo_lms.conftest import form_fields
from tests.demo_lms.conftest import start_launch
from tests.demo_lms.conftest import verify_id_token

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_linking_request(lms, course) -> dict:  # noqa: ANN001
    act_as(lms, course, course.instructor)
    login = start_launch(lms, course, f"tools/{course.tool_id}/deep-link")
    page = lms.http.get(lms.facts["auth_login_url"], params=auth_params(lms, login), timeout=10)
    assert page.status_code == 200, page.text
    _, fields = form_fields(page.text)
    return verify_id_token(lms, fields["id_token"])


def response_claims(lms, request: dict, **overrides) -> dict:  # noqa: ANN001, ANN003
    now = int(time.time())
    claims = {
        "iss": lms.client_id,
        "aud": lms.url,
        "iat": now,
        "exp": now + 600,
        "nonce": uuid.uuid4().hex,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": request[LTI + "deployment_id"],
        DL + "data": request[DL + "deep_linking_settings"]["data"],
        DL + "content_items": [
            {
                "type": "ltiResourceLink",
                "title": "Barriers practice",
                "url": lms.tool.url + "/lti/launch",
                "custom": {"pools": "barriers:10", "attempts": "1"},
                "lineItem": {"scoreMaximum": 10, "label": "Barriers practice", "resourceId": "barriers", "tag": "practice"},
            }
        ],
        DL + "msg": "Added from the bank",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def send(lms, token: str):  # noqa: ANN001, ANN201
    return lms.http.post(lms.url + "/deep-linking/return", data={"JWT": token}, timeout=10)


def test_the_request_carries_deep_linking_settings(lms, course) -> None:  # noqa: ANN001
    request = deep_linking_request(lms, course)
    assert request[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert LTI + "resource_link" not in request
    settings = request[DL + "deep_linking_settings"]
    assert settings["deep_link_return_url"] == lms.url + "/deep-linking/return"
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["accept_multiple"] is False
    assert isinstance(settings["data"], str) and len(settings["data"]) > 20


def test_a_signed_response_creates_the_activity_and_its_line_item(lms, course) -> None:  # noqa: ANN001
    request = deep_linking_request(lms, course)
    response = send(lms, lms.key.sign(response_claims(lms, request)))
    assert response.status_code == 200, response.text
    assert "Barriers practice" in response.text and "Added from the bank" in response.text
    with lms.db() as session:
        link = session.scalars(select(DemoResourceLink).where(DemoResourceLink.title == "Barriers practice")).one()
        assert link.custom == {"pools": "barriers:10", "attempts": "1"}
        item = session.scalars(select(DemoLineItem).where(DemoLineItem.resource_link_pk == link.id)).one()
        assert (item.score_maximum, item.label, item.resource_id, item.tag) == (10, "Barriers practice", "barriers", "practice")
    # The same response again is a replay (nonce and data are single use).
    assert send(lms, lms.key.sign(response_claims(lms, request))).status_code == 400


def test_a_response_signed_by_another_key_is_refused(lms, course) -> None:  # noqa: ANN001
    request = deep_linking_request(lms, course)
    impostor = ToolKey.generate(kid=lms.key.kid)
    response = send(lms, impostor.sign(response_claims(lms, request)))
    assert response.status_code == 400
    assert "signature" in response.text
    with lms.db() as session:
        assert session.scalars(select(DemoResourceLink)).all()[-1].title != "Barriers practice"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"aud": "https://other-platform.example"}, "Audience"),
        ({"iss": "another-client"}, "iss"),
        ({"nonce": None}, "nonce"),
        ({"exp": 1000, "iat": 900}, "expired"),
        ({LTI + "deployment_id": "999"}, "deployment_id"),
        ({LTI + "message_type": "LtiResourceLinkRequest"}, "message_type"),
        ({DL + "data": "not-what-we-sent"}, "data"),
        ({DL + "data": None}, "data"),
        ({DL + "content_items": [{"type": "link", "url": "https://x.example"}]}, "ltiResourceLink"),
        ({DL + "content_items": [{"type": "ltiResourceLink"}, {"type": "ltiResourceLink"}]}, "accept_multiple"),
        ({DL + "content_items": [{"type": "ltiResourceLink", "lineItem": {"label": "no max"}}]}, "scoreMaximum"),
    ],
)
def test_bad_responses_are_refused(lms, course, overrides, fragment) -> None:  # noqa: ANN001
    request = deep_linking_request(lms, course)
    response = send(lms, lms.key.sign(response_claims(lms, request, **overrides)))
    assert response.status_code == 400
    assert fragment in response.text


def test_an_empty_response_adds_nothing(lms, course) -> None:  # noqa: ANN001
    request = deep_linking_request(lms, course)
    response = send(lms, lms.key.sign(response_claims(lms, request, **{DL + "content_items": []})))
    assert response.status_code == 200
    assert "No activity was added" in response.text


def test_students_cannot_add_activities(lms, course) -> None:  # noqa: ANN001
    act_as(lms, course, course.students[0])
    response = lms.http.get(f"{lms.url}/course/{course.course_id}/tools/{course.tool_id}/deep-link", allow_redirects=False, timeout=10)
    assert response.status_code == 403
