"""OIDC login and id_token validation: pylti1p3's classes, extended where 2.0.0 falls short.

What we add to pylti1p3 (see shared/LTI-NOTES.md §2.5 and §7):
- ``aud`` must contain our client id, extra audiences need ``azp`` equal to our client id;
- ``exp``/``iat`` are required and checked with a configurable leeway; tokens older than
  JWT_MAX_AGE_SECONDS are refused; only RS256 is accepted;
- the platform JWKS is cached in the database and refetched once on an unknown ``kid``;
- the nonce in the id_token must be the one issued with that state at login, and the state is
  used once: a launch claims it, and a replay is refused as "already used";
- state is bound to the browser by a ``SameSite=None; Secure; Partitioned`` cookie, or by LTI
  platform storage (postMessage) when the login asked for it: the login page leaves a secret in
  the platform's frame that only a page of ours in the same browser can read back (state and
  nonce alone prove nothing: whoever holds the id_token knows them), or the launch moves to a
  new window;
- a new deployment id of a known client is recorded on its first valid launch when the
  platform's registration says so (or awaits approval);
- ``target_link_uri`` must point at this tool, already at login; login parameters are capped in
  length before anything echoes them;
- every refusal is a ``LaunchRefused`` with a code, never an unhandled exception.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from urllib.parse import urlsplit

import jwt
import requests
from jwt.algorithms import RSAAlgorithm
from pylti1p3.contrib.flask import FlaskCookieService
from pylti1p3.contrib.flask import FlaskMessageLaunch
from pylti1p3.contrib.flask import FlaskOIDCLogin
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.contrib.flask import FlaskSessionService
from pylti1p3.exception import LtiException
from pylti1p3.registration import Registration
from sqlalchemy.orm import Session

from lti_tool.lti.claims import CLAIM
from lti_tool.lti.errors import CookiesUnavailable
from lti_tool.lti.errors import LaunchRefused
from lti_tool.lti.errors import NeedsPlatformStorageCheck
from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.lti.outbound import OutboundRefused
from lti_tool.lti.outbound import http_session
from lti_tool.lti.outbound import read_limited
from lti_tool.lti.storage import DatabaseLaunchDataStorage
from lti_tool.lti.tool_conf import DatabaseToolConf
from lti_tool.lti.tool_conf import PlatformRecord
from lti_tool.models.base import utcnow

log = logging.getLogger(__name__)

LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
    "lti_storage_target",
)
#: Longest value of each login parameter we accept (they are stored and echoed into redirects).
#: Ids follow the 255-character limit of LTI 1.3; hints are opaque to us but platform-made.
LOGIN_PARAM_LIMITS = {
    "iss": 500,
    "login_hint": 1000,
    "target_link_uri": 1000,
    "lti_message_hint": 4000,
    "client_id": 255,
    "lti_deployment_id": 255,
    "lti_storage_target": 100,
}
#: A platform's JWKS is a few keys.
MAX_JWKS_BYTES = 256 * 1024
#: Form values a launch POST may carry and their limits (an id_token is a few kilobytes).
LAUNCH_PARAM_LIMITS = {"id_token": 65536, "state": 100, "lti_storage_proof": 100}
USED_STATE_PREFIX = "used-"


@dataclass(frozen=True)
class LaunchSettings:
    """The configuration values launch validation needs (read once per request)."""

    leeway_seconds: int
    max_age_seconds: int
    login_state_lifetime: int
    jwks_cache_seconds: int
    cookie_partitioned: bool
    outbound: OutboundPolicy
    tool_origin: str


class OnDemandHttpSession:
    """Stands in for ``outbound.http_session()`` and makes it on first use. A launch needs HTTP
    only to refetch a platform's JWKS, which is rare, while making a requests.Session (adapters,
    pools) cost measurable CPU on every launch."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self._policy = policy
        self._session: requests.Session | None = None

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._session = http_session(self._policy)
        return getattr(self._session, name)


def check_platform_url_allowed(url: str, policy: OutboundPolicy) -> None:
    """Plain http is for a local Moodle or the demo LMS in development only."""
    try:
        policy.check_url(url)
    except OutboundRefused as refused:
        raise LaunchRefused("platform_insecure", str(refused)) from refused


def check_lengths(params: dict[str, str], limits: dict[str, int], code: str) -> None:
    for name, limit in limits.items():
        value = params.get(name)
        if value is not None and len(value) > limit:
            raise LaunchRefused(code, f"{name} is {len(value)} characters long; at most {limit} are accepted")


def check_target_link_uri(target: str, tool_origin: str) -> None:
    parts = urlsplit(target)
    if f"{parts.scheme}://{parts.netloc}" != tool_origin:
        raise LaunchRefused("target_mismatch", f"target_link_uri {target[:200]} is not on {tool_origin}")


def usable_platform(platform: PlatformRecord | None, iss: str, client_id: str | None) -> PlatformRecord:
    """The registration a login or launch names, or the refusal that says why it cannot be used."""
    if platform is None:
        error = LaunchRefused("platform_unknown", f"no registration for iss={iss} client_id={client_id}")
        error.issuer, error.client_id = iss, client_id
        raise error
    if not platform.active:
        raise LaunchRefused("platform_inactive", f"platform {platform.id} is inactive")
    return platform


@functools.lru_cache(maxsize=64)
def rsa_public_key(public_jwk_json: str) -> Any:
    """The verifying key of a platform's public JWK (``kty``, ``n``, ``e`` only), parsed once per
    process: every launch of a platform is signed with the same few keys."""
    return RSAAlgorithm.from_jwk(public_jwk_json)


class StateCookieService(FlaskCookieService):
    """The state cookie as it must be to survive an LMS iframe: SameSite=None; Secure; Partitioned.

    Browsers treat loopback (http://localhost) as secure, so the same attributes work in the demo.
    """

    def __init__(self, request: FlaskRequest, *, secure: bool, partitioned: bool) -> None:
        super().__init__(request)
        self._secure = secure
        self._partitioned = partitioned

    def update_response(self, response: Any) -> None:
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key,
                data["value"],
                max_age=data["exp"],
                path="/",
                httponly=True,
                secure=self._secure,
                samesite="None" if self._secure else "Lax",
                partitioned=self._secure and self._partitioned,
            )


class ToolOIDCLogin(FlaskOIDCLogin):
    """Third-party initiated login. Always a GET redirect to the platform (Moodle's Lax cookies)."""

    def __init__(self, request: FlaskRequest, tool_conf: DatabaseToolConf, settings: LaunchSettings,
                 cookies: StateCookieService, storage: DatabaseLaunchDataStorage) -> None:
        super().__init__(request, tool_conf, FlaskSessionService(request), cookies, storage)
        self._settings = settings
        self._tool_conf = tool_conf
        self.set_launch_data_storage(storage)
        self.set_launch_data_lifetime(settings.login_state_lifetime)
        self.platform: PlatformRecord | None = None

    def validate_oidc_login(self) -> Registration:
        iss = self._get_request_param("iss")
        login_hint = self._get_request_param("login_hint")
        if not iss or not login_hint:
            missing = [n for n, v in (("iss", iss), ("login_hint", login_hint)) if not v]
            raise LaunchRefused("login_params_missing", f"missing {', '.join(missing)}")
        check_lengths({name: self._get_request_param(name) or "" for name in LOGIN_PARAMS},
                      LOGIN_PARAM_LIMITS, "login_params_invalid")
        client_id = self._get_request_param("client_id")
        platform = self._tool_conf.platform(iss, client_id)
        if platform is None and not client_id:
            candidates = self._tool_conf.platforms_for_issuer(iss)
            platform = candidates[0] if len(candidates) == 1 else None
        platform = usable_platform(platform, iss, client_id)
        check_platform_url_allowed(platform.auth_login_url, self._settings.outbound)
        self.platform = platform
        return self._tool_conf.registration_for(platform)

    def prepare(self, launch_url: str) -> tuple[str, str, str, str | None]:
        """Validate the login, issue state and nonce; return (auth URL, state, nonce, storage
        secret). The nonce and, when the platform offers platform storage, a secret for it are
        kept with the state, so the launch can check they belong together."""
        registration = self.validate_oidc_login()
        target_link_uri = self._get_request_param("target_link_uri")
        if not target_link_uri:
            raise LaunchRefused("login_params_missing", "missing target_link_uri")
        check_target_link_uri(target_link_uri, self._settings.tool_origin)
        params: dict[str, object] = {name: self._get_request_param(name) for name in LOGIN_PARAMS}
        params = {k: v for k, v in params.items() if v}
        state = "state-" + str(uuid.uuid4())
        nonce = uuid.uuid4().hex + secrets.token_hex(16)
        params["nonce"] = nonce
        storage_secret = secrets.token_urlsafe(24) if params.get("lti_storage_target") else None
        if storage_secret:
            params["storage_secret"] = storage_secret
        self._cookie_service.set_cookie(state, state, self._settings.login_state_lifetime)
        self._session_service.save_state_params(state, params)
        auth_params = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": registration.get_client_id(),
            "redirect_uri": launch_url,
            "state": state,
            "nonce": nonce,
            "login_hint": params["login_hint"],
        }
        if params.get("lti_message_hint"):
            auth_params["lti_message_hint"] = params["lti_message_hint"]
        auth_login_url = registration.get_auth_login_url() or ""
        separator = "&" if urlsplit(auth_login_url).query else "?"
        return auth_login_url + separator + urlencode(auth_params), state, nonce, storage_secret

    def response_with_cookies(self, response: Any) -> Any:
        self._cookie_service.update_response(response)
        return response


class ToolMessageLaunch(FlaskMessageLaunch):
    """A resource link or deep linking launch, validated completely or refused with a reason."""

    def __init__(self, request: FlaskRequest, tool_conf: DatabaseToolConf, settings: LaunchSettings,
                 cookies: StateCookieService, storage: DatabaseLaunchDataStorage,
                 db: Session, http: requests.Session) -> None:
        super().__init__(
            request,
            tool_conf,
            session_service=FlaskSessionService(request),
            cookie_service=cookies,
            launch_data_storage=storage,
            requests_session=http,
        )
        self._settings = settings
        self._tool_conf = tool_conf
        self._storage = storage
        self._db = db
        self.platform: PlatformRecord | None = None

    # -- the chain ------------------------------------------------------------------------------
    def validate(self) -> ToolMessageLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            check_lengths({name: self._get_request_param(name) or "" for name in LAUNCH_PARAM_LIMITS},
                          LAUNCH_PARAM_LIMITS, "token_malformed")
            self.validate_jwt_format()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_state()
            self.validate_deployment()
            self.validate_message()
            self.validate_target_link_uri()
            self.validate_nonce()  # last: a refused launch must not burn the nonce
            self.save_launch_data()
        except LaunchRefused as error:
            self._validated = False
            self._annotate(error)
            raise
        except (CookiesUnavailable, NeedsPlatformStorageCheck):
            self._validated = False
            raise
        except LtiException as error:
            self._validated = False
            refused = LaunchRefused("message_invalid", str(error))
            self._annotate(refused)
            raise refused from error
        return self

    def _annotate(self, error: LaunchRefused) -> None:
        body = self._jwt.get("body")
        body = body if isinstance(body, dict) else {}  # a refused token may not even be an object
        error.issuer = error.issuer or (body.get("iss") if isinstance(body.get("iss"), str) else None)
        error.client_id = error.client_id or (self.platform.client_id if self.platform else None)
        deployment = body.get(CLAIM + "deployment_id")
        error.deployment_id = deployment if isinstance(deployment, str) else None

    # -- format and registration ------------------------------------------------------------------
    def validate_jwt_format(self) -> ToolMessageLaunch:
        id_token = self._get_request_param("id_token")
        if not id_token:
            raise LaunchRefused("token_malformed", "no id_token in the launch request")
        try:
            super().validate_jwt_format()
        except LtiException as error:
            raise LaunchRefused("token_malformed", str(error)) from error
        if not isinstance(self._jwt.get("body"), dict) or not isinstance(self._jwt.get("header"), dict):
            raise LaunchRefused("token_malformed", "id_token header or body is not a JSON object")
        alg = self._jwt["header"].get("alg")
        if alg != "RS256":
            raise LaunchRefused("token_signature", f"alg {alg!r} refused: only RS256 is accepted")
        if not self._jwt["header"].get("kid"):
            raise LaunchRefused("token_signature", "JWT KID not found in the id_token header")
        return self

    def get_client_id(self) -> str:
        """Our client id among the audiences: ``aud`` itself, or ``azp`` when there are several."""
        body = self._jwt.get("body", {})
        aud = body.get("aud")
        if isinstance(aud, str):
            return aud
        if isinstance(aud, list) and aud:
            if len(aud) == 1:
                return str(aud[0])
            azp = body.get("azp")
            if not azp:
                raise LaunchRefused("token_audience", "several audiences but no azp claim")
            if azp not in aud:
                raise LaunchRefused("token_audience", f"azp {azp!r} is not among the audiences")
            return str(azp)
        raise LaunchRefused("message_invalid", "aud claim missing")

    def validate_registration(self) -> ToolMessageLaunch:
        iss = self._jwt["body"].get("iss")
        if not isinstance(iss, str) or not iss:
            raise LaunchRefused("message_invalid", "iss claim missing")
        client_id = self.get_client_id()
        deployment_id = self._jwt["body"].get(CLAIM + "deployment_id")
        platform = self._tool_conf.platform(iss, client_id, deployment_id if isinstance(deployment_id, str) else None)
        aud = self._jwt["body"].get("aud")
        if platform is None and isinstance(aud, list) and any(self._tool_conf.platform(iss, str(a)) for a in aud):
            raise LaunchRefused("token_audience", f"azp {client_id!r} names another tool among the audiences")
        platform = usable_platform(platform, iss, client_id)
        self.platform = platform
        self._registration = self._tool_conf.registration_for(platform)
        return self

    # -- signature, with a DB-cached JWKS refetched on an unknown kid ----------------------------
    def _fetch_jwks(self, platform: PlatformRecord) -> dict[str, Any]:
        check_platform_url_allowed(platform.key_set_url, self._settings.outbound)
        try:
            self._settings.outbound.check_resolved(platform.key_set_url)
            response = self._requests_session.get(platform.key_set_url, stream=True)
            response.raise_for_status()
            key_set = json.loads(read_limited(response, MAX_JWKS_BYTES))
        except OutboundRefused as refused:
            raise LaunchRefused("platform_unreachable", f"JWKS {platform.key_set_url}: {refused}") from refused
        except (requests.RequestException, ValueError, RecursionError) as error:
            raise LaunchRefused("platform_unreachable", f"JWKS {platform.key_set_url}: {error}") from error
        if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
            raise LaunchRefused("platform_unreachable", f"JWKS {platform.key_set_url} is not a key set")
        self.platform = self._tool_conf.store_key_set(platform, key_set)
        return key_set

    def _find_key(self, key_set: dict[str, Any], kid: str) -> dict[str, Any] | None:
        for key in key_set.get("keys", []):
            if isinstance(key, dict) and key.get("kid") == kid and key.get("alg", "RS256") == "RS256":
                return key
        return None

    def get_public_key(self) -> tuple[Any, str]:
        assert self.platform is not None
        kid = self._jwt["header"]["kid"]
        platform = self.platform
        fresh = platform.key_set_fetched_at is not None and (
            utcnow() - platform.key_set_fetched_at < timedelta(seconds=self._settings.jwks_cache_seconds)
        )
        key_set = platform.key_set if (platform.key_set and fresh) else self._fetch_jwks(platform)
        key = self._find_key(key_set, kid)
        if key is None and key_set is platform.key_set and fresh:
            key = self._find_key(self._fetch_jwks(platform), kid)  # key rotation: refetch once
        if key is None:
            raise LaunchRefused("token_signature", f"Unable to find public key for kid {kid!r}")
        try:
            return rsa_public_key(json.dumps({"kty": key.get("kty"), "n": key.get("n"), "e": key.get("e")},
                                             sort_keys=True)), "RS256"
        except (jwt.InvalidKeyError, ValueError, TypeError, KeyError) as error:
            raise LaunchRefused("token_signature", f"platform key {kid!r} is not a usable RSA key") from error

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        assert self.platform is not None
        public_key, alg = self.get_public_key()
        try:
            claims = jwt.decode(
                self._get_request_param("id_token"),
                public_key,
                algorithms=[alg],
                audience=self.get_client_id(),
                issuer=self.platform.issuer,
                leeway=self._settings.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefused("token_expired", str(error)) from error
        except jwt.ImmatureSignatureError as error:
            raise LaunchRefused("token_expired", f"issued in the future: {error}") from error
        except jwt.InvalidAudienceError as error:
            raise LaunchRefused("token_audience", str(error)) from error
        except jwt.InvalidIssuerError as error:
            raise LaunchRefused("token_issuer", str(error)) from error
        except jwt.MissingRequiredClaimError as error:
            raise LaunchRefused("message_invalid", str(error)) from error
        except jwt.InvalidTokenError as error:
            raise LaunchRefused("token_signature", str(error)) from error
        azp = claims.get("azp")
        if azp is not None and azp != self.platform.client_id:
            raise LaunchRefused("token_audience", f"azp {azp!r} is not our client id")
        age = utcnow().timestamp() - float(claims["iat"])
        if age > self._settings.max_age_seconds + self._settings.leeway_seconds:
            raise LaunchRefused("token_expired", f"iat is {int(age)} s old")
        return self

    # -- state bound to this browser ----------------------------------------------------------
    def validate_state(self) -> ToolMessageLaunch:
        """The state was issued by us, is unused, was issued with this token's nonce, and this
        browser holds it (cookie, or the platform-storage secret read back by our own page)."""
        state = self._get_request_param("state")
        if not state:
            raise LaunchRefused("state_missing", "Missing state param")
        state_key = self._session_service._get_key(state)
        params, used = self._storage.get_pair(state_key, self._session_service._get_key(USED_STATE_PREFIX + state))
        if used:
            raise LaunchRefused("launch_replayed", "this state was already used by a completed launch")
        if not isinstance(params, dict):
            raise LaunchRefused("state_unknown", "state not issued by us or expired")
        nonce = self._jwt["body"].get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise LaunchRefused("nonce_invalid", '"nonce" is empty')
        if not secrets.compare_digest(nonce, str(params.get("nonce", ""))):
            raise LaunchRefused("nonce_invalid", "the id_token's nonce was not issued with this state")
        if self._cookie_service.get_cookie(state) == state:
            return self
        storage_target = params.get("lti_storage_target")
        proof = self._get_request_param("lti_storage_proof")
        secret = params.get("storage_secret")
        if storage_target and proof and isinstance(secret, str):
            if secrets.compare_digest(proof, secret):
                return self
            raise LaunchRefused("state_unknown", "the platform storage proof does not match this login")
        relaunch = urlencode({k: v for k, v in params.items() if k in LOGIN_PARAMS and k != "lti_storage_target"})
        if storage_target and isinstance(secret, str) and not proof:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.platform.auth_login_url))  # type: ignore[union-attr]
            raise NeedsPlatformStorageCheck(str(storage_target), origin, state, relaunch)
        raise CookiesUnavailable(relaunch)

    def validate_nonce(self) -> ToolMessageLaunch:
        """Use the state (and with it the nonce issued for it) once: the first launch claims it,
        any later POST of the same id_token and state is refused as a replay."""
        state = self._get_request_param("state")
        key = self._session_service._get_key(USED_STATE_PREFIX + state)
        if not self._storage.claim(key, self._settings.login_state_lifetime + self._settings.leeway_seconds):
            raise LaunchRefused("launch_replayed", "another launch with this state completed first")
        return self

    # -- deployment, message, target -----------------------------------------------------------
    def validate_deployment(self) -> ToolMessageLaunch:
        assert self.platform is not None
        deployment_id = self._jwt["body"].get(CLAIM + "deployment_id")
        if not isinstance(deployment_id, str) or not deployment_id:
            raise LaunchRefused("message_invalid", "deployment_id claim missing")
        row = self._tool_conf.deployment(self.platform, deployment_id)
        if row is None:
            if len(deployment_id) > 255:
                raise LaunchRefused("claim_too_long", f"the deployment_id claim is {len(deployment_id)} characters "
                                    "long (at most 255)", visible=True)
            row, recorded = self._tool_conf.record_deployment(
                self.platform, deployment_id, approved=self.platform.auto_register_deployments)
            if recorded:
                log.info(
                    "new deployment %s recorded for iss=%s client_id=%s (approved=%s)",
                    deployment_id, self.platform.issuer, self.platform.client_id, row.approved,
                )
        if not row.approved:
            raise LaunchRefused("deployment_pending", f"deployment {deployment_id} awaits approval")
        return self

    def validate_message(self) -> ToolMessageLaunch:
        body = self._jwt["body"]
        message_type = body.get(CLAIM + "message_type")
        if not message_type:
            raise LaunchRefused("message_invalid", "message_type claim missing")
        if message_type not in ("LtiResourceLinkRequest", "LtiDeepLinkingRequest"):
            raise LaunchRefused("message_unsupported", f"message type {message_type!r}")
        if not isinstance(body.get(CLAIM + "roles", []), list):
            raise LaunchRefused("message_invalid", "roles claim is not a list")
        try:
            super().validate_message()
        except LtiException as error:
            raise LaunchRefused("message_invalid", str(error)) from error
        return self

    def validate_target_link_uri(self) -> ToolMessageLaunch:
        target = self._jwt["body"].get(CLAIM + "target_link_uri")
        if not isinstance(target, str) or not target:
            raise LaunchRefused("message_invalid", "target_link_uri claim missing")
        check_target_link_uri(target, self._settings.tool_origin)
        return self

    def save_launch_data(self) -> ToolMessageLaunch:
        """Only deep linking launches are restored later (to answer the platform); resource link
        launches keep what they need in our own tables, so nothing else is written here."""
        if self._jwt["body"].get(CLAIM + "message_type") == "LtiDeepLinkingRequest":
            self._session_service.save_launch_data(self._launch_id, self._jwt["body"])
        return self

    @property
    def body(self) -> dict[str, Any]:
        return self._jwt["body"]
