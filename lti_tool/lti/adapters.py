"""The one place that wires pylti1p3 objects to a Flask request and our database.

Views call ``begin_login`` and ``complete_launch``; they never see pylti1p3.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app
from flask import request
from pylti1p3.contrib.flask import FlaskRequest
from sqlalchemy.orm import Session

from lti_tool.lti import claims
from lti_tool.lti.errors import LaunchRefused
from lti_tool.lti.launch import LaunchSettings
from lti_tool.lti.launch import StateCookieService
from lti_tool.lti.launch import ToolMessageLaunch
from lti_tool.lti.launch import ToolOIDCLogin
from lti_tool.lti.launch import OnDemandHttpSession
from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.platform_hosts import is_loopback_host
from lti_tool.lti.storage import DatabaseLaunchDataStorage
from lti_tool.lti.tool_conf import DatabaseToolConf
from lti_tool.services.identity import LaunchContext

log = logging.getLogger(__name__)


def tool_base_url(app: Flask | None = None) -> str:
    """Where platforms reach us: BASE_URL, or the current request's host."""
    app = app or current_app
    return app.config["BASE_URL"] or request.host_url.rstrip("/")


def launch_settings(app: Flask | None = None) -> LaunchSettings:
    app = app or current_app
    base = urlsplit(tool_base_url(app))
    return LaunchSettings(
        leeway_seconds=int(app.config["JWT_LEEWAY_SECONDS"]),
        max_age_seconds=int(app.config["JWT_MAX_AGE_SECONDS"]),
        login_state_lifetime=int(app.config["LOGIN_STATE_LIFETIME"]),
        jwks_cache_seconds=int(app.config["PLATFORM_JWKS_CACHE_SECONDS"]),
        cookie_partitioned=bool(app.config["COOKIE_PARTITIONED"]),
        outbound=outbound_policy(app),
        tool_origin=f"{base.scheme}://{base.netloc}",
    )


def outbound_policy(app: Flask | None = None) -> OutboundPolicy:
    """How the tool may reach platforms (lti/outbound.py), from the configuration."""
    return OutboundPolicy.from_config((app or current_app).config)


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


def _flask_request(params: dict[str, str] | None = None) -> FlaskRequest:
    data = params if params is not None else (request.form.to_dict() if request.method == "POST" else request.args.to_dict())
    # Loopback counts as a secure context in browsers, so Secure cookies work in the demo.
    secure = request.is_secure or is_loopback_url(request.host_url)
    return FlaskRequest(cookies=request.cookies, session={}, request_data=data or {"_": ""}, request_is_secure=secure)


def _cookies(flask_request: FlaskRequest, settings: LaunchSettings) -> StateCookieService:
    return StateCookieService(
        flask_request, secure=bool(flask_request.is_secure()), partitioned=settings.cookie_partitioned
    )


@dataclass
class LoginResult:
    auth_url: str
    state: str
    nonce: str
    #: What the login page leaves in the platform's frame (with ``lti_storage_target`` only).
    storage_secret: str | None
    storage_target: str | None
    storage_origin: str
    login: ToolOIDCLogin

    def apply_cookies(self, response: Any) -> Any:
        return self.login.response_with_cookies(response)


def begin_login(db: Session) -> LoginResult:
    """Validate a third-party initiated login and prepare the redirect to the platform."""
    settings = launch_settings()
    params = request.values.to_dict()
    flask_request = _flask_request(params)
    tool_conf = DatabaseToolConf(db)
    storage = DatabaseLaunchDataStorage(db, batch_writes=True)
    login = ToolOIDCLogin(flask_request, tool_conf, settings, _cookies(flask_request, settings), storage)
    launch_url = tool_base_url() + "/lti/launch"
    auth_url, state, nonce, storage_secret = login.prepare(launch_url)
    storage.write_batch()
    assert login.platform is not None
    auth = urlsplit(login.platform.auth_login_url)
    return LoginResult(
        auth_url=auth_url,
        state=state,
        nonce=nonce,
        storage_secret=storage_secret,
        storage_target=params.get("lti_storage_target") or None,
        storage_origin=f"{auth.scheme}://{auth.netloc}",
        login=login,
    )


def _message_launch(db: Session, params: dict[str, str]) -> ToolMessageLaunch:
    settings = launch_settings()
    flask_request = _flask_request(params)
    return ToolMessageLaunch(
        flask_request,
        DatabaseToolConf(db),
        settings,
        _cookies(flask_request, settings),
        DatabaseLaunchDataStorage(db),
        db,
        OnDemandHttpSession(settings.outbound),  # type: ignore[arg-type]
    )


def complete_launch(db: Session) -> tuple[LaunchContext, ToolMessageLaunch]:
    """Validate the launch POST completely; raises LaunchRefused, CookiesUnavailable or
    NeedsPlatformStorageCheck."""
    launch = _message_launch(db, request.form.to_dict())
    launch.validate()
    assert launch.platform is not None
    context = claims.launch_context(
        launch.body,
        platform_pk=launch.platform.id,
        client_id=launch.platform.client_id,
        launch_id=launch.get_launch_id(),
    )
    return context, launch


def forget_state_cookie(response: Any) -> Any:
    """After a launch the state cookie has done its job; without this, a student relaunching
    often piles up cookies until requests are refused as too large."""
    state = request.form.get("state", "")
    if state and request.cookies.get("lti1p3-" + state):
        secure = request.is_secure or is_loopback_url(request.host_url)
        response.delete_cookie("lti1p3-" + state, path="/", secure=secure, httponly=True,
                               samesite="None" if secure else "Lax",
                               partitioned=secure and bool(current_app.config["COOKIE_PARTITIONED"]))
    return response


def restore_launch(db: Session, launch_id: str) -> ToolMessageLaunch:
    """A launch validated earlier (deep linking answers after the instructor's choice)."""
    launch = _message_launch(db, {"_": ""})
    body = launch.get_session_service().get_launch_data(launch_id)
    if not body:
        raise LaunchRefused("session_expired", f"launch data {launch_id} not found or expired")
    launch.set_launch_id(launch_id).set_auto_validation(enable=False).set_jwt({"body": body}).set_restored()
    launch.validate_registration()
    return launch
