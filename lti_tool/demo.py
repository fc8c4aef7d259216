"""``quiztool demo``: the tool and the built-in demo LMS in one development server.

The LMS is served as http://127.0.0.1:PORT/demo-lms/ and the tool as http://localhost:PORT/:
two different sites, so the tool runs in a genuinely cross-site iframe, as inside Canvas or Moodle.
"""

from __future__ import annotations

import logging
import os

import click
from werkzeug.serving import run_simple

from lti_tool import create_app
from lti_tool import migrate
from lti_tool.db import session_scope
from lti_tool.lti import keys as tool_keys
from lti_tool.services import platforms


def prepare_demo(app) -> dict:  # noqa: ANN001
    """Migrate, create keys, set up the demo LMS and register it with the tool (idempotent)."""
    from lti_tool.demo_lms.setup import ensure_demo

    migrate.upgrade(app.config["DATABASE_URL"])
    with app.app_context(), session_scope(app) as session:
        tool_keys.ensure_key(session)
        facts = ensure_demo(
            session,
            lms_url=app.config["DEMO_LMS_URL"],
            tool_url=app.config["BASE_URL"],
            # Seeds the platform's copy of our keys, so its token endpoint never has to call back
            # into a server that may have a single worker.
            tool_jwks=tool_keys.jwks(session),
        )
        spec = {
            "name": facts.get("name", "Demo LMS"),
            "issuer": facts["issuer"],
            "client_id": facts["client_id"],
            "auth_login_url": facts["auth_login_url"],
            "auth_token_url": facts["auth_token_url"],
            "key_set_url": facts["key_set_url"],
            "product": "moodle",
            "deployment_ids": [facts["deployment_id"]],
            "auto_register_deployments": True,
        }
        known = platforms.find_platform(session, spec["issuer"], spec["client_id"])
        if known is None:
            platforms.add_platform(session, spec)
        else:  # the demo LMS moved (another port): follow it
            platforms.update_platform(session, known.id, {k: spec[k] for k in platforms.UPDATABLE if k in spec},
                                      by="quiztool demo")
    return facts


def demo_config(host: str, port: int) -> dict:
    lms_host = host if host not in ("0.0.0.0", "localhost") else "127.0.0.1"
    return {
        "ENV": "development",
        "DEMO_LMS": True,
        # The demo LMS's "Register a tool by URL" uses the plain registration URL.
        "REGISTRATION_OPEN": True,
        "BASE_URL": os.environ.get("QUIZTOOL_BASE_URL") or f"http://localhost:{port}",
        "DEMO_LMS_URL": os.environ.get("QUIZTOOL_DEMO_LMS_URL") or f"http://{lms_host}:{port}/demo-lms",
    }


def run_demo(host: str, port: int) -> None:
    os.environ["QUIZTOOL_ENV"] = "development"
    app = create_app(demo_config(host, port))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prepare_demo(app)
    lms = app.config["DEMO_LMS_URL"]
    click.echo("")
    click.echo("  Demo ready.")
    click.echo(f"  Open the demo LMS:  {lms}/")
    click.echo(f"  The tool itself:    {app.config['BASE_URL']}/  (a different site, so the quiz runs cross-site)")
    click.echo(f"  Database:           {app.config['DATABASE_URL']}")
    click.echo("  Stop with Ctrl+C.")
    click.echo("")
    if app.config["DEMO_GRADE_WORKER"]:
        from lti_tool.worker import start_in_background

        # The same delivery loop as `quiztool worker`, in a thread of the server process.
        start_in_background(app)
        click.echo("  Grades are delivered to the demo LMS by a worker thread in this process.")
    # Not app.run(): inside the Flask CLI it refuses to start a server.
    run_simple(host, port, app, threaded=True, use_reloader=False)
