"""The LTI 1.3 quiz tool: a Flask application built by ``create_app``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool import db
from lti_tool.logs import configure_logging
from lti_tool.settings import load_settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The table of contents: configuration, extensions, blueprints. No I/O beyond settings."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("QUIZTOOL_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    load_settings(app, test_config)
    configure_logging(level=app.config["LOG_LEVEL"], log_format=app.config["LOG_FORMAT"])
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    from lti_tool.web.json_limits import LimitedJSONProvider

    app.json = LimitedJSONProvider(app)
    db.init_app(app)

    from lti_tool.web import register_blueprints
    from lti_tool.web import security_headers

    register_blueprints(app)
    security_headers.init_app(app)
    if app.config["DEMO_LMS"]:
        from lti_tool.demo_lms import init_app as init_demo_lms

        init_demo_lms(app)
    return app
