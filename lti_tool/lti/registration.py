"""LTI Dynamic Registration (tool side), and the platform presets for manual registration.

The admin pastes a registration URL into Moodle or Canvas; the platform opens it with
``openid_configuration`` (URL of its configuration document) and ``registration_token``. We fetch
the configuration, check it, POST our client registration to its ``registration_endpoint``,
store the platform, and the page closes the window with the spec's postMessage.

Who may register, and what a registration may claim (README "Registering with an LMS"):

- The registration URL is public (it is typed into an LMS admin page), so registration is gated:
  only a one-time link made by ``quiztool platform registration-link`` opens it, unless
  REGISTRATION_OPEN is set (the demo, development). Nothing is fetched before the gate passed.
- The issuer in the configuration must be on the host of the configuration URL (LTI Dynamic
  Registration 1.0 asks the tool to check that they match). Instructure-hosted Canvas is the one
  exception: its issuer is ``https://canvas.instructure.com`` (beta, test likewise) for every
  institution, and its configuration URL may sit on any host under ``instructure.com``.
- The authorization, token, JWKS and registration endpoints must be on the configuration URL's
  host or the issuer's (hosted Canvas: also under ``instructure.com`` or ``canvaslms.com``).
- Every fetch goes through ``outbound`` (https only, public addresses only in production,
  bounded time and size, no redirects).
- A registration never changes an existing (issuer, client_id): that is refused, naming the
  platform; changing a platform's endpoints is ``quiztool platform update`` (logged).
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

from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.lti.outbound import OutboundRefused
from lti_tool.lti.outbound import http_session
from lti_tool.lti.outbound import read_limited
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.platform_hosts import CANVAS_CLOUD_HOSTS
from lti_tool.platform_hosts import PlatformHosts
from lti_tool.platform_hosts import is_canvas_cloud

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
#: A configuration document or a registration answer is a few kilobytes.
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_URL_LENGTH = 2000


class RegistrationFailed(Exception):
    """Dynamic Registration could not complete; the message tells the admin what to fix."""


class PlatformAlreadyRegistered(RegistrationFailed):
    """The platform answered with an (issuer, client_id) that is registered already."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(
            f"This LMS is already registered as platform {platform.id} ({platform.name or platform.issuer}; "
            f"issuer {platform.issuer}, client id {platform.client_id}). A registration never changes an "
            f"existing platform: nothing was changed. To change its endpoints or keys, an administrator runs "
            f"`quiztool platform update {platform.id} ...` on the tool's server."
        )
        self.platform = platform


class _PlatformConfigurationClaim(Schema):
    class Meta:
        unknown = EXCLUDE

    product_family_code = fields.String(load_default="")
    version = fields.String(load_default="")
    messages_supported = fields.List(fields.Dict(), load_default=list)


def _url(**kwargs: Any) -> fields.Url:
    return fields.Url(require_tld=False, schemes={"http", "https"}, validate=validate.Length(max=MAX_URL_LENGTH),
                      **kwargs)


class OpenIdConfigurationSchema(Schema):
    """The parts of a platform's openid-configuration we rely on (the rest is ignored)."""

    class Meta:
        unknown = EXCLUDE

    issuer = _url(required=True)
    authorization_endpoint = _url(required=True)
    token_endpoint = _url(required=True)
    jwks_uri = _url(required=True)
    registration_endpoint = _url(required=True)
    scopes_supported = fields.List(fields.String(), load_default=list)
    token_endpoint_auth_methods_supported = fields.List(fields.String(), load_default=list)
    platform_configuration = fields.Nested(
        _PlatformConfigurationClaim, data_key=PLATFORM_CONFIGURATION, load_default=dict
    )


@dataclass(frozen=True)
class PlatformConfiguration:
    config_url: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    scopes_supported: tuple[str, ...]
    product: str
    product_family_code: str

    @property
    def hosts(self) -> list[str]:
        """Hosts to remember beside the endpoints': where the configuration and the registration
        endpoint live (hosted Canvas: the institution's host, where its AGS URLs point and whose
        pages frame the tool), and hosted Canvas's own hosts."""
        extra = [urlsplit(self.config_url).netloc.lower(), urlsplit(self.registration_endpoint).netloc.lower()]
        if is_canvas_cloud(self.issuer):
            extra.extend(CANVAS_CLOUD_HOSTS)
        return list(dict.fromkeys(extra))

    @property
    def suggests_auto_deployments(self) -> bool:
        """Canvas makes a deployment id per course or account install: record them as they come."""
        return self.product == "canvas"


def _product(family: str) -> str:
    family = family.lower()
    if "moodle" in family:
        return "moodle"
    if "canvas" in family:
        return "canvas"
    return "other"


def check_platform_configuration(config_url: str, data: dict[str, Any], policy: OutboundPolicy) -> None:
    """The issuer and endpoints of a configuration must belong to the host it was fetched from
    (module docstring); raises RegistrationFailed naming the field that does not."""
    issuer = data["issuer"]
    issuer_parts = urlsplit(issuer)
    if issuer_parts.query or issuer_parts.fragment:
        raise RegistrationFailed(f"The LMS's issuer {issuer} has a query or fragment; an issuer is a plain URL.")
    try:
        policy.check_url(issuer)
    except OutboundRefused as refused:
        raise RegistrationFailed(f"The LMS's issuer is not acceptable: {refused}") from refused
    config_only = PlatformHosts.from_parts([config_url], ())
    canvas = is_canvas_cloud(issuer)
    if not config_only.allows(issuer.rstrip("/") + "/"):
        canvas_hosts = PlatformHosts.from_parts([], CANVAS_CLOUD_HOSTS)
        if not (canvas and canvas_hosts.allows(config_url)):
            raise RegistrationFailed(
                f"The configuration at {urlsplit(config_url).netloc} names the issuer {issuer}, which is on "
                "another host. An LMS's configuration must come from its own host (LTI Dynamic Registration "
                "1.0), so this registration was refused and nothing was stored."
            )
    platform_hosts = PlatformHosts.from_parts([config_url, issuer], CANVAS_CLOUD_HOSTS if canvas else ())
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        url = data[name]
        if not platform_hosts.allows(url):
            raise RegistrationFailed(
                f"The LMS's {name} {url} is not on the LMS's own host ({urlsplit(config_url).netloc}); "
                "this registration was refused and nothing was stored."
            )
        try:
            policy.check_url(url)
        except OutboundRefused as refused:
            raise RegistrationFailed(f"The LMS's {name} is not acceptable: {refused}") from refused


def _answer_json(response: requests.Response, what: str) -> Any:
    try:
        body = read_limited(response, MAX_DOCUMENT_BYTES)
    except OutboundRefused as refused:
        raise RegistrationFailed(f"The LMS's {what} is too large: {refused}") from refused
    try:
        return requests.compat.json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise RegistrationFailed(f"The LMS's {what} is not JSON.") from error


def fetch_platform_configuration(url: str, token: str | None, policy: OutboundPolicy) -> PlatformConfiguration:
    if len(url) > MAX_URL_LENGTH:
        raise RegistrationFailed(f"The configuration URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        policy.check_resolved(url)
    except OutboundRefused as refused:
        raise RegistrationFailed(f"The configuration URL is not acceptable: {refused}") from refused
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = http_session(policy).get(url, headers=headers, stream=True)
    except OutboundRefused as refused:
        raise RegistrationFailed(f"The configuration URL is not acceptable: {refused}") from refused
    except requests.RequestException as error:
        raise RegistrationFailed(f"Could not reach the LMS at {url}: {type(error).__name__}.") from error
    if response.status_code != 200:
        response.close()
        raise RegistrationFailed(
            f"The LMS answered {response.status_code} for its configuration at {url}."
        )
    raw = _answer_json(response, f"configuration at {url}")
    if not isinstance(raw, dict):
        raise RegistrationFailed(f"The configuration at {url} is not a JSON object.")
    try:
        data = OpenIdConfigurationSchema().load(raw)
    except ValidationError as error:
        fields_wrong = ", ".join(sorted(error.normalized_messages()))
        raise RegistrationFailed(
            f"The LMS configuration at {url} is missing or has invalid fields: {fields_wrong}."
        ) from error
    check_platform_configuration(url, data, policy)
    family = data["platform_configuration"].get("product_family_code", "")
    return PlatformConfiguration(
        config_url=url,
        issuer=data["issuer"],
        authorization_endpoint=data["authorization_endpoint"],
        token_endpoint=data["token_endpoint"],
        jwks_uri=data["jwks_uri"],
        registration_endpoint=data["registration_endpoint"],
        scopes_supported=tuple(data["scopes_supported"]),
        product="canvas" if is_canvas_cloud(data["issuer"]) else _product(family),
        product_family_code=family[:100],
    )


def icon_url(base_url: str) -> str:
    """The tool's icon (``lti_tool/static/icon.svg``), for the LMS's tool card."""
    return base_url + "/static/icon.svg"


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
        "logo_uri": icon_url(base_url),
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
                           policy: OutboundPolicy) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        policy.check_resolved(config.registration_endpoint)
        response = http_session(policy).post(config.registration_endpoint, json=document, headers=headers,
                                             stream=True)
    except OutboundRefused as refused:
        raise RegistrationFailed(f"The LMS's registration endpoint is not acceptable: {refused}") from refused
    except requests.RequestException as error:
        raise RegistrationFailed(f"Could not reach the LMS registration endpoint: {type(error).__name__}.") from error
    if response.status_code not in (200, 201):
        try:
            text = read_limited(response, MAX_DOCUMENT_BYTES).decode("utf-8", "replace")
        except OutboundRefused:
            text = ""
        raise RegistrationFailed(f"The LMS refused the registration ({response.status_code}): {text[:500]}")
    answer = _answer_json(response, "registration answer")
    if not isinstance(answer, dict) or not answer.get("client_id") or not isinstance(answer["client_id"], (str, int)):
        raise RegistrationFailed("The LMS answered the registration without a client_id.")
    if len(str(answer["client_id"])) > 255:
        raise RegistrationFailed("The LMS answered the registration with a client_id longer than 255 characters.")
    return answer


def store_registered_platform(session: Session, config: PlatformConfiguration, answer: dict[str, Any], *,
                              auto_register_deployments: bool) -> Platform:
    """Record a new platform. An existing (issuer, client_id) is refused, never changed."""
    client_id = str(answer["client_id"])
    existing = session.scalars(
        select(Platform).where(Platform.issuer == config.issuer, Platform.client_id == client_id)
    ).first()
    if existing is not None:
        raise PlatformAlreadyRegistered(existing)
    platform = Platform(
        issuer=config.issuer,
        client_id=client_id,
        name=f"{config.product_family_code or 'LMS'} at {urlsplit(config.issuer).netloc}"[:200],
        auth_login_url=config.authorization_endpoint,
        auth_token_url=config.token_endpoint,
        key_set_url=config.jwks_uri,
        product=config.product,
        active=True,
        auto_register_deployments=auto_register_deployments,
        hosts=config.hosts,
        registered_via="dynamic",
    )
    session.add(platform)
    session.flush()
    tool_configuration = answer.get(TOOL_CONFIGURATION)
    deployment_id = tool_configuration.get("deployment_id") if isinstance(tool_configuration, dict) else None
    if isinstance(deployment_id, (str, int)) and 0 < len(str(deployment_id)) <= 255:
        platform.deployments.append(Deployment(deployment_id=str(deployment_id), approved=True))
        session.flush()
    return platform
