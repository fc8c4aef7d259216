"""LTI endpoints. Admins type these URLs into their LMS: keep them stable.

/lti/login     OIDC third-party initiated login (GET and POST)
/lti/launch    resource link and deep linking launches (POST)
/lti/jwks      the tool's public keys
/lti/register  LTI Dynamic Registration
/lti/canvas.json  Canvas developer key JSON configuration
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from lti_tool import db
from lti_tool.lti import adapters
from lti_tool.lti import canvas
from lti_tool.lti import keys
from lti_tool.lti import registration
from lti_tool.lti.errors import CookiesUnavailable
from lti_tool.lti.errors import LaunchRefused
from lti_tool.lti.errors import NeedsPlatformStorageCheck
from lti_tool.services import identity

log = logging.getLogger(__name__)
bp = Blueprint("lti", __name__, url_prefix="/lti")


def refusal_page(error: LaunchRefused) -> tuple[str, int]:
    log.warning(
        "launch refused: reason=%s iss=%s client_id=%s deployment_id=%s detail=%s",
        error.code, error.issuer, error.client_id, error.deployment_id, error.detail,
    )
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
                nonce=result.nonce,
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
            nonce=check.nonce,
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
    lifetime = timedelta(seconds=int(current_app.config["TOOL_SESSION_LIFETIME"]))
    opened = identity.record_launch(session, context, lifetime)
    session.commit()
    log.info(
        "launch ok: iss=%s client_id=%s deployment_id=%s message=%s instructor=%s",
        context.issuer, context.client_id, context.deployment_id, context.message_type, context.is_instructor,
    )
    endpoint = "course.deep_link" if context.message_type == "LtiDeepLinkingRequest" else "course.landing"
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


@bp.route("/register", methods=["GET", "POST"])
def register():  # noqa: ANN201
    """Dynamic Registration: GET shows what will be registered, POST registers."""
    config_url = request.values.get("openid_configuration", "")
    token = request.values.get("registration_token") or None
    if not config_url:
        return render_template("lti/register_help.html"), 400
    options = {
        "development": current_app.config["ENV"] == "development",
        "timeout": float(current_app.config["HTTP_TIMEOUT_SECONDS"]),
    }
    try:
        config = registration.fetch_platform_configuration(config_url, token, **options)
        if request.method == "GET":
            return render_template(
                "lti/register_confirm.html", config=config, config_url=config_url, token=token or ""
            )
        base_url = adapters.tool_base_url()
        document = registration.tool_registration_request(base_url, current_app.config["TOOL_TITLE"], config)
        answer = registration.register_with_platform(config, token, document, timeout=options["timeout"])
    except registration.RegistrationFailed as error:
        log.warning("dynamic registration failed: %s (configuration %s)", error, config_url)
        return render_template("error.html", title="Registration did not complete", message=str(error)), 400
    session = db.get_session()
    platform = registration.store_registered_platform(session, config, answer)
    keys.ensure_key(session)
    session.commit()
    log.info("dynamic registration: iss=%s client_id=%s", platform.issuer, platform.client_id)
    return render_template("lti/register_done.html", platform=platform)
