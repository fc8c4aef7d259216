"""The built-in demo LMS: a small but honest LTI 1.3 platform served under ``/demo-lms/``.

It is what a newcomer clicks through (``quiztool demo``) and what the test suite launches
against over real HTTP, so it behaves like a real platform (Moodle's rules by default, Canvas's
on request): it signs real RS256 id_tokens with its own keys, verifies everything the tool signs
against the tool's registered keys, and keeps all its state in the database (several gunicorn
workers serve it).

It talks to the tool only over HTTP, like a real LMS: it must not import ``pylti1p3``,
``lti_tool.lti`` or ``lti_tool.web``.

Public API: ``init_app(app)``, ``setup.ensure_demo(session, lms_url=..., tool_url=...)``,
``setup.register_tool(...)``, ``faults.set_fault(session, mode, ...)``, ``keys.rotate_key``.
"""

from __future__ import annotations

from flask import Flask

from lti_tool.settings import ConfigurationError

#: Defaults for the demo's settings (documented in config/default.py), for apps built without it.
DEFAULTS = {
    "DEMO_LMS_URL": "",
    "DEMO_LMS_TOOL_URL": "http://localhost:5000",
    "DEMO_LMS_JWT_LEEWAY_SECONDS": 10,
    "DEMO_LMS_JWKS_CACHE_SECONDS": 300,
    "DEMO_LMS_LOGIN_LIFETIME_SECONDS": 600,
    "DEMO_LMS_UNREACHABLE_SECONDS": 60,
    "HTTP_TIMEOUT_SECONDS": 10,
}


def init_app(app: Flask) -> None:
    """Mount the demo LMS blueprint (every module below registers its routes on it).

    Refused unless the tool runs in development mode: the demo LMS has no administrator login and
    signs launches for whoever picks a name, so in production it would hand out any identity."""
    if app.config["ENV"] != "development":
        raise ConfigurationError(
            "The demo LMS (QUIZTOOL_DEMO_LMS) runs only with QUIZTOOL_ENV=development: it lets anyone "
            "sign in as anyone. Turn QUIZTOOL_DEMO_LMS off in production (`quiztool demo` sets both for you)."
        )
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    from lti_tool.demo_lms import admin  # noqa: F401
    from lti_tool.demo_lms import ags  # noqa: F401
    from lti_tool.demo_lms import auth  # noqa: F401
    from lti_tool.demo_lms import deep_linking  # noqa: F401
    from lti_tool.demo_lms import nrps  # noqa: F401
    from lti_tool.demo_lms import registration  # noqa: F401
    from lti_tool.demo_lms import tokens  # noqa: F401
    from lti_tool.demo_lms import views  # noqa: F401
    from lti_tool.demo_lms.blueprint import bp

    app.register_blueprint(bp)
    allow_session = getattr(app.session_interface, "allow", None)  # lti_tool.web.no_session
    if allow_session is not None:
        allow_session(f"{bp.url_prefix}/admin/")  # the admin pages flash their messages
