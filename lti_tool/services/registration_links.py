"""One-time Dynamic Registration links.

An admin makes one with ``quiztool platform registration-link`` and pastes it into Moodle or
Canvas, which opens it with ``openid_configuration`` and ``registration_token`` appended. Only the
token's hash is stored. A link works until it expires or one registration through it succeeds; a
registration the LMS refuses gives the link back, so the admin can try again.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.models.platform import RegistrationLink

#: Longest a link may live: long enough to hand over, short enough not to linger.
MAX_LIFETIME = timedelta(days=30)
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
#: Tokens are 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100


class LinkRefused(Exception):
    """The link cannot open registration; ``reason`` is "unknown", "expired" or "used"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NewLink:
    token: str
    link: RegistrationLink


def parse_lifetime(text: str) -> timedelta:
    """``24h``, ``30m``, ``7d`` or seconds; at most MAX_LIFETIME."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a duration: write 24h, 30m, 7d or a number of seconds")
    lifetime = timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    if lifetime <= timedelta(0):
        raise ValueError("a registration link must live longer than 0 seconds")
    if lifetime > MAX_LIFETIME:
        raise ValueError(f"a registration link lives at most {MAX_LIFETIME.days} days")
    return lifetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(session: Session, *, lifetime: timedelta, note: str = "") -> NewLink:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = RegistrationLink(token_hash=_hash(token), note=note[:200], created_at=now, expires_at=now + lifetime)
    session.add(link)
    session.flush()
    return NewLink(token, link)


def usable_link(session: Session, token: str) -> RegistrationLink:
    """The link behind ``token`` if it can still open a registration; else LinkRefused."""
    link = None
    if 0 < len(token) <= MAX_TOKEN_LENGTH:
        link = session.scalars(select(RegistrationLink).where(RegistrationLink.token_hash == _hash(token))).first()
    if link is None:
        raise LinkRefused("unknown")
    if link.used_at is not None:
        raise LinkRefused("used")
    if link.expires_at <= utcnow():
        raise LinkRefused("expired")
    return link


def claim(session: Session, link: RegistrationLink) -> None:
    """Mark the link in use before the tool registers with the LMS, so two registrations through
    one link cannot both go ahead (the second finds it used)."""
    now = utcnow()
    result = session.execute(
        update(RegistrationLink)
        .where(RegistrationLink.id == link.id, RegistrationLink.used_at.is_(None), RegistrationLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused("used")


def release(session: Session, link: RegistrationLink) -> None:
    """Give the link back after a registration that did not complete."""
    session.execute(
        update(RegistrationLink).where(RegistrationLink.id == link.id, RegistrationLink.platform_id.is_(None))
        .values(used_at=None).execution_options(synchronize_session=False)
    )


def complete(session: Session, link: RegistrationLink, platform_id: int) -> None:
    session.execute(
        update(RegistrationLink).where(RegistrationLink.id == link.id)
        .values(platform_id=platform_id).execution_options(synchronize_session=False)
    )


def list_links(session: Session) -> list[RegistrationLink]:
    return list(session.scalars(select(RegistrationLink).order_by(RegistrationLink.id)))


def revoke(session: Session, link_id: int) -> bool:
    """Expire an unused link now."""
    result = session.execute(
        update(RegistrationLink).where(RegistrationLink.id == link_id, RegistrationLink.used_at.is_(None))
        .values(expires_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
