"""Verifying JWTs the tool signs (client assertions, deep-linking responses) with the tool's keys.

A platform never trusts a tool: every message is checked against the key the tool registered,
either a pasted public JWK or a key set fetched over HTTP from its ``jwks_uri``. The fetched set
is cached in the database (shared by all workers) and fetched again when stale or when a token
names a ``kid`` the cache does not hold: that is how tools rotate keys without telling us.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from flask import current_app
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.platform_hosts import is_loopback_host
from lti_tool.models.demo_lms import DemoTool

USER_AGENT = "quiztool-demo-lms/1.0"


class ToolSignatureError(Exception):
    """The tool's JWT cannot be trusted; the message says why (shown to the tool developer)."""


def verify_tool_jwt(
    session: Session, tool: DemoTool, token: str, *, audience: str, require: list[str]
) -> dict[str, Any]:
    """Signature (RS256 only), ``iss`` = client_id, ``aud`` contains ``audience``, exp/iat."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ToolSignatureError(f"not a JWT: {exc}") from exc
    if header.get("alg") != "RS256":
        raise ToolSignatureError(f"alg must be RS256, got {header.get('alg')!r}")
    key = _public_key(session, tool, header.get("kid"))
    leeway = current_app.config["DEMO_LMS_JWT_LEEWAY_SECONDS"]
    try:
        return jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=audience,
            issuer=tool.client_id,
            leeway=leeway,
            options={"require": ["iss", "aud", "exp", "iat", *require]},
        )
    except jwt.InvalidSignatureError as exc:
        raise ToolSignatureError("signature does not verify with the tool's registered key") from exc
    except jwt.PyJWTError as exc:
        raise ToolSignatureError(str(exc)) from exc


def _public_key(session: Session, tool: DemoTool, kid: str | None) -> Any:
    if tool.public_jwk is not None:
        jwk = tool.public_jwk
        if kid is not None and jwk.get("kid") not in (None, kid):
            raise ToolSignatureError(f"kid {kid!r} is not the registered public JWK's kid")
        return _to_key(jwk)
    jwk = _find(tool.jwks_cache, kid) if _is_fresh(tool) else None
    if jwk is None:
        _refresh(session, tool)
        jwk = _find(tool.jwks_cache, kid)
    if jwk is None:
        if kid is None:
            raise ToolSignatureError("the JWT header has no kid and the tool publishes several keys")
        raise ToolSignatureError(f"kid {kid!r} is not in the tool's key set at {tool.jwks_uri}")
    return _to_key(jwk)


def _is_fresh(tool: DemoTool) -> bool:
    if tool.jwks_cache is None or tool.jwks_fetched_at is None:
        return False
    max_age = timedelta(seconds=current_app.config["DEMO_LMS_JWKS_CACHE_SECONDS"])
    return utcnow() - tool.jwks_fetched_at < max_age


def _find(key_set: dict[str, Any] | None, kid: str | None) -> dict[str, Any] | None:
    keys = [k for k in (key_set or {}).get("keys", []) if isinstance(k, dict)]
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((k for k in keys if k.get("kid") == kid), None)


def _refresh(session: Session, tool: DemoTool) -> None:
    assert tool.jwks_uri is not None
    if not is_loopback_host(urlsplit(tool.jwks_uri).hostname or ""):
        # A demonstration platform on a developer's machine fetches nothing from elsewhere.
        raise ToolSignatureError(f"the demo LMS fetches key sets only from this machine, not {tool.jwks_uri}")
    try:
        response = requests.get(
            tool.jwks_uri,
            timeout=current_app.config["HTTP_TIMEOUT_SECONDS"],
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            allow_redirects=False,
        )
        response.raise_for_status()
        key_set = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ToolSignatureError(f"could not fetch the tool's key set from {tool.jwks_uri}: {exc}") from exc
    if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
        raise ToolSignatureError(f"{tool.jwks_uri} did not return a key set ({{\"keys\": [...]}})")
    tool.jwks_cache = key_set
    tool.jwks_fetched_at = utcnow()
    session.flush()


def _to_key(jwk: dict[str, Any]) -> Any:
    if jwk.get("kty") != "RSA":
        raise ToolSignatureError("the tool's key must be an RSA key")
    try:
        return jwt.PyJWK(jwk, algorithm="RS256").key
    except jwt.PyJWTError as exc:
        raise ToolSignatureError(f"the tool's JWK is unusable: {exc}") from exc
