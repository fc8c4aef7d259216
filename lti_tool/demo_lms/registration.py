"""LTI Dynamic Registration 1.0, platform side.

An administrator enters the tool's registration URL on the admin page; the platform opens it in
an iframe with ``openid_configuration`` (our configuration URL) and ``registration_token`` (single
use, one hour). The tool reads the configuration, POSTs its registration here with that token as
a Bearer credential, and finally posts ``{subject: "org.imsglobal.lti.close"}`` to its parent
window, which closes the frame and shows the new tool.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import request
from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoRegistrationToken
from lti_tool.demo_lms.blueprint import ServiceError
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.claims import SUPPORTED_VARIABLES
from lti_tool.demo_lms.platform import PlatformUrls
from lti_tool.demo_lms.platform import urls
from lti_tool.demo_lms.schemas import first_error
from lti_tool.demo_lms.setup import SUPPORTED_SCOPES
from lti_tool.demo_lms.setup import register_tool

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
REGISTRATION_TOKEN_LIFETIME = timedelta(hours=1)
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")

def _url_field(**kwargs: Any) -> fields.Url:
    return fields.Url(require_tld=False, schemes={"http", "https"}, **kwargs)

class MessageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True)
    target_link_uri = _url_field()
    label = fields.String()
    placements = fields.List(fields.String())
    custom_parameters = fields.Dict(keys=fields.String(), values=fields.String())
    roles = fields.List(fields.String())

class ToolConfigurationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    domain = fields.String(required=True, validate=validate.Length(min=1))
    secondary_domains = fields.List(fields.String())
    target_link_uri = _url_field(required=True)
    custom_parameters = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.String()
    messages = fields.List(fields.Nested(MessageSchema), load_default=list)
    claims = fields.List(fields.String(), load_default=list)

class RegistrationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    application_type = fields.String(required=True, validate=validate.Equal("web"))
    response_types = fields.List(fields.String(), required=True)
    grant_types = fields.List(fields.String(), required=True)
    initiate_login_uri = _url_field(required=True)
    redirect_uris = fields.List(_url_field(), required=True, validate=validate.Length(min=1))
    client_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    jwks_uri = _url_field(required=True)
    logo_uri = _url_field()
    token_endpoint_auth_method = fields.String(required=True, validate=validate.Equal("private_key_jwt"))
    scope = fields.String(load_default="")
    contacts = fields.List(fields.String())
    tool_configuration = fields.Nested(ToolConfigurationSchema, required=True, data_key=TOOL_CONFIGURATION)

    @validates_schema
    def _oidc_and_domains(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "id_token" not in data["response_types"]:
            raise ValidationError("must include id_token", "response_types")
        missing = {"implicit", "client_credentials"} - set(data["grant_types"])
        if missing:
            raise ValidationError(f"must include {', '.join(sorted(missing))}", "grant_types")
        config = data["tool_configuration"]
        domains = {config["domain"].lower(), *(d.lower() for d in config.get("secondary_domains", []))}
        for name, url in [
            ("initiate_login_uri", data["initiate_login_uri"]),
            ("target_link_uri", config["target_link_uri"]),
            *(("redirect_uris", u) for u in data["redirect_uris"]),
        ]:
            parts = urlsplit(url)
            if parts.netloc.lower() not in domains and (parts.hostname or "").lower() not in domains:
                raise ValidationError(f"{url} is not on the tool's domain {config['domain']}", name)

def openid_configuration(endpoints: PlatformUrls) -> dict[str, Any]:
    return {
        "issuer": endpoints.base,
        "authorization_endpoint": endpoints.auth,
        "token_endpoint": endpoints.token,
        "registration_endpoint": endpoints.registration,
        "jwks_uri": endpoints.jwks,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", *SUPPORTED_SCOPES],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "claims_supported": ["iss", "aud", "sub", "iat", "exp", "nonce", "name", "given_name", "family_name", "email"],
        PLATFORM_CONFIGURATION: {
            "product_family_code": "quiztool-demo-lms",
            "version": "1.0",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
            ],
            "variables": list(SUPPORTED_VARIABLES),
        },
    }

@bp.get("/.well-known/openid-configuration")
def well_known_openid_configuration():  # noqa: ANN201
    return openid_configuration(urls(get_session()))

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

def new_registration_token(session: Session) -> tuple[str, DemoRegistrationToken]:
    token = secrets.token_urlsafe(32)
    row = DemoRegistrationToken(
        token_hash=_hash(token), created_at=utcnow(), expires_at=utcnow() + REGISTRATION_TOKEN_LIFETIME
    )
    session.add(row)
    session.flush()
    return token, row

@bp.post("/register")
def register():  # noqa: ANN201
    session = get_session()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceError(401, "invalid_token", "the registration_token must be sent as Authorization: Bearer <token>")
    row = session.get(DemoRegistrationToken, _hash(token.strip()))
    if row is None or row.expires_at <= utcnow() or row.used_at is not None:
        raise ServiceError(401, "invalid_token", "the registration token is unknown, expired or already used")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(400, "invalid_client_metadata", "the body must be a JSON object (Content-Type: application/json)")
    try:
        data = RegistrationSchema().load(body)
    except ValidationError as exc:
        raise ServiceError(400, "invalid_client_metadata", first_error(exc)) from exc
    config = data["tool_configuration"]
    deep_link = next((m for m in config["messages"] if m["type"] == "LtiDeepLinkingRequest"), None)
    requested = data["scope"].split()
    tool = register_tool(
        session,
        name=data["client_name"],
        initiate_login_uri=data["initiate_login_uri"],
        redirect_uris=data["redirect_uris"],
        target_link_uri=config["target_link_uri"],
        deep_link_uri=(deep_link.get("target_link_uri") or config["target_link_uri"]) if deep_link else None,
        jwks_uri=data["jwks_uri"],
        scopes=[s for s in SUPPORTED_SCOPES if s in requested],
        custom_parameters=config.get("custom_parameters", {}),
        registration=body,
    )
    row.used_at = utcnow()
    row.tool_id = tool.id
    answer = dict(body)
    answer["client_id"] = tool.client_id
    answer["scope"] = " ".join(tool.scopes)
    answer[TOOL_CONFIGURATION] = {**body[TOOL_CONFIGURATION], "deployment_id": tool.deployment_id}
    session.commit()
    return answer, 200
