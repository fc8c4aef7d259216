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
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.models.base import Base
from lti_tool.models.base import utcnow

IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"

#: Where an assessment's settings come from.
FROM_CUSTOM_PARAMETERS = "custom"  # the link's custom parameters, re-read on every launch
FROM_BUILDER = "builder"  # the assignment builder; the link names it with ``custom.assignment``
NOT_SET_UP = "unset"  # nothing yet: instructors see the builder, students "not ready yet"

#: Layouts a student starts in.
PAGED = "paged"
SINGLE_PAGE = "single"


class Assessment(Base):
    """The quiz behind one resource link.

    Configured either from the link's custom parameters (re-read on every launch; ``problems``
    lists what is wrong with them) or by the assignment builder (``source == "builder"``): a
    deep-linking response names the assessment by ``key`` in the content item's custom
    parameters, and the first launch of the link the platform then creates binds it
    (``resource_link_pk`` is empty until then).
    """

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_pk: Mapped[int | None] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE"), unique=True
    )
    #: The platform and course the assessment was built in (deep linking has no link yet).
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    context_pk: Mapped[int | None] = mapped_column(ForeignKey("contexts.id", ondelete="SET NULL"))
    #: The public name of a builder assessment (``custom.assignment`` of its link).
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(20), default=FROM_CUSTOM_PARAMETERS, server_default=FROM_CUSTOM_PARAMETERS)
    #: A link copied with its course names another link's assessment: the one to offer reusing.
    copied_from_pk: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
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
    #: ``paged`` (one question per page) or ``single`` (all on one page) when an attempt starts.
    layout: Mapped[str] = mapped_column(String(10), default=PAGED, server_default=PAGED)
    #: Item ids never drawn for this assessment (the bank browser's switch, a dropped item).
    excluded_items: Mapped[list[str]] = mapped_column(default=list)
    #: Regrade rules: ``{"dropped": [item ids], "accepted": {item id: [response ids]}}``.
    regrade: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: When an instructor last changed the settings (attempts started before keep theirs).
    settings_changed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_ready(self) -> bool:
        return not self.problems and self.source != NOT_SET_UP and bool(self.blueprint)


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
    #: The assignment's time limit in minutes when the attempt started (before any extra time):
    #: an accommodation granted later is added to this, not to a limit changed since.
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column()
    #: "student" or "expiry" (submitted by the server when time ran out).
    submitted_by: Mapped[str | None] = mapped_column(String(20))
    earned: Mapped[float | None] = mapped_column(Float)
    possible: Mapped[float | None] = mapped_column(Float)
    #: The share of the points earned, 0..1.
    score: Mapped[float | None] = mapped_column(Float)
    #: How far the student has gone in each unfolding case of the form (``question_bank.go_on``):
    #: ``{"<case's first slot, 0-based>": <furthest slot opened, 0-based>}``; None before any.
    #: A case's parts before the furthest are closed: its new information could give them away.
    case_progress: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)

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
    #: How many times the answer was saved (1 for the first save): a page sends the revision it
    #: showed with its save, and a save made over an answer it never saw (another tab's) is refused.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class AnswerStep(Base):
    """One save of an attempt, kept: what was answered when (``Answer`` keeps only the last).

    Written in the transaction of the save itself: a form save (``via="form"``), an autosave
    (``"autosave"``) or the submit (``"submit"``/``"expiry"``: ``slot`` is None, the step marks
    when the answers stopped counting). ``item_id``/``version`` name the item version the slot
    held, so a step reads without the form.
    """

    __tablename__ = "answer_steps"
    __table_args__ = (Index("ix_answer_steps_attempt_id_id", "attempt_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    slot: Mapped[int | None] = mapped_column(Integer)
    item_id: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    via: Mapped[str] = mapped_column(String(20))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttemptSlotScore(Base):
    """What one slot of a submitted attempt earned, written when it is scored (submit, regrade).

    Item analysis sums these rows in SQL (facility, the item-rest correlation's sums, option
    counts) instead of scoring every saved response of every attempt again.
    """

    __tablename__ = "slot_scores"
    __table_args__ = (UniqueConstraint("attempt_id", "slot"), Index("ix_slot_scores_assessment_id_item_id", "assessment_id", "item_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(Float)
    #: The share of the item earned, 0..1 (regrade rules applied), and the points that makes.
    credit: Mapped[float] = mapped_column(Float)
    earned: Mapped[float] = mapped_column(Float)
    #: The points the rest of the attempt earned (its total without this slot): the other side
    #: of the item-rest correlation, stored so the statistics are one GROUP BY.
    rest: Mapped[float] = mapped_column(Float)
    #: False for an item dropped by a regrade.
    counted: Mapped[bool] = mapped_column(default=True)
    #: The options chosen (choice items), comma-separated in id order; "" for none.
    chosen: Mapped[str] = mapped_column(String(500), default="")


class Accommodation(Base):
    """What one student is granted on one assessment: extra time (minutes and/or a percentage of
    the time limit, also applied to an attempt in progress) and extra attempts."""

    __tablename__ = "accommodations"
    __table_args__ = (UniqueConstraint("assessment_id", "user_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    extra_percent: Mapped[int] = mapped_column(Integer, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
