"""Who is launching, from where, as plain values; and recording it in the database.

``LaunchContext`` is what the LTI layer hands to everything else: no raw JWT dicts leak past
``lti_tool.lti``. ``record_launch`` upserts the user, course, resource link and membership, and
opens a tool session for the pages that follow.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.models.lti import Context
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import Membership
from lti_tool.models.lti import ResourceLink
from lti_tool.models.lti import ToolSession
from lti_tool.models.upsert import upsert


@dataclass(frozen=True)
class AgsEndpoint:
    lineitem: str | None
    lineitems: str | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class LaunchContext:
    platform_pk: int
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    launch_id: str
    sub: str
    name: str | None
    email: str | None
    roles: tuple[str, ...]
    is_instructor: bool
    is_learner: bool
    context_id: str | None = None
    context_title: str | None = None
    context_label: str | None = None
    resource_link_id: str | None = None
    resource_link_title: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    ags: AgsEndpoint | None = None
    nrps_url: str | None = None
    return_url: str | None = None
    target_link_uri: str | None = None
    #: ``launch_presentation.locale`` (e.g. ``es-MX``) and the person's time zone (an IANA name
    #: from a ``timezone`` custom parameter), for the pages' language and times.
    locale: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class OpenedSession:
    token: str


@dataclass(frozen=True)
class SessionLifetime:
    """How long the token in ``/s/<token>/`` works: ``idle`` after its last use (sliding), and in
    any case ``maximum`` after the launch. A URL can be copied or leak; both bound the damage."""

    idle: timedelta
    maximum: timedelta


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A tool session as the pages after a launch see it: read-only, read as plain columns
    (every page and every autosave starts with this lookup; an ORM entity cost more to set up)."""

    user_id: int
    platform_id: int
    context_pk: int | None
    resource_link_pk: int | None
    launch_id: str
    message_type: str
    roles: list[str]
    is_instructor: bool
    is_learner: bool
    idle_expires_at: datetime
    expires_at: datetime
    locale: str | None = None
    timezone: str | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record_launch(session: Session, launch: LaunchContext, lifetime: SessionLifetime) -> OpenedSession:
    """Record what the launch tells us (user, course, resource link, membership) and open a
    tool session. Flushes, never commits.

    Every launch passes here, so it is built for the usual case, a person launching again with
    nothing new: one SELECT reads all four rows, and only rows that differ are written, each
    with one upsert (which also makes two first launches at the same moment both succeed).
    """
    known = _known_rows(session, launch)
    now = utcnow()
    user_id = _record_user(session, launch, known, now)
    context_pk = _record_context(session, launch, known)
    link_pk = _record_resource_link(session, launch, known, context_pk, now)
    if context_pk is not None:
        _record_membership(session, launch, known, user_id, context_pk, now)
    token = secrets.token_urlsafe(32)
    session.execute(_INSERT_SESSION, {
        "token_hash": _hash(token),
        "user_id": user_id,
        "platform_id": launch.platform_pk,
        "context_pk": context_pk,
        "resource_link_pk": link_pk,
        "launch_id": launch.launch_id,
        "message_type": launch.message_type,
        "roles": list(launch.roles),
        "is_instructor": launch.is_instructor,
        "is_learner": launch.is_learner,
        "locale": launch.locale,
        "timezone": launch.timezone,
        "created_at": now,
        "expires_at": now + lifetime.maximum,
        "idle_expires_at": now + min(lifetime.idle, lifetime.maximum),
    })
    return OpenedSession(token)


_SESSIONS = ToolSession.__table__
_INSERT_SESSION = insert(_SESSIONS)
#: Every page after a launch (and every autosave) starts with this lookup: built once.
_LIVE_SESSION = select(*(_SESSIONS.c[name] for name in LiveSession.__slots__)).where(
    _SESSIONS.c.token_hash == bindparam("token_hash"), _SESSIONS.c.expires_at > bindparam("now"),
    _SESSIONS.c.idle_expires_at > bindparam("now"))
_EXTEND_IDLE = update(_SESSIONS).where(_SESSIONS.c.token_hash == bindparam("hashed")).values(
    idle_expires_at=bindparam("idle_until"))
_KEEP_UNTIL = update(_SESSIONS).where(_SESSIONS.c.token_hash == bindparam("hashed")).values(
    idle_expires_at=bindparam("idle_until"), expires_at=bindparam("max_until"))


def find_session(session: Session, token: str) -> LiveSession | None:
    row = session.execute(_LIVE_SESSION, {"token_hash": _hash(token), "now": utcnow()}).first()
    return LiveSession(*row) if row is not None else None


def extend_idle(session: Session, token: str, record: LiveSession, idle: timedelta) -> bool:
    """Slide the idle end of a session in use. Written only once half the idle time has passed
    (not on every request: an autosave must stay one write), never past the absolute end."""
    now = utcnow()
    if record.idle_expires_at - now > idle / 2:
        return False
    idle_until = min(now + idle, record.expires_at)
    if idle_until <= record.idle_expires_at:
        return False
    session.execute(_EXTEND_IDLE, {"hashed": _hash(token), "idle_until": idle_until})
    return True


def keep_session_until(session: Session, token: str, record: LiveSession, until: datetime) -> None:
    """A timed attempt runs in this session: keep it alive (idle and absolute end) until the
    attempt's end, whatever the idle timeout and the cap, so reading a long question or a slow
    exam never ends in "your session has expired"."""
    if record.idle_expires_at >= until and record.expires_at >= until:
        return
    session.execute(_KEEP_UNTIL, {"hashed": _hash(token), "idle_until": max(until, record.idle_expires_at),
                                  "max_until": max(until, record.expires_at)})


def keep_user_sessions_until(session: Session, user_pk: int, resource_link_pk: int, until: datetime) -> None:
    """``keep_session_until`` for every live session of a student on a link: an instructor moved
    the student's attempt deadline later (extra time), and the attempt must not outlive them."""
    now = utcnow()
    for row in session.scalars(select(ToolSession).where(
            ToolSession.user_id == user_pk, ToolSession.resource_link_pk == resource_link_pk,
            ToolSession.expires_at > now, ToolSession.idle_expires_at > now)):
        row.idle_expires_at = max(row.idle_expires_at, until)
        row.expires_at = max(row.expires_at, until)
    session.flush()


def purge_expired_sessions(session: Session) -> int:
    now = utcnow()
    result = session.execute(delete(ToolSession).where(
        (ToolSession.expires_at <= now) | (ToolSession.idle_expires_at <= now)))
    return result.rowcount  # type: ignore[attr-defined]


_USERS, _CONTEXTS = LtiUser.__table__, Context.__table__
_LINKS, _MEMBERSHIPS = ResourceLink.__table__, Membership.__table__


def _known_rows_statement() -> Any:
    """Built once (see ``_KNOWN_ROWS``): with four outer joins and twenty columns, building it
    cost more CPU than running it."""
    platform = bindparam("platform_pk")
    anchor = select(literal(1).label("anchor")).subquery()
    joined = (
        anchor.outerjoin(_USERS, and_(_USERS.c.platform_id == platform, _USERS.c.sub == bindparam("sub")))
        .outerjoin(_CONTEXTS, and_(_CONTEXTS.c.platform_id == platform,
                                   _CONTEXTS.c.context_id == bindparam("context_id")))
        .outerjoin(_LINKS, and_(_LINKS.c.platform_id == platform,
                                _LINKS.c.resource_link_id == bindparam("resource_link_id")))
        .outerjoin(_MEMBERSHIPS, and_(_MEMBERSHIPS.c.user_id == _USERS.c.id,
                                      _MEMBERSHIPS.c.context_pk == _CONTEXTS.c.id))
    )
    return select(
        _USERS.c.id.label("user_id"), _USERS.c.name.label("user_name"), _USERS.c.email.label("user_email"),
        _CONTEXTS.c.id.label("context_pk"), _CONTEXTS.c.title.label("context_title"),
        _CONTEXTS.c.label.label("context_label"),
        _LINKS.c.id.label("link_pk"), _LINKS.c.deployment_id, _LINKS.c.context_pk.label("link_context_pk"),
        _LINKS.c.title.label("link_title"), _LINKS.c.custom, _LINKS.c.ags_lineitem, _LINKS.c.ags_lineitems,
        _LINKS.c.ags_scopes, _LINKS.c.nrps_url,
        _MEMBERSHIPS.c.id.label("membership_id"), _MEMBERSHIPS.c.roles,
        _MEMBERSHIPS.c.is_instructor, _MEMBERSHIPS.c.is_learner,
    ).select_from(joined)


_KNOWN_ROWS = _known_rows_statement()


def _known_rows(session: Session, launch: LaunchContext) -> Row[Any]:
    """The stored user, context, resource link and membership of this launch (None columns for
    what is not stored yet), in one round trip."""
    return session.execute(_KNOWN_ROWS, {
        "platform_pk": launch.platform_pk, "sub": launch.sub,
        "context_id": launch.context_id or "", "resource_link_id": launch.resource_link_id or "",
    }).one()


def _record_user(session: Session, launch: LaunchContext, known: Row[Any], now: datetime) -> int:
    # Platforms may withhold names and email (privacy settings): keep what we knew.
    if known.user_id is not None and (launch.name or known.user_name) == known.user_name \
            and (launch.email or known.user_email) == known.user_email:
        return known.user_id
    return upsert(session, _USERS, {"platform_id": launch.platform_pk, "sub": launch.sub},
                  {"name": launch.name, "email": launch.email, "updated_at": now},
                  keep_when_missing=("name", "email"), returning=_USERS.c.id)


def _record_context(session: Session, launch: LaunchContext, known: Row[Any]) -> int | None:
    if not launch.context_id:
        return None
    if known.context_pk is not None and (launch.context_title or known.context_title) == known.context_title \
            and (launch.context_label or known.context_label) == known.context_label:
        return known.context_pk
    return upsert(session, _CONTEXTS, {"platform_id": launch.platform_pk, "context_id": launch.context_id},
                  {"title": launch.context_title, "label": launch.context_label},
                  keep_when_missing=("title", "label"), returning=_CONTEXTS.c.id)


def _record_resource_link(session: Session, launch: LaunchContext, known: Row[Any],
                          context_pk: int | None, now: datetime) -> int | None:
    if not launch.resource_link_id:
        return None
    values: dict[str, Any] = {
        "deployment_id": launch.deployment_id,
        "context_pk": context_pk,
        "title": launch.resource_link_title,
        "custom": dict(launch.custom),
    }
    if launch.ags is not None:
        # Stored on every launch so grade delivery never depends on a launch cache.
        values |= {"ags_lineitem": launch.ags.lineitem, "ags_lineitems": launch.ags.lineitems,
                   "ags_scopes": list(launch.ags.scopes)}
    if launch.nrps_url:
        values["nrps_url"] = launch.nrps_url
    keep = ("context_pk", "title")
    if known.link_pk is not None:
        stored = {"deployment_id": known.deployment_id, "context_pk": known.link_context_pk,
                  "title": known.link_title, "custom": known.custom, "ags_lineitem": known.ags_lineitem,
                  "ags_lineitems": known.ags_lineitems, "ags_scopes": known.ags_scopes, "nrps_url": known.nrps_url}
        if all(stored[name] == (stored[name] if value is None and name in keep else value)
               for name, value in values.items()):
            return known.link_pk
    return upsert(session, _LINKS, {"platform_id": launch.platform_pk, "resource_link_id": launch.resource_link_id},
                  values | {"updated_at": now}, keep_when_missing=keep, returning=_LINKS.c.id)


def _record_membership(session: Session, launch: LaunchContext, known: Row[Any], user_id: int,
                       context_pk: int, now: datetime) -> None:
    values = {"roles": list(launch.roles), "is_instructor": launch.is_instructor, "is_learner": launch.is_learner}
    if known.membership_id is not None and known.user_id == user_id and known.context_pk == context_pk \
            and all(getattr(known, name) == value for name, value in values.items()):
        return
    upsert(session, _MEMBERSHIPS, {"user_id": user_id, "context_pk": context_pk}, values | {"updated_at": now})
