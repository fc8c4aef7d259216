"""The platform's RSA signing keys (2048 bit, RS256), kept in the database.

The newest active key signs id_tokens; every key not yet removed stays in the JWKS so a tool
that cached the set, or a token signed just before a rotation, still verifies. ``rotate_key``
exists so tests can check a tool refetches the platform JWKS on an unknown ``kid``.
"""

from __future__ import annotations

import functools
import json
from typing import Any
import secrets

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoKey


def _new_key() -> DemoKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = "demo-" + secrets.token_urlsafe(12)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return DemoKey(kid=kid, private_key_pem=pem, public_jwk=jwk, created_at=utcnow())


def current_key_id() -> Any:
    """The id of the signing key (the newest active one), as a scalar subquery: a request that
    signs can read its key in the query it runs anyway."""
    return select(func.max(DemoKey.id)).where(DemoKey.retired_at.is_(None)).scalar_subquery()


def ensure_key(session: Session) -> DemoKey:
    """The signing key, creating the first one if needed."""
    key = session.scalars(select(DemoKey).where(DemoKey.id == current_key_id())).first()
    if key is None:
        key = _new_key()
        session.add(key)
        session.flush()
    return key


def rotate_key(session: Session) -> DemoKey:
    """Start signing with a new key; older keys stay published."""
    now = utcnow()
    for key in session.scalars(select(DemoKey).where(DemoKey.retired_at.is_(None))):
        key.retired_at = now
    key = _new_key()
    session.add(key)
    session.flush()
    return key


def jwks(session: Session) -> dict[str, list[dict]]:
    ensure_key(session)
    return {"keys": [dict(k.public_jwk) for k in session.scalars(select(DemoKey).order_by(DemoKey.id))]}


def sign(session: Session, claims: dict, key: DemoKey | None = None) -> str:
    """An RS256 JWT signed with the current key (pass it when already read), ``kid`` in the header."""
    key = key or ensure_key(session)
    return jwt.encode(claims, _private_key(key.private_key_pem), algorithm="RS256", headers={"kid": key.kid})


@functools.lru_cache(maxsize=16)
def _private_key(pem: str) -> Any:
    """Parsed once per process: loading a PEM with full RSA checks costs ~40 ms per call."""
    return serialization.load_pem_private_key(pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
