"""The demo LMS's own tables (prefix ``demo_``): a small LTI 1.3 platform living in our database.

Everything the demo platform knows is here, not in process memory, because it runs under
gunicorn with several workers: a login started on one worker is completed on another, a token
issued by one is checked by another, and a fault switched on by a test applies to all of them.
These tables belong to the *platform*; the tool's own view of the demo LMS lives in
``platforms``/``deployments`` like any other LMS.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from lti_tool.models.base import Base
from lti_tool.models.base import utcnow


class DemoPlatform(Base):
    """The single row (id 1) describing the platform itself, its behaviour and its fault switch."""

    __tablename__ = "demo_platform"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public base URL including ``/demo-lms``; also the ``iss`` of every id_token.
    issuer: Mapped[str] = mapped_column(String(500))
    #: Stable identifier for the ``tool_platform.guid`` claim.
    guid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    #: "moodle" (default) or "canvas": which real platform's service rules to imitate.
    flavour: Mapped[str] = mapped_column(String(20), default="moodle")
    #: Launch options for tests: extra_audiences (list), include_name, include_email (bools).
    launch_options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Misbehaviour on demand (see ``lti_tool.demo_lms.faults``).
    fault_mode: Mapped[str] = mapped_column(String(20), default="none")
    #: How many more requests fail; None means until the mode is changed.
    fault_remaining: Mapped[int | None]
    fault_retry_after: Mapped[int | None]
    fault_delay: Mapped[float | None]
    fault_endpoints: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoKey(Base):
    """An RSA key the platform signs id_tokens with; the newest active one signs."""

    __tablename__ = "demo_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when rotated out; the key stays in the JWKS (old tokens still verify) until removed.
    retired_at: Mapped[datetime | None]


class DemoTool(Base):
    """A tool registered in the demo LMS (by hand, by ``ensure_demo`` or by Dynamic Registration)."""

    __tablename__ = "demo_tools"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255), unique=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    initiate_login_uri: Mapped[str] = mapped_column(String(1000))
    #: The exact redirect URIs the auth endpoint accepts (no prefix or query matching).
    redirect_uris: Mapped[list[str]] = mapped_column(default=list)
    target_link_uri: Mapped[str] = mapped_column(String(1000))
    #: Where LtiDeepLinkingRequest launches go; None when the tool does not offer deep linking.
    deep_link_uri: Mapped[str | None] = mapped_column(String(1000))
    #: The tool's key set URL, or None when an administrator pasted a static public JWK instead.
    jwks_uri: Mapped[str | None] = mapped_column(String(1000))
    public_jwk: Mapped[dict[str, Any] | None]
    #: Last fetched JWKS from ``jwks_uri``: refetched when stale or when a kid is unknown.
    jwks_cache: Mapped[dict[str, Any] | None]
    jwks_fetched_at: Mapped[datetime | None]
    #: Service scopes the tool may request at the token endpoint.
    scopes: Mapped[list[str]] = mapped_column(default=list)
    #: Custom parameters added to every launch of this tool.
    custom_parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The Dynamic Registration request as received, echoed back; None for manual registrations.
    registration: Mapped[dict[str, Any] | None]
    #: Marks the registration ``ensure_demo`` owns (updated when the tool URL changes).
    is_demo_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoCourse(Base):
    __tablename__ = "demo_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Opaque context id sent in the ``context`` claim.
    context_id: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))

    enrollments: Mapped[list[DemoEnrollment]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="DemoEnrollment.id"
    )


class DemoUser(Base):
    __tablename__ = "demo_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Opaque, stable LTI user id (``sub``); never the database id, like real platforms.
    sub: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(255))

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class DemoEnrollment(Base):
    """A user's role in a course: "learner", "instructor" or "teaching_assistant"."""

    __tablename__ = "demo_enrollments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("demo_courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("demo_users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))

    course: Mapped[DemoCourse] = relationship(back_populates="enrollments")
    user: Mapped[DemoUser] = relationship()


class DemoResourceLink(Base):
    """An activity in a course that launches a tool."""

    __tablename__ = "demo_resource_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Opaque id sent in the ``resource_link`` claim.
    resource_link_id: Mapped[str] = mapped_column(String(64), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("demo_courses.id", ondelete="CASCADE"))
    tool_id: Mapped[int] = mapped_column(ForeignKey("demo_tools.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    #: Launch URL from a deep-linking content item; None means the tool's target_link_uri.
    url: Mapped[str | None] = mapped_column(String(1000))
    custom: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tool: Mapped[DemoTool] = relationship()


class DemoLineItem(Base):
    """A gradebook column. Coupled to a resource link (the activity's grade) or standalone."""

    __tablename__ = "demo_line_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("demo_courses.id", ondelete="CASCADE"))
    tool_id: Mapped[int] = mapped_column(ForeignKey("demo_tools.id", ondelete="CASCADE"))
    resource_link_pk: Mapped[int | None] = mapped_column(
        ForeignKey("demo_resource_links.id", ondelete="CASCADE")
    )
    label: Mapped[str] = mapped_column(String(300))
    score_maximum: Mapped[float]
    resource_id: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))
    start_date_time: Mapped[datetime | None]
    end_date_time: Mapped[datetime | None]
    grades_released: Mapped[bool | None]
    #: Vendor extension members (keys that are URIs, e.g. Canvas's submission_type), kept as sent.
    extensions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource_link: Mapped[DemoResourceLink | None] = relationship()


class DemoResult(Base):
    """The current grade of one user on one line item (what the gradebook shows)."""

    __tablename__ = "demo_results"
    __table_args__ = (UniqueConstraint("line_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("demo_line_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("demo_users.id", ondelete="CASCADE"))
    #: Score on the line item's own scale (already rescaled to its scoreMaximum); None = no grade.
    result_score: Mapped[float | None]
    activity_progress: Mapped[str] = mapped_column(String(30))
    grading_progress: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    #: The ``timestamp`` of the score that set this result (the AGS ordering key).
    score_timestamp: Mapped[datetime]
    #: Canvas submission extension and AGS ``submission`` object, kept as sent.
    submission: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[DemoUser] = relationship()


class DemoScorePost(Base):
    """Every score POST received, accepted or refused: the gradebook's history."""

    __tablename__ = "demo_score_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(
        ForeignKey("demo_line_items.id", ondelete="CASCADE"), index=True
    )
    user_sub: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[Any] = mapped_column(JSON)
    status_code: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoAccessToken(Base):
    """An OAuth2 bearer token issued at /demo-lms/token (stored hashed)."""

    __tablename__ = "demo_access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("demo_tools.id", ondelete="CASCADE"))
    scopes: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class DemoUsedJti(Base):
    """Single-use values: client-assertion ``jti`` and deep-linking response ``nonce``."""

    __tablename__ = "demo_used_jtis"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class DemoLaunchRequest(Base):
    """What a login initiation is about: who launches what, with which message type.

    ``lti_message_hint`` is this row's id, signed; the auth endpoint trusts nothing else.
    """

    __tablename__ = "demo_launch_requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("demo_tools.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("demo_courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("demo_users.id", ondelete="CASCADE"))
    resource_link_pk: Mapped[int | None] = mapped_column(
        ForeignKey("demo_resource_links.id", ondelete="CASCADE")
    )
    message_type: Mapped[str] = mapped_column(String(60))
    platform_storage: Mapped[bool] = mapped_column(default=False)
    #: The opaque ``data`` of a deep-linking request; the response must echo it.
    deep_link_data: Mapped[str | None] = mapped_column(String(128), unique=True)
    deep_link_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class DemoRegistrationToken(Base):
    """A Dynamic Registration token (stored hashed), single use, short lived."""

    __tablename__ = "demo_registration_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("demo_tools.id", ondelete="SET NULL"))


class DemoCounter(Base):
    """Request counters for tests (token requests, service requests), incremented atomically."""

    __tablename__ = "demo_counters"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
