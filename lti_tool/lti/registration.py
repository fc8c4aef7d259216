"""LTI Dynamic Registration (tool side), and the platform presets for manual registration.

The admin pastes ``https://TOOL/lti/register`` into Moodle or Canvas; the platform opens it with
``openid_configuration`` (URL of its configuration document) and ``registration_token``. We fetch
the configuration, POST our client registration to its ``registration_endpoint``, store the
platform, and the page closes the window with the spec's postMessage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti.launch import check_platform_url_allowed
from lti_tool.lti.launch import http_session
from lti_tool.lti.errors import LaunchRefused
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform

log = logging.getLogger(__name__)

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (*AGS_SCOPES, NRPS_SCOPE)


class RegistrationFailed(Exception):
    """Dynamic Registration could not complete; the message tells the admin what to fix."""


class _PlatformConfigurationClaim(Schema):
    class Meta:
        unknown = EXCLUDE

    product_family_code = fields.String(load_default="")
    version = fields.String(load_default="")
    messages_supported = fields.List(fields.Dict(), load_default=list)


class OpenIdConfigurationSchema(Schema):
    """The parts of a platform's openid-configuration we rely on (the rest is ignored)."""

    class Meta:
        unknown = EXCLUDE

    issuer = fields.String(required=True, validate=validate.Length(min=1))
    authorization_endpoint = fields.Url(required=True, require_tld=False)
    token_endpoint = fields.Url(required=True, require_tld=False)
    jwks_uri = fields.Url(required=True, require_tld=False)
    registration_endpoint = fields.Url(required=True, require_tld=False)
    scopes_supported = fields.List(fields.String(), load_default=list)
    token_endpoint_auth_methods_supported = fields.List(fields.String(), load_default=list)
    platform_configuration = fields.Nested(
        _PlatformConfigurationClaim, data_key=PLATFORM_CONFIGURATION, load_default=dict
    )


@dataclass(frozen=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    scopes_supported: tuple[str, ...]
    product: str
    product_family_code: str


def _product(family: str) -> str:
    family = family.lower()
    if "moodle" in family:
        return "moodle"
    if "canvas" in family:
        return "canvas"
    return "other"


def fetch_platform_configuration(url: str, token: str | None, *, development: bool,
                                 timeout: float) -> PlatformConfiguration:
    try:
        check_platform_url_allowed(url, development)
    except LaunchRefused as error:
        raise RegistrationFailed(
            f"The configuration URL {url} is not https; only a local LMS in development may use http."
        ) from error
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = http_session().get(url, headers=headers, timeout=timeout)
    except requests.RequestException as error:
        raise RegistrationFailed(f"Could not reach the LMS at {url}: {error}") from error
    if response.status_code != 200:
        raise RegistrationFailed(
            f"The LMS answered {response.status_code} for its configuration at {url}."
        )
    try:
        data = OpenIdConfigurationSchema().load(response.json())
    except ValueError as error:
        raise RegistrationFailed(f"The configuration at {url} is not JSON.") from error
    except ValidationError as error:
        fields_wrong = ", ".join(sorted(error.messages_dict))  # type: ignore[attr-defined]
        raise RegistrationFailed(
            f"The LMS configuration at {url} is missing or has invalid fields: {fields_wrong}."
        ) from error
    if urlsplit(url).netloc != urlsplit(data["issuer"]).netloc and not data["issuer"].startswith("https://canvas."):
        log.info("registration: configuration host %s differs from issuer %s", url, data["issuer"])
    family = data["platform_configuration"].get("product_family_code", "")
    return PlatformConfiguration(
        issuer=data["issuer"],
        authorization_endpoint=data["authorization_endpoint"],
        token_endpoint=data["token_endpoint"],
        jwks_uri=data["jwks_uri"],
        registration_endpoint=data["registration_endpoint"],
        scopes_supported=tuple(data["scopes_supported"]),
        product=_product(family),
        product_family_code=family,
    )


def tool_registration_request(base_url: str, title: str, config: PlatformConfiguration) -> dict[str, Any]:
    """Our client registration, per the LTI Dynamic Registration spec (and Canvas's extras)."""
    scopes = [s for s in TOOL_SCOPES if not config.scopes_supported or s in config.scopes_supported]
    host = urlsplit(base_url).netloc
    launch_url = base_url + "/lti/launch"
    document: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base_url + "/lti/login",
        "redirect_uris": [launch_url],
        "client_name": title,
        "jwks_uri": base_url + "/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": host,
            "target_link_uri": launch_url,
            "description": "Randomized quizzes on the therapeutic relationship, graded into your gradebook.",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": launch_url},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": launch_url,
                    "label": title,
                    "placements": ["ContentArea", "assignment_selection", "link_selection"],
                    "supported_types": ["ltiResourceLink"],
                },
            ],
        },
    }
    if config.product == "canvas":
        document[TOOL_CONFIGURATION]["https://canvas.instructure.com/lti/privacy_level"] = "public"
    return document


def register_with_platform(config: PlatformConfiguration, token: str | None, document: dict[str, Any],
                           *, timeout: float) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = http_session().post(config.registration_endpoint, json=document, headers=headers, timeout=timeout)
    except requests.RequestException as error:
        raise RegistrationFailed(f"Could not reach the LMS registration endpoint: {error}") from error
    if response.status_code not in (200, 201):
        raise RegistrationFailed(
            f"The LMS refused the registration ({response.status_code}): {response.text[:500]}"
        )
    try:
        answer = response.json()
    except ValueError as error:
        raise RegistrationFailed("The LMS answered the registration with something that is not JSON.") from error
    if not isinstance(answer, dict) or not answer.get("client_id"):
        raise RegistrationFailed("The LMS answered the registration without a client_id.")
    return answer


def store_registered_platform(session: Session, config: PlatformConfiguration, answer: dict[str, Any]) -> Platform:
    client_id = str(answer["client_id"])
    platform = session.scalars(
        select(Platform).where(Platform.issuer == config.issuer, Platform.client_id == client_id)
    ).first()
    if platform is None:
        platform = Platform(issuer=config.issuer, client_id=client_id)
        session.add(platform)
    platform.name = platform.name or f"{config.product_family_code or 'LMS'} at {urlsplit(config.issuer).netloc}"
    platform.auth_login_url = config.authorization_endpoint
    platform.auth_token_url = config.token_endpoint
    platform.key_set_url = config.jwks_uri
    platform.product = config.product
    platform.active = True
    session.flush()
    deployment_id = (answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
    if deployment_id and not any(d.deployment_id == str(deployment_id) for d in platform.deployments):
        platform.deployments.append(Deployment(deployment_id=str(deployment_id), approved=True))
        session.flush()
    return platform
