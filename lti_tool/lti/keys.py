"""The tool's RSA signing keys: created on first start, rotated without breaking launches.

The newest key signs. A rotated-out key stays in the JWKS until its ``retire_at`` so platforms that
cached our JWKS, and messages signed just before the rotation, still verify.
"""

from __future__ import annotations

import functools
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.models.platform import ToolKey


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key_pem: str
    public_key_pem: str


def _new_key() -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = secrets.token_urlsafe(16)
    jwk = json.loads(JWK.from_pem(pem.encode()).export_public())
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return ToolKey(kid=kid, private_key_pem=pem, public_jwk=jwk, created_at=utcnow())


def ensure_key(session: Session) -> ToolKey:
    """The current signing key, creating the first one if there is none."""
    current = _current(session)
    if current is None:
        current = _new_key()
        session.add(current)
        session.flush()
    return current


def _current(session: Session) -> ToolKey | None:
    return session.scalars(
        select(ToolKey).where(ToolKey.retire_at.is_(None)).order_by(ToolKey.id.desc()).limit(1)
    ).first()


def rotate(session: Session, retire_after: timedelta) -> tuple[ToolKey, list[ToolKey]]:
    """Add a new signing key; schedule every older active key for retirement."""
    now = utcnow()
    older = list(session.scalars(select(ToolKey).where(ToolKey.retire_at.is_(None))))
    for key in older:
        key.retire_at = now + retire_after
    new = _new_key()
    new.created_at = now + timedelta(microseconds=1)
    session.add(new)
    session.flush()
    return new, older


def signing_key(session: Session) -> SigningKey:
    key = ensure_key(session)
    return SigningKey(key.kid, key.private_key_pem, _public_pem(json.dumps(key.public_jwk, sort_keys=True)))


@functools.lru_cache(maxsize=32)
def _public_pem(public_jwk_json: str) -> str:
    """From the stored public JWK: loading the private PEM costs ~40 ms (RSA consistency checks)
    and a launch needs only the public half."""
    return JWK.from_json(public_jwk_json).export_to_pem().decode()


def published_keys(session: Session, now: datetime | None = None) -> list[ToolKey]:
    now = now or utcnow()
    return list(
        session.scalars(
            select(ToolKey)
            .where(or_(ToolKey.retire_at.is_(None), ToolKey.retire_at > now))
            .order_by(ToolKey.id)
        )
    )


def jwks(session: Session) -> dict[str, list[dict]]:
    """A plain ``{"keys": [...]}`` document, as platforms expect."""
    return {"keys": [dict(key.public_jwk) for key in published_keys(session)]}
