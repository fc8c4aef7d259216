"""Who launched from where: users, courses, resource links, roles, and launch-time state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.models.base import Base
from lti_tool.models.base import utcnow


class LtiUser(Base):
    """A person as one platform knows them (``sub``); names and email are optional claims."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Context(Base):
    """A course (LTI context)."""

    __tablename__ = "contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(255))
    #: When the roster (NRPS) was last read, and the platform's refusal if the last try failed.
    roster_fetched_at: Mapped[datetime | None] = mapped_column()
    roster_error: Mapped[str | None] = mapped_column(Text)
    roster_error_at: Mapped[datetime | None] = mapped_column()


class ResourceLink(Base):
    """A placement of the tool (an assignment) with the service endpoints last seen on a launch.

    The AGS and NRPS endpoints are stored so grade delivery never depends on a launch cache.
    """

    __tablename__ = "resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_pk: Mapped[int | None] = mapped_column(ForeignKey("contexts.id", ondelete="SET NULL"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    #: Custom parameters from the last launch (assignment configuration until the builder).
    custom: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ags_lineitem: Mapped[str | None] = mapped_column(String(1000))
    ags_lineitems: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str]] = mapped_column(default=list)
    nrps_url: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Membership(Base):
    """A user's roles in a context, as of their last launch."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "context_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    context_pk: Mapped[int] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    roles: Mapped[list[str]] = mapped_column(default=list)
    is_instructor: Mapped[bool] = mapped_column(default=False)
    is_learner: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RosterEntry(Base):
    """A member of a course as the platform's roster (NRPS) listed them when last read: students
    who never opened the tool are known too (their ``LtiUser`` is made from the roster)."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("context_pk", "user_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_pk: Mapped[int] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    roles: Mapped[list[str]] = mapped_column(default=list)
    is_learner: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: The member's place in the platform's list (the roster is shown in that order).
    position: Mapped[int] = mapped_column(Integer, default=0)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class LaunchData(Base):
    """Key-value store behind pylti1p3's launch data storage: nonces, state params, launches.

    Living in the database, a login started on one worker or host completes on any other.
    """

    __tablename__ = "launch_data"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ToolSession(Base):
    """The pages after a launch. Identified by an unguessable token carried in the URL, because
    cookies inside an LMS iframe cannot be relied on."""

    __tablename__ = "tool_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    context_pk: Mapped[int | None] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    resource_link_pk: Mapped[int | None] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE")
    )
    #: pylti1p3 launch id, to restore the validated launch (deep linking response).
    launch_id: Mapped[str] = mapped_column(String(100))
    message_type: Mapped[str] = mapped_column(String(60))
    roles: Mapped[list[str]] = mapped_column(default=list)
    is_instructor: Mapped[bool] = mapped_column(default=False)
    is_learner: Mapped[bool] = mapped_column(default=False)
    #: The launch's ``launch_presentation.locale`` (e.g. ``es-MX``) and time zone (a ``timezone``
    #: custom parameter, e.g. Canvas's ``$Person.address.timezone``): the pages' language and zone.
    locale: Mapped[str | None] = mapped_column(String(35))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The absolute end (TOOL_SESSION_MAX_SECONDS after the launch): the token in the URL may
    #: have been copied, so no amount of activity keeps it alive longer.
    expires_at: Mapped[datetime] = mapped_column(index=True)
    #: The sliding end: TOOL_SESSION_IDLE_SECONDS after the last use, and never before the end of
    #: an open timed attempt (services/identity.py).
    idle_expires_at: Mapped[datetime]
