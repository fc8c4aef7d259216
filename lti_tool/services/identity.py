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
from typing import Any
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.models.lti import Context
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import Membership
from lti_tool.models.lti import ResourceLink
from lti_tool.models.lti import ToolSession

T = TypeVar("T")


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


@dataclass(frozen=True)
class OpenedSession:
    token: str
    record: ToolSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record_launch(session: Session, launch: LaunchContext, lifetime: timedelta) -> OpenedSession:
    """Upsert everything the launch tells us and open a tool session. Flushes, never commits."""
    user = _upsert_user(session, launch)
    context = _upsert_context(session, launch)
    link = _upsert_resource_link(session, launch, context)
    if context is not None:
        _upsert_membership(session, user, context, launch)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = ToolSession(
        token_hash=_hash(token),
        user_id=user.id,
        platform_id=launch.platform_pk,
        context_pk=context.id if context else None,
        resource_link_pk=link.id if link else None,
        launch_id=launch.launch_id,
        message_type=launch.message_type,
        roles=list(launch.roles),
        is_instructor=launch.is_instructor,
        is_learner=launch.is_learner,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(record)
    session.flush()
    return OpenedSession(token, record)


def find_session(session: Session, token: str) -> ToolSession | None:
    record = session.get(ToolSession, _hash(token))
    if record is None or record.expires_at <= utcnow():
        return None
    return record


def purge_expired_sessions(session: Session) -> int:
    result = session.execute(delete(ToolSession).where(ToolSession.expires_at <= utcnow()))
    return result.rowcount  # type: ignore[attr-defined]


def _get_or_create(session: Session, model: type[T], defaults: dict[str, Any] | None = None, **lookup: Any) -> T:
    """The row with these unique values, created if missing. Two first launches of the same
    person at the same moment (several workers) must both succeed: the loser of the insert
    race rolls back its savepoint and reads the winner's row."""
    statement = select(model).filter_by(**lookup)
    row = session.scalars(statement).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**lookup, **(defaults or {}))
            session.add(row)
    except IntegrityError:
        row = session.scalars(statement).one()
    return row


def _upsert_user(session: Session, launch: LaunchContext) -> LtiUser:
    user = _get_or_create(session, LtiUser, platform_id=launch.platform_pk, sub=launch.sub)
    # Platforms may withhold names and email (privacy settings): keep what we knew.
    user.name = launch.name or user.name
    user.email = launch.email or user.email
    session.flush()
    return user


def _upsert_context(session: Session, launch: LaunchContext) -> Context | None:
    if not launch.context_id:
        return None
    context = _get_or_create(session, Context, platform_id=launch.platform_pk, context_id=launch.context_id)
    context.title = launch.context_title or context.title
    context.label = launch.context_label or context.label
    session.flush()
    return context


def _upsert_resource_link(
    session: Session, launch: LaunchContext, context: Context | None
) -> ResourceLink | None:
    if not launch.resource_link_id:
        return None
    link = _get_or_create(
        session,
        ResourceLink,
        platform_id=launch.platform_pk,
        resource_link_id=launch.resource_link_id,
        defaults={"deployment_id": launch.deployment_id},
    )
    link.deployment_id = launch.deployment_id
    link.context_pk = context.id if context else link.context_pk
    link.title = launch.resource_link_title or link.title
    link.custom = dict(launch.custom)
    if launch.ags is not None:
        # Stored on every launch so grade delivery never depends on a launch cache.
        link.ags_lineitem = launch.ags.lineitem
        link.ags_lineitems = launch.ags.lineitems
        link.ags_scopes = list(launch.ags.scopes)
    if launch.nrps_url:
        link.nrps_url = launch.nrps_url
    session.flush()
    return link


def _upsert_membership(
    session: Session, user: LtiUser, context: Context, launch: LaunchContext
) -> None:
    membership = _get_or_create(session, Membership, user_id=user.id, context_pk=context.id)
    membership.roles = list(launch.roles)
    membership.is_instructor = launch.is_instructor
    membership.is_learner = launch.is_learner
    session.flush()
