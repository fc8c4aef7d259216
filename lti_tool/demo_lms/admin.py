"""The platform administrator's pages and JSON endpoints: tools, behaviour, faults, counters.

The demo LMS has no administrator login: it is a local demonstration and test double, and it
refuses to run unless the tool is in development mode (``init_app``). Still, a page on another
site open in the same browser must not drive it: every POST here is refused when it comes from
another origin, JSON endpoints require ``Content-Type: application/json`` (which a plain
cross-site form cannot send), and the HTML forms carry a CSRF token kept in the admin pages'
session cookie.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session as cookie_session
from flask import url_for
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from sqlalchemy import select

from lti_tool.db import get_session
from lti_tool.models.demo_lms import DemoRegistrationToken
from lti_tool.models.demo_lms import DemoTool
from lti_tool.demo_lms import counters
from lti_tool.demo_lms import faults
from lti_tool.demo_lms import keys
from lti_tool.demo_lms.auth import add_query
from lti_tool.demo_lms.blueprint import ServiceError
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.platform import FLAVOURS
from lti_tool.demo_lms.platform import get_platform
from lti_tool.demo_lms.platform import urls
from lti_tool.demo_lms.registration import new_registration_token
from lti_tool.demo_lms.schemas import first_error
from lti_tool.demo_lms.setup import SUPPORTED_SCOPES
from lti_tool.demo_lms.setup import register_tool
from lti_tool.platform_hosts import is_loopback_host


class LaunchOptionsSchema(Schema):
    extra_audiences = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    include_name = fields.Boolean(load_default=True)
    include_email = fields.Boolean(load_default=True)
    #: The launch's ``launch_presentation.locale`` (the LMS user's language), e.g. "es".
    locale = fields.String(load_default="en", validate=validate.Length(min=2, max=35))


class SettingsSchema(Schema):
    flavour = fields.String(validate=validate.OneOf(FLAVOURS))
    launch_options = fields.Nested(LaunchOptionsSchema)


class ToolRegistrationSchema(Schema):
    """A manual registration, as an LMS admin would type it (key set URL *or* pasted JWK)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    initiate_login_uri = fields.Url(required=True, require_tld=False)
    redirect_uris = fields.List(fields.Url(require_tld=False), required=True, validate=validate.Length(min=1))
    target_link_uri = fields.Url(required=True, require_tld=False)
    deep_link_uri = fields.Url(require_tld=False, allow_none=True, load_default=None)
    jwks_uri = fields.Url(require_tld=False, allow_none=True, load_default=None)
    public_jwk = fields.Dict(allow_none=True, load_default=None)
    scopes = fields.List(fields.String(validate=validate.OneOf(SUPPORTED_SCOPES)), load_default=None)
    custom_parameters = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


ADMIN_PREFIX = f"{bp.url_prefix}/admin/"


def admin_csrf_token() -> str:
    """The admin forms' CSRF token, made once per browser session (cookie under /demo-lms/admin/)."""
    if "csrf" not in cookie_session:
        cookie_session["csrf"] = secrets.token_urlsafe(24)
    return str(cookie_session["csrf"])


@bp.app_context_processor
def _csrf_for_templates() -> dict[str, Any]:
    return {"admin_csrf_token": admin_csrf_token}


@bp.before_request
def _refuse_forged_admin_posts() -> Any:
    if request.method != "POST" or not request.path.startswith(ADMIN_PREFIX):
        return None
    origin = request.headers.get("Origin")
    # "null" is what browsers send under Referrer-Policy: no-referrer (our own pages): the CSRF
    # token below decides those; a named other origin is refused outright.
    if origin and origin != "null" and origin != request.host_url.rstrip("/"):
        raise ServiceError(403, "cross_origin", f"admin requests from {origin[:100]} are refused")
    if request.is_json:
        return None
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, str(cookie_session.get("csrf", ""))):
        flash("That form was out of date (or came from another page); nothing was changed. Try again.", "error")
        return redirect(url_for("demo_lms.admin_page"), code=303)
    return None


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(400, "invalid_request", "send a JSON object with Content-Type: application/json")
    return body


def _stats() -> dict[str, Any]:
    session = get_session()
    return {"counters": counters.snapshot(session), "fault": faults.describe(get_platform(session))}


@bp.get("/admin/")
def admin_page() -> str:
    session = get_session()
    platform = get_platform(session)
    endpoints = urls(session)
    registered = None
    ref = request.args.get("registration")
    if ref:
        token_row = session.get(DemoRegistrationToken, ref)
        registered = {"tool": session.get(DemoTool, token_row.tool_id) if token_row and token_row.tool_id else None}
    session.commit()
    return render_template(
        "demo_lms/admin.html",
        platform=platform,
        endpoints=endpoints,
        tools=list(session.scalars(select(DemoTool).order_by(DemoTool.id))),
        stats=_stats(),
        fault_modes=faults.FAULT_MODES,
        fault_endpoints=faults.FAULT_ENDPOINTS,
        flavours=FLAVOURS,
        registered=registered,
        launch_options_json=json.dumps(platform.launch_options or {}),
    )


@bp.route("/admin/faults", methods=["GET", "POST"])
def admin_faults():  # noqa: ANN201
    session = get_session()
    if request.method == "GET":
        return faults.describe(get_platform(session))
    from_form = not request.is_json
    if from_form:
        raw: dict[str, Any] = {
            "mode": request.form.get("mode", "none"),
            "count": request.form.get("count") or None,
            "retry_after": request.form.get("retry_after") or None,
            "delay": request.form.get("delay") or None,
            "endpoints": request.form.getlist("endpoints") or None,
        }
    else:
        raw = _json_body()
    try:
        described = faults.apply_settings(session, faults.FaultSchema().load(raw))
    except ValidationError as exc:
        if from_form:
            flash(f"Fault not changed: {first_error(exc)}", "error")
            return redirect(url_for("demo_lms.admin_page"))
        raise ServiceError(400, "invalid_request", first_error(exc)) from exc
    session.commit()
    if from_form:
        flash(f"Fault mode is now {described['mode']}.", "ok")
        return redirect(url_for("demo_lms.admin_page"))
    return described


@bp.route("/admin/settings", methods=["GET", "POST"])
def admin_settings():  # noqa: ANN201
    session = get_session()
    platform = get_platform(session)
    if request.method == "POST":
        from_form = not request.is_json
        try:
            if from_form:
                raw: dict[str, Any] = {"flavour": request.form.get("flavour")}
                options_text = request.form.get("launch_options", "").strip()
                if options_text:
                    try:
                        raw["launch_options"] = json.loads(options_text)
                    except ValueError as exc:
                        raise ValidationError({"launch_options": ["not valid JSON"]}) from exc
            else:
                raw = _json_body()
            data = SettingsSchema().load(raw)
        except ValidationError as exc:
            if from_form:
                flash(f"Settings not changed: {first_error(exc)}", "error")
                return redirect(url_for("demo_lms.admin_page"))
            raise ServiceError(400, "invalid_request", first_error(exc)) from exc
        if "flavour" in data:
            platform.flavour = data["flavour"]
        if "launch_options" in data:
            platform.launch_options = data["launch_options"]
        session.commit()
        if from_form:
            flash("Settings saved.", "ok")
            return redirect(url_for("demo_lms.admin_page"))
    return {"flavour": platform.flavour, "launch_options": platform.launch_options or {}, "issuer": urls(session).base}


@bp.get("/admin/stats")
def admin_stats():  # noqa: ANN201
    return _stats()


@bp.post("/admin/stats/reset")
def admin_stats_reset():  # noqa: ANN201
    session = get_session()
    counters.reset(session)
    session.commit()
    return _stats()


@bp.post("/admin/rotate-key")
def admin_rotate_key():  # noqa: ANN201
    session = get_session()
    key = keys.rotate_key(session)
    session.commit()
    if not request.is_json:
        flash(f"Now signing with key {key.kid}.", "ok")
        return redirect(url_for("demo_lms.admin_page"))
    return {"kid": key.kid}


@bp.post("/admin/tools")
def admin_add_tool():  # noqa: ANN201
    session = get_session()
    from_form = not request.is_json
    if from_form:
        form = request.form
        jwk_text = form.get("public_jwk", "").strip()
        raw: dict[str, Any] = {
            "name": form.get("name", ""),
            "initiate_login_uri": form.get("initiate_login_uri", ""),
            "redirect_uris": form.get("redirect_uris", "").split(),
            "target_link_uri": form.get("target_link_uri", ""),
            "deep_link_uri": form.get("deep_link_uri") or None,
            "jwks_uri": form.get("jwks_uri") or None,
        }
    else:
        raw = _json_body()
        jwk_text = ""
    try:
        if jwk_text:
            try:
                raw["public_jwk"] = json.loads(jwk_text)
            except ValueError as exc:
                raise ValidationError({"public_jwk": ["not valid JSON"]}) from exc
        data = ToolRegistrationSchema().load(raw)
        tool = register_tool(session, **data)
    except (ValidationError, ValueError) as exc:
        message = first_error(exc) if isinstance(exc, ValidationError) else str(exc)
        session.rollback()
        if from_form:
            flash(f"Tool not registered: {message}", "error")
            return redirect(url_for("demo_lms.admin_page"))
        raise ServiceError(400, "invalid_request", message) from exc
    session.commit()
    if from_form:
        flash(f"Registered {tool.name}: client_id {tool.client_id}, deployment {tool.deployment_id}.", "ok")
        return redirect(url_for("demo_lms.admin_page"))
    return {"id": tool.id, "client_id": tool.client_id, "deployment_id": tool.deployment_id}, 201


@bp.post("/admin/register-by-url")
def admin_register_by_url():  # noqa: ANN201
    """Open the tool's Dynamic Registration page with a fresh registration token."""
    session = get_session()
    tool_url = request.form.get("registration_url", "").strip()
    if not tool_url.startswith(("http://", "https://")):
        flash("Enter the tool's registration URL (http:// or https://).", "error")
        return redirect(url_for("demo_lms.admin_page"))
    if not is_loopback_host(urlsplit(tool_url).hostname or ""):
        flash("The demo LMS registers only tools on this machine (localhost or 127.0.0.1).", "error")
        return redirect(url_for("demo_lms.admin_page"))
    token, row = new_registration_token(session)
    session.commit()
    frame_url = add_query(
        tool_url, {"openid_configuration": urls(session).openid_configuration, "registration_token": token}
    )
    return render_template(
        "demo_lms/register_tool.html",
        frame_url=frame_url,
        done_url=url_for("demo_lms.admin_page", registration=row.token_hash),
    )
