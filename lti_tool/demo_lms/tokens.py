"""OAuth2 client-credentials token endpoint (``private_key_jwt``) and bearer checks.

What is verified, as the LTI Security Framework asks and Canvas/Moodle do: the assertion is an
RS256 JWT signed by the tool's registered key; ``iss`` = ``sub`` = client_id; ``aud`` is the token
URL byte for byte (Canvas refuses a trailing slash); ``exp`` and ``iat`` present; ``jti`` present
and single use. Scopes: Moodle grants the registered subset of what was asked (refusing only when
nothing is left); the "canvas" flavour refuses any scope the tool was not granted.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import jwt
from flask import current_app
from flask import request
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoAccessToken
from lti_tool.models.demo_lms import DemoTool
from lti_tool.models.demo_lms import DemoUsedJti
from lti_tool.demo_lms import counters
from lti_tool.demo_lms import faults
from lti_tool.demo_lms.blueprint import ServiceError
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.platform import get_platform
from lti_tool.demo_lms.platform import urls
from lti_tool.demo_lms.tool_keys import ToolSignatureError
from lti_tool.demo_lms.tool_keys import verify_tool_jwt

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME_SECONDS = 3600
#: Canvas answers this when a request has no User-Agent (enforced since January 2026).
USER_AGENT_REQUIRED = "A User-Agent header is required on every API request: name your client and version."


def require_user_agent() -> None:
    if not request.headers.get("User-Agent", "").strip():
        raise ServiceError(403, "user_agent_required", USER_AGENT_REQUIRED)


def _oauth_error(status: int, error: str, description: str) -> ServiceError:
    return ServiceError(status, error, description, headers={"Cache-Control": "no-store"})


@bp.post("/token")
def token_endpoint():  # noqa: ANN201
    require_user_agent()
    counters.increment(counters.TOKEN_REQUESTS)
    faults.inject("token")
    session = get_session()
    form = request.form
    if form.get("grant_type") != "client_credentials":
        raise _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
        raise _oauth_error(400, "invalid_request", f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}")
    assertion = form.get("client_assertion", "")
    if not assertion:
        raise _oauth_error(400, "invalid_request", "client_assertion is missing")
    tool = _tool_of_assertion(session, assertion)
    try:
        claims = verify_tool_jwt(session, tool, assertion, audience=urls(session).token, require=["sub", "jti"])
    except ToolSignatureError as exc:
        session.commit()  # keep a refreshed key set even though this assertion failed
        raise _oauth_error(401, "invalid_client", f"client assertion refused: {exc}") from exc
    if claims["sub"] != tool.client_id:
        raise _oauth_error(401, "invalid_client", "client assertion refused: sub must equal the client_id")
    _use_jti_once(session, tool, claims)
    scopes = _granted_scopes(session, tool, form.get("scope", ""))
    access_token = issue_token(session, tool, scopes)
    session.commit()
    counters.increment(counters.TOKENS_ISSUED)
    return (
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(scopes),
        },
        200,
        {"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _tool_of_assertion(session: Session, assertion: str) -> DemoTool:
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise _oauth_error(400, "invalid_request", f"client_assertion is not a JWT: {exc}") from exc
    client_id = unverified.get("iss")
    tool = session.scalars(select(DemoTool).where(DemoTool.client_id == str(client_id))).first()
    if tool is None:
        raise _oauth_error(401, "invalid_client", f"unknown client_id {client_id!r} (the assertion's iss)")
    return tool


def _use_jti_once(session: Session, tool: DemoTool, claims: dict) -> None:
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC) + timedelta(
        seconds=current_app.config["DEMO_LMS_JWT_LEEWAY_SECONDS"]
    )
    if not use_once(session, f"assertion:{tool.id}", str(claims["jti"]), expires):
        raise _oauth_error(401, "invalid_client", "client assertion refused: jti was already used")


def use_once(session: Session, kind: str, value: str, expires_at: datetime) -> bool:
    """Record a single-use value; False if it was seen before (the session is then rolled back,
    which is fine: the request is refused)."""
    session.execute(delete(DemoUsedJti).where(DemoUsedJti.expires_at < utcnow()))
    if session.get(DemoUsedJti, (kind, value[:255])) is not None:
        return False
    session.add(DemoUsedJti(kind=kind, value=value[:255], expires_at=expires_at))
    try:
        session.flush()
    except IntegrityError:  # another worker recorded it a moment ago
        session.rollback()
        return False
    return True


def _granted_scopes(session: Session, tool: DemoTool, requested_text: str) -> list[str]:
    requested = [s for s in requested_text.split() if s]
    if not requested:
        raise _oauth_error(400, "invalid_scope", "scope is missing: ask for the service scopes you need")
    allowed = set(tool.scopes)
    refused = [s for s in requested if s not in allowed]
    if refused and get_platform(session).flavour == "canvas":
        raise _oauth_error(400, "invalid_scope", f"scopes not granted to this tool: {' '.join(refused)}")
    granted = [s for s in dict.fromkeys(requested) if s in allowed]
    if not granted:
        raise _oauth_error(400, "invalid_scope", f"none of the requested scopes is granted to this tool: {requested_text}")
    return granted


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, tool: DemoTool, scopes: list[str]) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(DemoAccessToken).where(DemoAccessToken.expires_at < now))
    session.add(
        DemoAccessToken(
            token_hash=_hash(token),
            tool_id=tool.id,
            scopes=scopes,
            created_at=now,
            expires_at=now + timedelta(seconds=TOKEN_LIFETIME_SECONDS),
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class BearerGrant:
    tool: DemoTool
    scopes: frozenset[str]


def require_bearer(session: Session, *any_of_scopes: str) -> BearerGrant:
    """The tool behind the request's bearer token, which must hold one of ``any_of_scopes``."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="demo-lms"'}
    if scheme.lower() != "bearer" or not value.strip():
        raise ServiceError(401, "invalid_token", "an Authorization: Bearer <access token> header is required", headers=challenge)
    row = session.get(DemoAccessToken, _hash(value.strip()))
    if row is None or row.expires_at <= utcnow():
        raise ServiceError(401, "invalid_token", "the access token is unknown or expired", headers=challenge)
    if not set(any_of_scopes) & set(row.scopes):
        raise ServiceError(
            401,
            "insufficient_scope",
            f"this request needs one of the scopes: {' '.join(any_of_scopes)}",
            headers=challenge,
        )
    tool = session.get(DemoTool, row.tool_id)
    assert tool is not None
    return BearerGrant(tool, frozenset(row.scopes))
