"""LTI endpoints. Admins type these URLs into their LMS: keep them stable.

/lti/login     OIDC third-party initiated login (GET and POST)
/lti/launch    resource link and deep linking launches (POST)
/lti/jwks      the tool's public keys
/lti/register  LTI Dynamic Registration (only with REGISTRATION_OPEN)
/lti/register/<link>  LTI Dynamic Registration through a one-time link
/lti/canvas.json  Canvas developer key JSON configuration
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from lti_tool import db
from lti_tool import metrics
from lti_tool.lti import adapters
from lti_tool.lti import canvas
from lti_tool.lti import keys
from lti_tool.lti import registration
from lti_tool.lti.errors import CookiesUnavailable
from lti_tool.lti.errors import LaunchRefused
from lti_tool.lti.errors import NeedsPlatformStorageCheck
from lti_tool.models.platform import RegistrationLink
from lti_tool.services import identity
from lti_tool.services import registration_links
from lti_tool.web.access import session_lifetime
from lti_tool.web.access import signed_form_token

log = logging.getLogger(__name__)
bp = Blueprint("lti", __name__, url_prefix="/lti")


def refusal_page(error: LaunchRefused) -> tuple[str, int]:
    log.warning(
        "launch refused: reason=%s iss=%s client_id=%s deployment_id=%s detail=%s",
        error.code, error.issuer, error.client_id, error.deployment_id, error.detail,
    )
    metrics.REFUSALS.labels(error.code).inc()
    refusal = error.refusal
    return (
        render_template("error.html", title=refusal.title, message=refusal.message, reference=error.code),
        refusal.status,
    )


# -- login ----------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    session = db.get_session(relaxed=True)
    try:
        result = adapters.begin_login(session)
    except LaunchRefused as error:
        return refusal_page(error)
    session.commit()
    if result.storage_target:
        response = current_app.make_response(
            render_template(
                "lti/platform_storage_login.html",
                auth_url=result.auth_url,
                state=result.state,
                storage_secret=result.storage_secret,
                storage_target=result.storage_target,
                storage_origin=result.storage_origin,
            )
        )
    else:
        response = redirect(result.auth_url, code=302)
    return result.apply_cookies(response)


# -- launch ---------------------------------------------------------------------------------------
@bp.post("/launch")
def launch():  # noqa: ANN201
    session = db.get_session(relaxed=True)
    try:
        context, _launch = adapters.complete_launch(session)
    except LaunchRefused as error:
        session.commit()  # keep what validation legitimately recorded (a fetched JWKS)
        return refusal_page(error)
    except NeedsPlatformStorageCheck as check:
        session.commit()
        return render_template(
            "lti/platform_storage_check.html",
            id_token=request.form.get("id_token", ""),
            state=check.state,
            storage_target=check.storage_target,
            storage_origin=check.storage_origin,
            relaunch_url=url_for("lti.login") + "?" + check.relaunch_url,
        )
    except CookiesUnavailable as blocked:
        session.commit()
        log.info("state cookie missing and no platform storage: offering a new window")
        return render_template(
            "lti/new_window.html", relaunch_url=url_for("lti.login") + "?" + blocked.relaunch_url
        ), 200
    opened = identity.record_launch(session, context, session_lifetime())
    session.commit()
    log.info(
        "launch ok: iss=%s client_id=%s deployment_id=%s message=%s instructor=%s",
        context.issuer, context.client_id, context.deployment_id, context.message_type, context.is_instructor,
    )
    metrics.LAUNCHES.labels(context.message_type).inc()
    endpoint = "builder.deep_link" if context.message_type == "LtiDeepLinkingRequest" else "course.landing"
    return adapters.forget_state_cookie(redirect(url_for(endpoint, token=opened.token), code=303))


# -- keys and configuration -----------------------------------------------------------------------
@bp.get("/jwks")
def jwks() -> Response:
    session = db.get_session()
    document = keys.jwks(session)
    if not document["keys"]:
        keys.ensure_key(session)
        session.commit()
        document = keys.jwks(session)
    response = current_app.response_class(
        current_app.json.dumps(document), mimetype="application/json"
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/canvas.json")
def canvas_json() -> Response:
    document = canvas.developer_key_configuration(
        base_url=adapters.tool_base_url(), title=current_app.config["TOOL_TITLE"]
    )
    return current_app.response_class(
        current_app.json.dumps(document, indent=2), mimetype="application/json"
    )


class RegistrationRequestSchema(Schema):
    """What an LMS (GET) or our confirmation form (POST) sends to the registration URL."""

    class Meta:
        unknown = EXCLUDE

    openid_configuration = fields.String(load_default="", validate=validate.Length(max=registration.MAX_URL_LENGTH))
    registration_token = fields.String(load_default="", validate=validate.Length(max=8192))
    auto_deployments = fields.Boolean(load_default=False)
    form_token = fields.String(load_default="", validate=validate.Length(max=200))


def _registration_refused(reason: str, status: int = 403) -> tuple[str, int]:
    log.warning("dynamic registration refused before any fetch: %s", reason)
    return render_template("lti/register_closed.html", reason=reason), status


@bp.route("/register", methods=["GET", "POST"])
def register():  # noqa: ANN201
    """Dynamic Registration without a link: only when REGISTRATION_OPEN (demo, development)."""
    if not current_app.config["REGISTRATION_OPEN"]:
        return _registration_refused("closed")
    return _register(None, "")


@bp.route("/register/<link_token>", methods=["GET", "POST"])
def register_with_link(link_token: str):  # noqa: ANN201
    """Dynamic Registration through a one-time link (``quiztool platform registration-link``)."""
    try:
        link = registration_links.usable_link(db.get_session(), link_token)
    except registration_links.LinkRefused as refused:
        return _registration_refused(refused.reason)
    return _register(link, link_token)


def _register(link: RegistrationLink | None, link_token: str):  # noqa: ANN202
    """GET shows what will be registered (after fetching the LMS's configuration: the gate has
    passed), POST registers. Nothing is stored or posted unless every check passes."""
    try:
        form = RegistrationRequestSchema().load(request.values.to_dict())
    except ValidationError as error:
        fields_wrong = ", ".join(sorted(error.normalized_messages()))
        return render_template("error.html", title=gettext("Registration did not complete"),
                               message=gettext("The registration request is malformed (%(fields)s).", fields=fields_wrong)), 400
    config_url, token = form["openid_configuration"], form["registration_token"] or None
    if not config_url:
        return render_template("lti/register_help.html", link_token=link_token), 400
    form_token = signed_form_token("register", link_token, config_url, token or "")
    if request.method == "POST" and not hmac.compare_digest(form["form_token"], form_token):
        log.warning("dynamic registration: confirmation form without a valid form token")
        return render_template("error.html", title=gettext("Registration did not complete"),
                               message=gettext("This confirmation form is out of date. Open the registration again from your LMS.")), 400
    policy = adapters.outbound_policy()
    session = db.get_session()
    try:
        config = registration.fetch_platform_configuration(config_url, token, policy)
        if request.method == "GET":
            return render_template(
                "lti/register_confirm.html", config=config, config_url=config_url, token=token or "",
                form_token=form_token, action=request.path,
            )
        if link is not None:
            registration_links.claim(session, link)
            session.commit()  # a second registration through this link now finds it in use
        try:
            document = registration.tool_registration_request(
                adapters.tool_base_url(), current_app.config["TOOL_TITLE"], config)
            answer = registration.register_with_platform(config, token, document, policy)
            platform = registration.store_registered_platform(
                session, config, answer, auto_register_deployments=form["auto_deployments"])
        except registration.RegistrationFailed:
            session.rollback()
            if link is not None:
                registration_links.release(session, link)
                session.commit()
            raise
        if link is not None:
            registration_links.complete(session, link, platform.id)
    except registration_links.LinkRefused:
        return _registration_refused("used")
    except registration.RegistrationFailed as error:
        log.warning("dynamic registration refused: %s (configuration %s)", error, config_url[:200])
        status = 409 if isinstance(error, registration.PlatformAlreadyRegistered) else 400
        return render_template("error.html", title=gettext("Registration did not complete"), message=str(error)), status
    keys.ensure_key(session)
    session.commit()
    current_app.extensions["frame_sources"].invalidate()  # the new LMS may frame the tool now
    log.info("dynamic registration: platform %s iss=%s client_id=%s via %s (auto deployments %s)",
             platform.id, platform.issuer, platform.client_id,
             f"link {link.id}" if link is not None else "open registration", platform.auto_register_deployments)
    return render_template("lti/register_done.html", platform=platform)
