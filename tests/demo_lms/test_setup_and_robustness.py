"""ensure_demo is idempotent, and no input from a tool or a tester makes the platform answer 500."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from lti_tool.models.demo_lms import DemoUser
from lti_tool.demo_lms.setup import ensure_demo


def test_ensure_demo_is_idempotent_and_follows_the_tool_url(lms) -> None:  # noqa: ANN001
    with lms.db() as session:
        again = ensure_demo(session, lms_url=lms.url + "/", tool_url=lms.tool.url)
    assert again == lms.facts
    assert set(again) == {"issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url", "deployment_id", "name"}
    with lms.db() as session:
        moved = ensure_demo(session, lms_url=lms.url, tool_url="http://localhost:9999/")
        counts = [session.scalar(select(func.count()).select_from(m)) for m in (DemoUser, DemoEnrollment, DemoResourceLink, DemoLineItem, DemoTool)]
        tool = session.scalars(select(DemoTool)).one()
        assert (tool.initiate_login_uri, tool.redirect_uris, tool.jwks_uri) == (
            "http://localhost:9999/lti/login",
            ["http://localhost:9999/lti/launch"],
            "http://localhost:9999/lti/jwks",
        )
    assert moved["client_id"] == lms.client_id
    assert counts == [5, 5, 1, 1, 1]
    with lms.db() as session, pytest.raises(ValueError, match="/demo-lms"):
        ensure_demo(session, lms_url="http://127.0.0.1:5000", tool_url="http://localhost:5000")


GARBAGE = ["", "null", "[]", "{\"a\": 1}", "{\"userId\": 5, \"timestamp\": 3}", "not json", "{\"scoreMaximum\": \"x\", \"label\": []}"]


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_never_causes_a_server_error(lms, course, body) -> None:  # noqa: ANN001
    token = lms.token()
    lineitems = course.lineitems_url
    scores = lineitems.replace("/lineitems?", f"/lineitems/{course.quiz_line_item_id}/lineitem/scores?")
    cases = [
        ("post", lineitems, {"Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}),
        ("post", scores, {"Content-Type": "application/vnd.ims.lis.v1.score+json"}),
        ("post", lms.url + "/register", {"Content-Type": "application/json", "Authorization": "Bearer x"}),
        ("post", lms.url + "/admin/faults", {"Content-Type": "application/json"}),
        ("post", lms.url + "/admin/settings", {"Content-Type": "application/json"}),
        ("post", lms.url + "/admin/tools", {"Content-Type": "application/json"}),
    ]
    for method, url, headers in cases:
        response = getattr(lms.http, method)(url, data=body, headers={"User-Agent": "t", "Authorization": f"Bearer {token}", **headers}, timeout=10)
        assert response.status_code < 500, (url, body, response.text[:300])
    for form in ({"JWT": body}, {"grant_type": "client_credentials", "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": body or "x"}):
        for url in (lms.url + "/deep-linking/return", lms.url + "/token"):
            assert lms.http.post(url, data=form, headers={"User-Agent": "t"}, timeout=10).status_code < 500
    params = {"client_id": body, "redirect_uri": body, "lti_message_hint": body, "login_hint": body}
    assert lms.http.get(lms.url + "/auth", params=params, timeout=10).status_code == 400
    for query in ({"limit": body}, {"page": body}, {"role": body}, {"rlid": body}):
        assert lms.get(course.memberships_url, token, params=query).status_code < 500


def test_admin_tool_registration_json(lms) -> None:  # noqa: ANN001
    answer = lms.post(lms.url + "/admin/tools", json={"name": "Other", "initiate_login_uri": "http://localhost:1/login", "redirect_uris": ["http://localhost:1/launch"], "target_link_uri": "http://localhost:1/launch", "jwks_uri": "http://localhost:1/jwks"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["deployment_id"] == "2"
    both = lms.post(lms.url + "/admin/tools", json={"name": "Bad", "initiate_login_uri": "http://localhost:1/login", "redirect_uris": ["http://localhost:1/launch"], "target_link_uri": "http://localhost:1/launch"})
    assert both.status_code == 400
    assert "jwks_uri or public_jwk" in both.json()["error_description"]
    assert json.loads(lms.get(lms.url + "/admin/settings").text)["flavour"] == "moodle"


def test_admin_forms_report_what_they_did_on_the_next_page(lms) -> None:  # noqa: ANN001
    """The admin pages keep Flask's session (their flashed messages) though the rest of the app
    switches it off."""
    page = lms.admin_form("/admin/faults", {"mode": "503", "count": "2"})
    assert page.status_code == 200 and page.url.endswith("/demo-lms/admin/")
    assert "Fault mode is now 503." in page.text
    page = lms.admin_form("/admin/faults", {"mode": "slow"})
    assert "Fault not changed:" in page.text
    assert "Fault not changed:" not in lms.http.get(lms.url + "/admin/", timeout=10).text  # shown once


def test_flask_session_is_off_outside_the_admin_pages(lms) -> None:  # noqa: ANN001
    from flask import session

    with lms.app.test_request_context("/lti/launch"):
        lms.app.preprocess_request()
        with pytest.raises(RuntimeError, match="flask.session is off"):
            session["remember"] = "me"
    with lms.app.test_request_context("/demo-lms/admin/"):
        session["remember"] = "me"
        assert session["remember"] == "me"


# -- the demo LMS is no way into a production tool -----------------------------------------------------
def test_the_demo_lms_refuses_to_run_beside_a_production_tool(tmp_path) -> None:  # noqa: ANN001
    from lti_tool import create_app
    from lti_tool.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match="QUIZTOOL_ENV=development"):
        create_app({"ENV": "production", "DEMO_LMS": True, "SECRET_KEY": "x" * 40,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})


def test_admin_forms_without_their_csrf_token_change_nothing(lms) -> None:  # noqa: ANN001
    page = lms.http.post(lms.url + "/admin/faults", data={"mode": "503"}, timeout=10)
    assert page.status_code == 200 and "nothing was changed" in page.text
    assert lms.get(lms.url + "/admin/faults").json()["mode"] == "none"
    forged = lms.http.post(lms.url + "/admin/faults", data={"mode": "503", "csrf_token": "guessed"}, timeout=10)
    assert "nothing was changed" in forged.text and lms.get(lms.url + "/admin/faults").json()["mode"] == "none"


def test_admin_posts_from_another_origin_are_refused(lms) -> None:  # noqa: ANN001
    for kwargs in ({"json": {"mode": "503"}}, {"data": {"mode": "503"}}):
        answer = lms.post(lms.url + "/admin/faults", headers={"Origin": "http://evil.example"}, **kwargs)
        assert answer.status_code == 403 and answer.json()["error"] == "cross_origin"
    assert lms.get(lms.url + "/admin/faults").json()["mode"] == "none"
    same = lms.post(lms.url + "/admin/faults", headers={"Origin": lms.url.rsplit("/demo-lms", 1)[0]},
                    json={"mode": "none"})
    assert same.status_code == 200


def test_the_demo_lms_fetches_and_frames_only_tools_on_this_machine(lms) -> None:  # noqa: ANN001
    page = lms.admin_form("/admin/register-by-url", {"registration_url": "https://tool.example.com/lti/register"})
    assert "only tools on this machine" in page.text and "registration-frame" not in page.text
    with lms.db() as session:
        tool = session.scalars(select(DemoTool).where(DemoTool.client_id == lms.client_id)).one()
        tool.jwks_uri, tool.public_jwk, tool.key_set = "http://169.254.169.254/latest/meta-data/", None, None
    answer = lms.request_token()
    assert answer.status_code in (400, 401) and "only from this machine" in answer.text
