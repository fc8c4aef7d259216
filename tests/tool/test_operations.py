"""What an administrator's machines ask of the tool: liveness, readiness (503 when it cannot
serve), Prometheus metrics added up over gunicorn's workers, and a CLI that explains itself
before anything is configured."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from prometheus_client import REGISTRY
from sqlalchemy import text

from lti_tool import create_app
from lti_tool import migrate
from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.grade_sync import record_score
from lti_tool.lti import keys
from lti_tool.models.base import utcnow
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from lti_tool.models.platform import Platform
from tests.attempts.conftest import demo_people
from tests.attempts.conftest import launch
from tests.support.processes import free_port
from tests.support.processes import wait_until_answers

ROOT = Path(__file__).resolve().parents[2]


def _app(url: str, **config: object):  # noqa: ANN202
    return create_app({"ENV": "development", "SECRET_KEY": "ops-test", "DATABASE_URL": url, **config})


# -- health -------------------------------------------------------------------------------------------
def test_ready_only_once_the_schema_is_at_head_and_a_signing_key_exists(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    app = _app(url)
    client = app.test_client()
    empty = client.get("/readyz")
    assert empty.status_code == 503 and "quiztool db upgrade" in empty.json["checks"]["migrations"]

    migrate.upgrade(url, "0002")  # an older release's schema
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert re.search(r"database at 0002, this code needs \w+", behind.json["checks"]["migrations"])

    migrate.upgrade(url)
    no_key = client.get("/readyz")
    assert no_key.status_code == 503 and no_key.json["checks"]["migrations"] == "ok"
    assert "no signing key" in no_key.json["checks"]["signing_key"]

    with session_scope(app) as session:
        keys.ensure_key(session)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "signing_key": "ok"}}

    with database(app).engine.begin() as connection:  # a newer release migrated the database
        connection.execute(text("UPDATE alembic_version SET version_num = 'z99_from_the_future'"))
    assert client.get("/readyz").status_code == 200  # old processes keep serving during the upgrade
    database(app).dispose()


def test_database_down_means_alive_but_not_ready() -> None:
    nothing_listens = free_port()
    app = _app(f"postgresql+psycopg://quiz:secret@127.0.0.1:{nothing_listens}/quiz")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # a restart would not help: don't ask for one
    down = client.get("/readyz")
    assert down.status_code == 503 and down.json["status"] == "not ready"
    assert down.json["checks"]["database"].startswith("unreachable:")
    assert "secret" not in down.get_data(as_text=True)
    assert down.headers["X-Request-Id"]
    database(app).dispose()


# -- metrics ------------------------------------------------------------------------------------------
def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_launches_refusals_and_autosaves_are_counted(demo_stack) -> None:
    launches = _sample("quiztool_launches_total", message_type="LtiResourceLinkRequest")
    refusals = _sample("quiztool_launch_refusals_total", code="login_params_missing")
    saved = _sample("quiztool_autosaves_total", result="saved")
    refused = _sample("quiztool_autosaves_total", result="refused")

    student = launch(demo_stack, demo_people(demo_stack)["learners"][0])
    attempt_id, _ = student.start()
    assert student.autosave(attempt_id, 1, None).status_code == 200
    assert student.autosave(attempt_id, 999, None).status_code == 400
    assert requests.get(demo_stack.tool_url + "/lti/login", timeout=10).status_code == 400

    assert _sample("quiztool_launches_total", message_type="LtiResourceLinkRequest") == launches + 1
    assert _sample("quiztool_launch_refusals_total", code="login_params_missing") == refusals + 1
    assert _sample("quiztool_autosaves_total", result="saved") == saved + 1
    assert _sample("quiztool_autosaves_total", result="refused") == refused + 1


def test_metrics_are_for_this_host_or_whoever_has_the_token(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    open_app = _app(url)
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert open_app.test_client().get("/metrics", environ_base=outside).status_code == 403
    assert open_app.test_client().get("/metrics").status_code == 200  # loopback
    guarded = _app(url, METRICS_TOKEN="scrape-me")
    client = guarded.test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer scrape-me"}).status_code == 200
    for app in (open_app, guarded):
        database(app).dispose()


def _seed_a_pending_grade(url: str) -> None:
    app = _app(url)
    with session_scope(app) as session:
        platform = Platform(issuer="https://lms.example.edu", client_id="c1", auth_login_url="https://lms.example.edu/a",
                            auth_token_url="https://lms.example.edu/t", key_set_url="https://lms.example.edu/k")
        session.add(platform)
        session.flush()
        user = LtiUser(platform_id=platform.id, sub="s-1")
        link = ResourceLink(platform_id=platform.id, deployment_id="1", resource_link_id="r-1")
        session.add_all([user, link])
        session.flush()
        record_score(session, resource_link_pk=link.id, user_pk=user.id, score_given=1, score_maximum=2,
                     submitted_at=utcnow())
    database(app).dispose()


def test_metrics_add_up_every_gunicorn_worker(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    migrate.upgrade(url)
    _seed_a_pending_grade(url)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left over from a crashed server")  # must be emptied
    port = free_port()
    env = {**os.environ, "QUIZTOOL_ENV": "development", "QUIZTOOL_SECRET_KEY": "metrics-test",
           "QUIZTOOL_DATABASE_URL": url, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "QUIZTOOL_LOG_REQUESTS": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "-w", "2", "-b", f"127.0.0.1:{port}", "lti_tool:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/healthz", "gunicorn")
        for _ in range(200):  # each request on a new connection, until both workers answered one
            if len(list(metrics_dir.glob("histogram_*.db"))) == 2:
                break
            assert requests.get(base + "/healthz", timeout=10).status_code == 200
        assert len(list(metrics_dir.glob("histogram_*.db"))) == 2, "one worker answered every connection"
        healthz_count = re.compile(r'quiztool_request_duration_seconds_count\{method="GET",route="/healthz"\} (\d+)\.0')
        before = int(healthz_count.search(requests.get(base + "/metrics", timeout=10).text).group(1))
        for _ in range(10):
            assert requests.get(base + "/healthz", timeout=10).status_code == 200
        assert requests.get(base + "/lti/login", timeout=10).status_code == 400  # a refusal
        for _ in range(4):  # whichever worker answers the scrape reports the same totals
            text = requests.get(base + "/metrics", timeout=10).text
            assert int(healthz_count.search(text).group(1)) == before + 10
            assert 'quiztool_launch_refusals_total{code="login_params_missing"} 1.0' in text
            assert 'quiztool_grade_outbox{platform="1",status="pending"} 1.0' in text
            assert re.search(r'quiztool_grade_oldest_pending_seconds\{platform="1"\} \d', text)
            assert 'quiztool_platform_info{client_id="c1",issuer="https://lms.example.edu"' in text
        assert not (metrics_dir / "counter_1.db").exists()
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Listening at: http://127.0.0.1:" in errors  # not gunicorn's empty "Listening at:  (pid)"
    assert "Control socket" not in errors


# -- the command line before any configuration ---------------------------------------------------------
def _quiztool(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QUIZTOOL_INSTANCE_PATH": str(tmp_path / "instance"), **env}
    return subprocess.run([sys.executable, "-c", "from lti_tool.cli import main; main()", *args],
                          env=bare, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_help_and_the_bank_need_no_secret_and_no_database(tmp_path) -> None:
    shown = _quiztool(tmp_path, "--help")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr + shown.stdout
    for command in ("bank", "db", "grades", "platform", "serve", "user", "worker"):
        assert re.search(rf"^  {command} ", shown.stdout, re.M), command
    assert _quiztool(tmp_path, "user", "--help").returncode == 0
    stats = _quiztool(tmp_path, "bank", "stats", "--json")
    assert stats.returncode == 0 and "Traceback" not in stats.stderr
    assert not (tmp_path / "instance").exists()  # nothing was written


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "QUIZTOOL_SECRET_KEY is required in production"),
    ({"QUIZTOOL_SECRET_KEY": "s", "QUIZTOOL_DATABASE_URL": "postgresql+psycopg://quiz:hunter2@127.0.0.1:{port}/q"},
     "cannot be reached"),
    ({"QUIZTOOL_SECRET_KEY": "s"}, "not at this version's schema (no such table: score_submissions): run `quiztool db upgrade` first"),
])
def test_a_command_that_cannot_run_says_why_in_one_line(tmp_path, env, expected) -> None:
    env = {k: v.format(port=free_port()) for k, v in env.items()}
    result = _quiztool(tmp_path, "grades", "status", **env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "hunter2" not in result.stderr


# -- the tool's card in the LMS ------------------------------------------------------------------------
def test_the_lms_card_gets_a_short_title_and_the_icon(tmp_path) -> None:
    from lti_tool.lti.registration import PlatformConfiguration
    from lti_tool.lti.registration import tool_registration_request

    app = _app(f"sqlite:///{tmp_path / 'card.db'}")
    client = app.test_client()
    title = app.config["TOOL_TITLE"]
    assert len(title) <= 20  # Moodle's activity chooser cuts longer names
    canvas = client.get("/lti/canvas.json", base_url="https://quiz.example.edu").get_json()
    icon = "https://quiz.example.edu/static/icon.svg"
    assert canvas["title"] == title and canvas["extensions"][0]["settings"]["icon_url"] == icon
    assert {p["icon_url"] for p in canvas["extensions"][0]["settings"]["placements"]} == {icon}
    moodle = PlatformConfiguration("https://moodle.example.edu/config", "https://moodle.example.edu",
                                   *["https://moodle.example.edu/x"] * 4, (), "moodle", "moodle")
    registration = tool_registration_request("https://quiz.example.edu", title, moodle)
    assert registration["logo_uri"] == icon and registration["client_name"] == title
    for path in ("/static/icon.svg", "/favicon.ico"):
        with client.get(path) as served:
            assert served.status_code == 200 and served.mimetype == "image/svg+xml"
            assert b"<svg" in served.data and b"style=" not in served.data and b"<script" not in served.data
    assert b'rel="icon"' in client.get("/").data
    database(app).dispose()
