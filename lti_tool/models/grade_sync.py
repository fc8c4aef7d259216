"""Grade delivery state: the score outbox and the shared OAuth2 token cache.

A ``ScoreSubmission`` is written in the same transaction as the grade it carries (so a grade is
never lost and never posted for a rolled-back submit); workers deliver it after the commit. The
platform's answer is kept on the row so instructors and ``quiztool grades status`` can see why a
delivery failed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.models.base import Base
from lti_tool.models.base import utcnow

#: Waiting to be sent (``next_attempt_at`` says when).
PENDING = "pending"
#: Claimed by a worker until ``claimed_until``; after that lease any worker may take it over.
SENDING = "sending"
DELIVERED = "delivered"
#: The platform refused it for good (400/404/422, a 403 that is not throttling) or retries ran out.
FAILED = "failed"
#: A newer score for the same link and user was recorded before this one was delivered.
SUPERSEDED = "superseded"
STATUSES = (PENDING, SENDING, DELIVERED, FAILED, SUPERSEDED)


class ScoreSubmission(Base):
    """One score to post to a platform's AGS line item for one user (the outbox row)."""

    __tablename__ = "score_submissions"
    __table_args__ = (
        Index("ix_score_submissions_due", "status", "next_attempt_at"),
        Index("ix_score_submissions_link_user", "resource_link_pk", "user_pk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_pk: Mapped[int] = mapped_column(ForeignKey("resource_links.id", ondelete="CASCADE"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    score_given: Mapped[float | None]
    score_maximum: Mapped[float]
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    #: When the student submitted: sent as Canvas's ``submitted_at`` (and AGS ``submittedAt``) so a
    #: resend after a regrade is not marked late.
    submitted_at: Mapped[datetime]
    #: True for rows made by ``grades resync``: Canvas gets ``new_submission: false``.
    resend: Mapped[bool] = mapped_column(default=False)
    #: The request (or CLI command, or worker pass) that recorded the score: the worker's
    #: delivery log lines carry it, so one id follows a submit to the gradebook.
    request_id: Mapped[str | None] = mapped_column(String(64))

    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    tries: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    #: Which claim owns the row: a worker whose lease ran out cannot record a stale outcome.
    claim_token: Mapped[str | None] = mapped_column(String(36))
    #: The AGS ``timestamp`` of the last send: per link and user each is ≥ 1 s after the previous
    #: one (Moodle refuses equal seconds with 409).
    score_timestamp: Mapped[datetime | None]
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The platform's answer (body) to the last attempt, kept for instructors and admins.
    platform_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None]


class LineItemChange(Base):
    """A change of a link's gradebook column (points, label) to send through AGS: written in the
    transaction that changes the assignment, sent by the worker after the commit."""

    __tablename__ = "lineitem_changes"
    __table_args__ = (Index("ix_lineitem_changes_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_pk: Mapped[int] = mapped_column(ForeignKey("resource_links.id", ondelete="CASCADE"))
    score_maximum: Mapped[float]
    label: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    tries: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None]


class AccessToken(Base):
    """An OAuth2 access token of a platform, shared by every worker until shortly before expiry.

    Keyed by issuer, client id, token URL and scope set: every hosted Canvas shares one issuer,
    and a token asked with fewer scopes must not serve a request needing more.
    """

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the four key parts, so the unique index stays small.
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    token_url: Mapped[str] = mapped_column(String(1000))
    #: Space-separated, sorted.
    scopes: Mapped[str] = mapped_column(Text)
    access_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime | None]
    #: A worker is asking the platform for a new token until then; others wait for it.
    refreshing_until: Mapped[datetime | None]
