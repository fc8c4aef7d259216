"""Assessments, attempts and answers: what a student was given and what they answered.

An ``Attempt`` records its realized form (``question_bank.Form.to_json``) *and* a snapshot of
the exact content of every item it drew, so editing or removing an item in the bank later
never changes a past attempt or its score (randomization and content are recorded, not
recomputed). ``Answer`` rows hold responses as given, in the engine's response shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.models.base import Base
from lti_tool.models.base import utcnow

IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"


class Assessment(Base):
    """The quiz behind one resource link, configured from the link's custom parameters.

    Re-read on every launch; ``problems`` is non-empty when the parameters are invalid (the
    instructor sees them, students see a "not ready yet" page).
    """

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_pk: Mapped[int] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(500))
    blueprint_text: Mapped[str] = mapped_column(String(1000))
    #: ``question_bank.Blueprint.to_json()``; empty when the configuration is invalid.
    blueprint: Mapped[list[Any]] = mapped_column(JSON, default=list)
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    #: Minutes; 0 means no time limit.
    time_limit: Mapped[int] = mapped_column(Integer, default=0)
    grading: Mapped[str] = mapped_column(String(20), default="highest")
    review: Mapped[str] = mapped_column(String(20), default="after_submit")
    points: Mapped[int] = mapped_column(Integer, default=10)
    due_at: Mapped[datetime | None] = mapped_column()
    problems: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_ready(self) -> bool:
        return not self.problems


class Attempt(Base):
    """One try of one student at one assessment, numbered from 1."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("assessment_id", "user_id", "number"),
        Index("ix_attempts_state_deadline_at", "state", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    #: ``question_bank.Form.to_json()``: the drawn item versions and their layouts.
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``{"id@version": {"pool": ..., "data": <bank-file dict>}}`` for every drawn item.
    items: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the time limit ends (None: no limit). The server allows a short grace after it.
    deadline_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    #: "student" or "expiry" (submitted by the server when time ran out).
    submitted_by: Mapped[str | None] = mapped_column(String(20))
    earned: Mapped[float | None] = mapped_column(Float)
    possible: Mapped[float | None] = mapped_column(Float)
    #: The share of the points earned, 0..1.
    score: Mapped[float | None] = mapped_column(Float)

    @property
    def is_open(self) -> bool:
        return self.state == IN_PROGRESS


class Answer(Base):
    """The response saved for one slot of an attempt (the latest one given)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(100))
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
