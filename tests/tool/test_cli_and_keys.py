"""Manual registration, key rotation and the configuration documents admins paste into an LMS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from lti_tool import create_app
from lti_tool.cli import cli
from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.lti import keys
from lti_tool.models.base import utcnow


@pytest.fixture
def app(database_url, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("QUIZTOOL_DATABASE_URL", database_url)
    monkeypatch.setenv("QUIZTOOL_ENV", "development")
    monkeypatch.setenv("QUIZTOOL_SECRET_KEY", "cli-test-secret")
    app = create_app()
    yield app
    database(app).dispose()


def invoke(app, *args: str):  # noqa: ANN001, ANN201
    """Run ``quiztool ARGS`` against the test's app (and its database)."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_moodle_preset_fills_the_moodle_endpoints(app) -> None:
    result = invoke(app, "platform", "add", "--preset", "moodle", "--url", "https://moodle.example.edu/",
                 "--client-id", "abc123", "--deployment-id", "1", "--no-auto-deployments")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["auto_register_deployments"] is False and shown["registered_via"] == "manual"
    assert shown["issuer"] == "https://moodle.example.edu"
    assert shown["auth_login_url"] == "https://moodle.example.edu/mod/lti/auth.php"
    assert shown["auth_token_url"] == "https://moodle.example.edu/mod/lti/token.php"
    assert shown["key_set_url"] == "https://moodle.example.edu/mod/lti/certs.php"
    assert shown["deployments"] == [{"deployment_id": "1", "approved": True}]


def test_canvas_presets_share_an_issuer_and_differ_by_client_id(app) -> None:
    assert invoke(app, "platform", "add", "--preset", "canvas", "--client-id", "10000000000001").exit_code == 0
    assert invoke(app, "platform", "add", "--preset", "canvas", "--client-id", "10000000000002").exit_code == 0
    listing = invoke(app, "platform", "list").output
    assert listing.count("https://canvas.instructure.com") == 2
    beta = json.loads(invoke(app, "platform", "add", "--preset", "canvas-beta", "--client-id", "7").output)
    assert beta["auth_login_url"] == "https://sso.beta.canvaslms.com/api/lti/authorize_redirect"
    # Canvas makes a deployment per course install, and serves institutions from *.instructure.com.
    assert beta["auto_register_deployments"] is True
    assert {"*.instructure.com", "*.canvaslms.com"} <= set(beta["hosts"])


def test_without_a_choice_on_deployments_a_non_canvas_platform_is_not_added(app) -> None:
    result = invoke(app, "platform", "add", "--preset", "moodle", "--url", "https://moodle.example.edu",
                    "--client-id", "abc123")
    assert result.exit_code != 0 and "--auto-deployments" in result.output
    assert "no platforms registered" in invoke(app, "platform", "list").output


def test_bad_input_names_the_field(app, tmp_path) -> None:
    result = invoke(app, *["platform", "add", "--issuer", "not a url", "--client-id", "x"])
    assert result.exit_code != 0
    for field in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
        assert field in result.output
    moodle = invoke(app, *["platform", "add", "--preset", "moodle", "--client-id", "x"])
    assert moodle.exit_code != 0 and "needs the site URL" in moodle.output
    bad_json = tmp_path / "p.json"
    bad_json.write_text('{"issuer": "https://a.example",\n "client_id": }')
    result = invoke(app, *["platform", "add", "--json-file", str(bad_json)])
    assert result.exit_code != 0 and "line 2" in result.output


def test_json_file_registration_and_duplicate_refusal(app, tmp_path) -> None:
    spec = tmp_path / "platform.json"
    spec.write_text(json.dumps({
        "issuer": "https://lms.example.edu", "client_id": "c1",
        "auth_login_url": "https://lms.example.edu/auth", "auth_token_url": "https://lms.example.edu/token",
        "key_set_url": "https://lms.example.edu/jwks",
    }))
    assert invoke(app, "platform", "add", "--json-file", str(spec), "--no-auto-deployments").exit_code == 0
    again = invoke(app, *["platform", "add", "--json-file", str(spec), "--no-auto-deployments"])
    assert again.exit_code != 0 and "quiztool platform update" in again.output
    shown = invoke(app, "platform", "show", "1")
    assert json.loads(shown.output)["client_id"] == "c1"
    assert invoke(app, "platform", "remove", "1", "--yes").exit_code == 0
    assert "no platforms registered" in invoke(app, "platform", "list").output


def test_rotation_keeps_the_old_key_published_until_it_retires(app) -> None:
    with session_scope(app) as session:
        first = keys.ensure_key(session).kid
    result = invoke(app, "keys", "rotate", "--retire-after", "3600")
    assert result.exit_code == 0, result.output
    with session_scope(app) as session:
        published = [k.kid for k in keys.published_keys(session)]
        signing = keys.signing_key(session).kid
        later = [k.kid for k in keys.published_keys(session, now=utcnow() + timedelta(hours=2))]
    assert first in published and signing in published and signing != first
    assert later == [signing]


def test_jwks_and_canvas_configuration_documents(app) -> None:
    client = app.test_client()
    document = client.get("/lti/jwks").get_json()
    assert set(document) == {"keys"} and isinstance(document["keys"], list) and document["keys"]
    key = document["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and "d" not in key
    canvas = client.get("/lti/canvas.json", base_url="https://quiz.example.edu").get_json()
    assert canvas["oidc_initiation_url"] == "https://quiz.example.edu/lti/login"
    assert canvas["public_jwk_url"] == "https://quiz.example.edu/lti/jwks"
    placements = {p["placement"]: p for p in canvas["extensions"][0]["settings"]["placements"]}
    assert placements["assignment_selection"]["message_type"] == "LtiDeepLinkingRequest"
    assert "link_selection" in placements
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in canvas["scopes"]
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in canvas["scopes"]


def test_production_requires_a_secret_key(database_url, monkeypatch) -> None:
    from lti_tool.settings import ConfigurationError

    monkeypatch.delenv("QUIZTOOL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="QUIZTOOL_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": database_url, "SECRET_KEY": ""})
