"""Grade delivery: THE one place where scores leave for the platform's gradebook.

Two halves, on either side of a commit:

- ``record_score(session, ...)`` runs inside the caller's transaction (a submit). It only adds a
  ``ScoreSubmission`` outbox row and flushes: no network, no commit. A rolled-back submit leaves
  no score behind, and a committed one cannot be lost.
- ``deliver_pending(session_factory, publisher)`` runs after the commit, in a worker (never in a
  web request). It claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional
  UPDATE on SQLite) for a lease, asks the publisher to send each, and records the outcome. A
  worker killed mid-delivery leaves a row whose lease runs out; the next worker takes it over.

Ordering rules that keep the gradebook right: a newer score supersedes older undelivered rows
(an old retry never overwrites a newer grade); only one row per (link, user) is in flight at a
time; each send gets an AGS timestamp at least one second after the previous one for that link
and user (Moodle answers 409 to equal seconds).

A change of the link's gradebook column (its points or label, from the assignment builder) is
an outbox row too (``record_lineitem_change``, ``deliver_lineitem_changes``): the newest change
per link wins, and it is sent only once the link's line item is known.

This module knows no Flask and no pylti1p3: the HTTP side is a ``ScorePublisher``
(``lti_tool.lti.ags.AgsScorePublisher`` in production).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from fractions import Fraction
from typing import Any
from typing import Protocol

from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from lti_tool import metrics
from lti_tool.logs import current_request_id
from lti_tool.logs import request_id_set
from lti_tool.models.base import utcnow
from lti_tool.models.grade_sync import DELIVERED
from lti_tool.models.grade_sync import FAILED
from lti_tool.models.grade_sync import PENDING
from lti_tool.models.grade_sync import SENDING
from lti_tool.models.grade_sync import SUPERSEDED
from lti_tool.models.grade_sync import LineItemChange
from lti_tool.models.grade_sync import ScoreSubmission
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from lti_tool.models.platform import Platform

log = logging.getLogger(__name__)

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
#: Moodle compares timestamps at one-second resolution and refuses equal ones.
TIMESTAMP_SPACING = timedelta(seconds=1)
ANSWER_LIMIT = 4000


# -- recording (inside the submit's transaction) -----------------------------------------------------
def record_score(
    session: Session,
    *,
    resource_link_pk: int,
    user_pk: int,
    score_given: float | Fraction | None,
    score_maximum: float,
    submitted_at: datetime,
    activity_progress: str = "Completed",
    grading_progress: str = "FullyGraded",
    comment: str | None = None,
    resend: bool = False,
    request_id: str | None = None,
) -> ScoreSubmission:
    """Queue a score for the platform. Flushes, never commits, never touches the network.

    Older undelivered rows for the same link and user are superseded: the newest recorded score
    is the one the gradebook must end with. The row keeps ``request_id`` (default: the current
    request's), which the worker's delivery log lines repeat. Note for progress-only scores (``Started`` /
    ``NotReady``): Moodle clears the stored grade on anything but ``FullyGraded``, so post them
    only while the student has no kept grade yet.
    """
    if activity_progress not in ACTIVITY_PROGRESS:
        raise ValueError(f"activity_progress must be one of {', '.join(ACTIVITY_PROGRESS)}")
    if grading_progress not in GRADING_PROGRESS:
        raise ValueError(f"grading_progress must be one of {', '.join(GRADING_PROGRESS)}")
    if score_maximum <= 0:
        raise ValueError("score_maximum must be positive")
    if score_given is not None and score_given < 0:
        raise ValueError("score_given must not be negative")
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    now = utcnow()
    session.execute(
        update(ScoreSubmission)
        .where(
            ScoreSubmission.resource_link_pk == resource_link_pk,
            ScoreSubmission.user_pk == user_pk,
            ScoreSubmission.status.in_((PENDING, FAILED)),
        )
        .values(status=SUPERSEDED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    row = ScoreSubmission(
        resource_link_pk=resource_link_pk,
        user_pk=user_pk,
        score_given=None if score_given is None else float(score_given),
        score_maximum=float(score_maximum),
        activity_progress=activity_progress,
        grading_progress=grading_progress,
        comment=comment,
        submitted_at=submitted_at,
        resend=resend,
        request_id=request_id or current_request_id(),
        status=PENDING,
        tries=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


# -- the publisher contract ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OutgoingScore:
    """Everything a publisher needs to post one score, as plain values."""

    submission_id: int
    platform_pk: int
    product: str
    resource_link_pk: int
    resource_link_id: str
    resource_link_title: str | None
    lineitem_url: str | None
    lineitems_url: str | None
    scopes: tuple[str, ...]
    user_sub: str
    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str
    comment: str | None
    timestamp: datetime
    submitted_at: datetime
    resend: bool


@dataclass(frozen=True)
class PublishResult:
    """What happened to one send.

    ``outcome``: "delivered"; "retry" (transient: 5xx, timeout, connection error, throttling);
    "failed" (the platform refused it for good). ``retry_after`` in seconds when the platform
    said how long to wait (429 / Canvas's throttling 403).
    """

    outcome: str
    status_code: int | None = None
    answer: str | None = None
    error: str | None = None
    retry_after: float | None = None
    lineitem_url: str | None = None


class ScorePublisher(Protocol):
    def publish(self, score: OutgoingScore) -> PublishResult: ...


# -- delivering (after the commit, in a worker) -------------------------------------------------------
@dataclass(frozen=True)
class DeliveryPolicy:
    """Retry and lease settings (from QUIZTOOL_GRADE_* settings; see config/default.py)."""

    lease_seconds: float = 120.0
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 3600.0
    max_tries: int = 15

    def backoff(self, tries: int) -> float:
        """Exponential backoff with jitter: a random wait between half and the whole step, so
        workers that failed together do not all come back at the same moment."""
        step = min(self.retry_max_seconds, self.retry_base_seconds * (2 ** max(0, tries - 1)))
        return step * random.uniform(0.5, 1.0)


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    superseded: int = 0
    #: Claimed but not sent: their platform failed or throttled earlier in the same pass.
    held_back: int = 0
    errors: list[str] = field(default_factory=list)


def _eligible(now: datetime):  # noqa: ANN202
    """Due pending rows, and rows whose sender's lease ran out, whose (link, user) has no other
    row in flight."""
    other = aliased(ScoreSubmission)
    in_flight = exists().where(
        other.resource_link_pk == ScoreSubmission.resource_link_pk,
        other.user_pk == ScoreSubmission.user_pk,
        other.id != ScoreSubmission.id,
        other.status == SENDING,
        other.claimed_until > now,
    )
    due = or_(
        and_(ScoreSubmission.status == PENDING, ScoreSubmission.next_attempt_at <= now),
        and_(ScoreSubmission.status == SENDING, ScoreSubmission.claimed_until <= now),
    )
    return and_(due, ~in_flight)


def claim_due(session: Session, *, limit: int, lease_seconds: float) -> list[tuple[int, str]]:
    """Claim up to ``limit`` due rows for ``lease_seconds``; returns (id, claim token) pairs.
    The caller commits: the claim must be visible before anything is sent."""
    now = utcnow()
    _supersede_abandoned(session, now)
    candidates = (
        select(ScoreSubmission.id, ScoreSubmission.resource_link_pk, ScoreSubmission.status,
               ScoreSubmission.request_id)
        .where(_eligible(now))
        .order_by(ScoreSubmission.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=ScoreSubmission)
    claimed: list[tuple[int, str]] = []
    line_item_known: dict[int, bool] = {}
    for row_id, link_pk, status, request_id in session.execute(candidates).all():
        if link_pk not in line_item_known:
            line_item_known[link_pk] = known_lineitem(session, link_pk) is not None
        if not line_item_known[link_pk]:
            if not _first_for_new_lineitem(session, link_pk, now):
                continue
            line_item_known[link_pk] = True  # this row will find or create it; the others wait
        token = str(uuid.uuid4())
        # Conditional: on SQLite two workers may read the same candidates; only one UPDATE wins.
        result = session.execute(
            update(ScoreSubmission)
            .where(ScoreSubmission.id == row_id, _eligible(now))
            .values(
                status=SENDING,
                claim_token=token,
                claimed_until=now + timedelta(seconds=lease_seconds),
                tries=ScoreSubmission.tries + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append((row_id, token))
            if status == SENDING:
                log.warning("grade #%s: taking it over from a worker whose lease ran out", row_id,
                            extra={"event": "grade.takeover", "submission": row_id, "request_id": request_id})
    for row_id, _token in claimed:
        _stamp(session, row_id, now)
    return claimed


def known_lineitem(session: Session, resource_link_pk: int) -> str | None:
    """The link's line item URL: from the last launch, else where an earlier score went."""
    stored = session.scalar(select(ResourceLink.ags_lineitem).where(ResourceLink.id == resource_link_pk))
    if stored:
        return stored
    return session.scalar(
        select(ScoreSubmission.lineitem_url)
        .where(ScoreSubmission.resource_link_pk == resource_link_pk, ScoreSubmission.lineitem_url.is_not(None))
        .order_by(ScoreSubmission.id.desc())
        .limit(1)
    )


def _first_for_new_lineitem(session: Session, resource_link_pk: int, now: datetime) -> bool:
    """Whether this claim may be the one that finds or creates the link's line item: only one
    row of the link is sent until its URL is known, or two workers would create two gradebook
    columns. The link row is locked (PostgreSQL; SQLite's claim holds the write lock already)
    so concurrent claims see each other."""
    session.execute(select(ResourceLink.id).where(ResourceLink.id == resource_link_pk).with_for_update())
    in_flight = session.scalar(
        select(func.count(ScoreSubmission.id)).where(
            ScoreSubmission.resource_link_pk == resource_link_pk,
            ScoreSubmission.status == SENDING,
            ScoreSubmission.claimed_until > now,
        )
    )
    return not in_flight


def _supersede_abandoned(session: Session, now: datetime) -> None:
    """A row whose sender died (lease over) is not re-sent when a newer score is waiting."""
    newer = aliased(ScoreSubmission)
    session.execute(
        update(ScoreSubmission)
        .where(
            ScoreSubmission.status == SENDING,
            ScoreSubmission.claimed_until <= now,
            exists().where(
                newer.resource_link_pk == ScoreSubmission.resource_link_pk,
                newer.user_pk == ScoreSubmission.user_pk,
                newer.id > ScoreSubmission.id,
            ),
        )
        .values(status=SUPERSEDED, claim_token=None, claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _stamp(session: Session, row_id: int, now: datetime) -> None:
    """Give the row its AGS timestamp: now, or one second after the last one sent for this
    link and user (including this row's own earlier tries, which the platform may have kept)."""
    row = session.get(ScoreSubmission, row_id, populate_existing=True)
    assert row is not None
    previous = session.scalar(
        select(func.max(ScoreSubmission.score_timestamp)).where(
            ScoreSubmission.resource_link_pk == row.resource_link_pk,
            ScoreSubmission.user_pk == row.user_pk,
        )
    )
    if previous is not None and previous.tzinfo is None:
        previous = previous.replace(tzinfo=now.tzinfo)
    stamp = now if previous is None else max(now, previous + TIMESTAMP_SPACING)
    row.score_timestamp = stamp
    session.flush()


def outgoing(session: Session, row: ScoreSubmission) -> OutgoingScore:
    link = session.get(ResourceLink, row.resource_link_pk)
    user = session.get(LtiUser, row.user_pk)
    assert link is not None and user is not None
    platform = session.get(Platform, link.platform_id)
    assert platform is not None and row.score_timestamp is not None
    return OutgoingScore(
        submission_id=row.id,
        platform_pk=platform.id,
        product=platform.product,
        resource_link_pk=link.id,
        resource_link_id=link.resource_link_id,
        resource_link_title=link.title,
        lineitem_url=known_lineitem(session, link.id),
        lineitems_url=link.ags_lineitems,
        scopes=tuple(link.ags_scopes or ()),
        user_sub=user.sub,
        score_given=row.score_given,
        score_maximum=row.score_maximum,
        activity_progress=row.activity_progress,
        grading_progress=row.grading_progress,
        comment=row.comment,
        timestamp=row.score_timestamp,
        submitted_at=row.submitted_at,
        resend=row.resend,
    )


def deliver_pending(
    session_factory: Callable[[], Session],
    publisher: ScorePublisher,
    *,
    limit: int = 50,
    policy: DeliveryPolicy | None = None,
) -> DeliveryReport:
    """One delivery pass: claim due rows, send each, record each outcome in its own transaction."""
    policy = policy or DeliveryPolicy()
    report = DeliveryReport()
    with session_factory() as session:
        claimed = claim_due(session, limit=limit, lease_seconds=policy.lease_seconds)
        rows = {row_id: session.get(ScoreSubmission, row_id) for row_id, _ in claimed}
        scores = {row_id: outgoing(session, row) for row_id, row in rows.items()}  # type: ignore[arg-type]
        request_ids = {row_id: row.request_id for row_id, row in rows.items()}  # type: ignore[union-attr]
        session.commit()
    report.claimed = len(claimed)
    # A platform that is down or throttling is left alone for the rest of the pass: its other
    # rows wait as long as the first one without being sent (Canvas counts every request).
    held_until: dict[int, datetime] = {}
    claimed_at = time.monotonic()
    for row_id, token in claimed:
        with request_id_set(request_ids[row_id]):
            _deliver_one(session_factory, publisher, policy, report, held_until, claimed_at,
                         row_id, token, scores[row_id])
    return report


def _deliver_one(session_factory: Callable[[], Session], publisher: ScorePublisher, policy: DeliveryPolicy,
                 report: DeliveryReport, held_until: dict[int, datetime], claimed_at: float,
                 row_id: int, token: str, score: OutgoingScore) -> None:
    """Send one claimed row (or give it back unsent) and record the outcome; the caller has set
    the row's request id for every log line this makes."""
    if time.monotonic() - claimed_at > policy.lease_seconds / 2:
        # A slow pass must not send rows whose lease may run out meanwhile: another worker
        # could take them over and post them a second time. Give them back, due now.
        with session_factory() as session:
            _hold_back(session, row_id, token, utcnow())
            session.commit()
        report.held_back += 1
        log.info("grade #%s given back unsent: this pass ran long", row_id,
                 extra={"event": "grade.held", "submission": row_id, "platform": score.platform_pk})
        return
    if score.platform_pk in held_until:
        with session_factory() as session:
            _hold_back(session, row_id, token, held_until[score.platform_pk])
            session.commit()
        report.held_back += 1
        log.info("grade #%s held back: platform %s failed or throttled earlier in this pass", row_id,
                 score.platform_pk, extra={"event": "grade.held", "submission": row_id,
                                           "platform": score.platform_pk})
        return
    try:
        result = publisher.publish(score)
    except Exception as exc:  # a bug or an unexpected library error: retry later, keep going
        log.exception("publishing score submission %s failed", row_id)
        result = PublishResult("retry", error=f"{type(exc).__name__}: {exc}")
    with session_factory() as session:
        outcome, retry_at = _record_outcome(session, row_id, token, result, policy, platform_pk=score.platform_pk)
        session.commit()
    if outcome:
        setattr(report, outcome, getattr(report, outcome) + 1)
        metrics.DELIVERIES.labels(outcome, str(score.platform_pk)).inc()
    if result.outcome != "delivered" and result.error:
        report.errors.append(f"#{row_id}: {result.error}")
    if retry_at is not None and result.status_code != 409:  # 409 concerns one user only
        held_until[score.platform_pk] = retry_at


def _hold_back(session: Session, row_id: int, token: str, until: datetime) -> None:
    """Give a claimed row back unsent: it keeps its tries and becomes due with the held platform."""
    session.execute(
        update(ScoreSubmission)
        .where(ScoreSubmission.id == row_id, ScoreSubmission.claim_token == token, ScoreSubmission.status == SENDING)
        .values(status=PENDING, tries=ScoreSubmission.tries - 1, next_attempt_at=until, claim_token=None,
                claimed_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _record_outcome(
    session: Session, row_id: int, token: str, result: PublishResult, policy: DeliveryPolicy,
    *, platform_pk: int | None = None,
) -> tuple[str | None, datetime | None]:
    """Store what happened and log it (one line per outcome, with the row's request id); returns
    the report field to count and, for a retry, when it is due."""
    row = session.get(ScoreSubmission, row_id, with_for_update=True)
    if row is None or row.claim_token != token or row.status != SENDING:
        log.warning("score submission %s: lease lost before the outcome was recorded", row_id,
                    extra={"event": "grade.lease_lost", "submission": row_id})
        return None, None
    now = utcnow()
    previous_error = row.last_error
    row.last_status_code = result.status_code
    row.platform_answer = (result.answer or "")[:ANSWER_LIMIT] or None
    row.lineitem_url = result.lineitem_url or row.lineitem_url
    row.claimed_until = None
    row.claim_token = None
    if result.outcome == "delivered":
        row.status = DELIVERED
        row.delivered_at = now
        row.last_error = None
        if row.tries > 1:
            _log_outcome(row, platform_pk, "recovered", logging.INFO, f"delivered after {row.tries} tries "
                         f"(the last one before had: {previous_error})")
        else:
            _log_outcome(row, platform_pk, "delivered", logging.INFO, "delivered")
        return "delivered", None
    row.last_error = (result.error or f"HTTP {result.status_code}")[:ANSWER_LIMIT]
    if result.outcome == "failed":
        row.status = FAILED
        _log_outcome(row, platform_pk, "refused", logging.WARNING, f"refused for good: {row.last_error}")
        return "failed", None
    if _has_newer(session, row):
        row.status = SUPERSEDED
        _log_outcome(row, platform_pk, "superseded", logging.INFO, f"not retried ({row.last_error}): a newer score waits")
        return "superseded", None
    if row.tries >= policy.max_tries:
        row.status = FAILED
        row.last_error = f"gave up after {row.tries} tries: {row.last_error}"[:ANSWER_LIMIT]
        _log_outcome(row, platform_pk, "failed", logging.ERROR, row.last_error)
        return "failed", None
    wait = result.retry_after if result.retry_after is not None else policy.backoff(row.tries)
    row.status = PENDING
    row.next_attempt_at = now + timedelta(seconds=wait)
    shown_wait = f"{wait:.0f}" if wait >= 10 else f"{wait:.2f}"
    _log_outcome(row, platform_pk, "retry", logging.WARNING, f"{row.last_error}; retrying in {shown_wait} s "
                 f"(try {row.tries} of {policy.max_tries})", wait_seconds=round(wait, 3))
    return "retrying", row.next_attempt_at


def _log_outcome(row: ScoreSubmission, platform_pk: int | None, event: str, level: int, what: str,
                 **fields: object) -> None:
    """One line per delivery outcome: opaque ids, the platform's status code, never the score's
    content or the platform's answer (``quiztool grades status`` shows that)."""
    log.log(level, "grade #%s to platform %s (link %s, user %s): %s", row.id, platform_pk, row.resource_link_pk,
            row.user_pk, what,
            extra={"event": f"grade.{event}", "submission": row.id, "platform": platform_pk, "link": row.resource_link_pk,
                   "user": row.user_pk, "tries": row.tries, "status_code": row.last_status_code,
                   "request_id": row.request_id, **fields})


def _has_newer(session: Session, row: ScoreSubmission) -> bool:
    return session.scalar(
        select(func.count(ScoreSubmission.id)).where(
            ScoreSubmission.resource_link_pk == row.resource_link_pk,
            ScoreSubmission.user_pk == row.user_pk,
            ScoreSubmission.id > row.id,
        )
    ) > 0


# -- reading and operating (CLI, instructor pages) ------------------------------------------------------
@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    sending: int
    failed: int
    delivered: int
    superseded: int
    oldest_pending_at: datetime | None

    def oldest_pending_age(self, now: datetime | None = None) -> timedelta | None:
        if self.oldest_pending_at is None:
            return None
        return (now or utcnow()) - self.oldest_pending_at


def outbox_status(session: Session) -> OutboxStatus:
    counts = dict(
        session.execute(select(ScoreSubmission.status, func.count()).group_by(ScoreSubmission.status)).all()
    )
    oldest = session.scalar(
        select(func.min(ScoreSubmission.created_at)).where(ScoreSubmission.status.in_((PENDING, SENDING)))
    )
    return OutboxStatus(
        pending=counts.get(PENDING, 0),
        sending=counts.get(SENDING, 0),
        failed=counts.get(FAILED, 0),
        delivered=counts.get(DELIVERED, 0),
        superseded=counts.get(SUPERSEDED, 0),
        oldest_pending_at=oldest,
    )


@dataclass(frozen=True)
class PlatformOutbox:
    """The outbox as one platform sees it (``quiztool grades status``, ``/metrics``)."""

    platform_id: int
    name: str
    issuer: str
    client_id: str
    product: str
    #: Waiting (due now or after a retry's wait), and being sent right now.
    pending: int
    sending: int
    #: Waiting after at least one failed try: the platform is failing for these.
    retrying: int
    #: Refused for good, or given up on (``quiztool grades retry --failed``).
    failed: int
    delivered_last_hour: int
    oldest_pending_at: datetime | None
    #: The latest unsuccessful try of a waiting or failed score: (when, HTTP status, our summary,
    #: the platform's answer).
    last_failure: tuple[datetime, int | None, str, str | None] | None

    def oldest_pending_age(self, now: datetime | None = None) -> timedelta | None:
        return None if self.oldest_pending_at is None else (now or utcnow()) - self.oldest_pending_at


def outbox_by_platform(session: Session, *, with_last_failure: bool = True) -> list[PlatformOutbox]:
    """Every registered platform's outbox, in platform id order (platforms without scores too)."""
    now = utcnow()
    link_platform = ResourceLink.platform_id
    counts: dict[int, dict[str, int]] = {}
    oldest: dict[int, datetime] = {}
    waiting = (
        select(link_platform, ScoreSubmission.status, func.count(),
               func.sum(case((ScoreSubmission.tries > 0, 1), else_=0)), func.min(ScoreSubmission.created_at))
        .select_from(ScoreSubmission)
        .join(ResourceLink, ResourceLink.id == ScoreSubmission.resource_link_pk)
        .where(ScoreSubmission.status.in_((PENDING, SENDING, FAILED)))
        .group_by(link_platform, ScoreSubmission.status)
    )
    for platform_id, status, count, tried, first in session.execute(waiting):
        mine = counts.setdefault(platform_id, {})
        mine[status] = count
        if status == PENDING:
            mine["retrying"] = int(tried or 0)
        if status in (PENDING, SENDING) and first is not None:
            oldest[platform_id] = min(first, oldest.get(platform_id, first))
    delivered = dict(session.execute(  # type: ignore[arg-type]
        select(link_platform, func.count())
        .select_from(ScoreSubmission)
        .join(ResourceLink, ResourceLink.id == ScoreSubmission.resource_link_pk)
        .where(ScoreSubmission.status == DELIVERED, ScoreSubmission.delivered_at >= now - timedelta(hours=1))
        .group_by(link_platform)
    ).all())
    failures: dict[int, tuple[datetime, int | None, str, str | None]] = {}
    if with_last_failure:
        latest = (
            select(link_platform, ScoreSubmission.updated_at, ScoreSubmission.last_status_code,
                   ScoreSubmission.last_error, ScoreSubmission.platform_answer)
            .select_from(ScoreSubmission)
            .join(ResourceLink, ResourceLink.id == ScoreSubmission.resource_link_pk)
            .where(ScoreSubmission.status.in_((PENDING, FAILED)), ScoreSubmission.last_error.is_not(None))
            .order_by(ScoreSubmission.updated_at.desc())
            .limit(500)
        )
        for platform_id, at, code, error, answer in session.execute(latest):
            failures.setdefault(platform_id, (at, code, error, answer))
    platforms = session.execute(
        select(Platform.id, Platform.name, Platform.issuer, Platform.client_id, Platform.product).order_by(Platform.id)
    )
    return [
        PlatformOutbox(
            platform_id=p.id, name=p.name, issuer=p.issuer, client_id=p.client_id, product=p.product,
            pending=counts.get(p.id, {}).get(PENDING, 0), sending=counts.get(p.id, {}).get(SENDING, 0),
            retrying=counts.get(p.id, {}).get("retrying", 0), failed=counts.get(p.id, {}).get(FAILED, 0),
            delivered_last_hour=delivered.get(p.id, 0), oldest_pending_at=oldest.get(p.id),
            last_failure=failures.get(p.id),
        )
        for p in platforms
    ]


def failed_deliveries(session: Session, resource_link_pk: int | None = None) -> list[ScoreSubmission]:
    """Failed rows (newest first), with the platform's answer kept: for instructors and admins."""
    query = select(ScoreSubmission).where(ScoreSubmission.status == FAILED)
    if resource_link_pk is not None:
        query = query.where(ScoreSubmission.resource_link_pk == resource_link_pk)
    return list(session.scalars(query.order_by(ScoreSubmission.id.desc())))


def retry_now(session: Session, *, include_failed: bool = False) -> int:
    """Make waiting rows due now (and failed ones pending again with ``include_failed``) unless a
    newer score exists for the same link and user. Flushes; returns how many rows were touched."""
    statuses = (PENDING, FAILED) if include_failed else (PENDING,)
    newer = aliased(ScoreSubmission)
    has_newer = exists().where(
        newer.resource_link_pk == ScoreSubmission.resource_link_pk,
        newer.user_pk == ScoreSubmission.user_pk,
        newer.id > ScoreSubmission.id,
    )
    now = utcnow()
    result = session.execute(
        update(ScoreSubmission)
        .where(ScoreSubmission.status.in_(statuses), ~has_newer)
        .values(status=PENDING, next_attempt_at=now, tries=0, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]


def purge_old(session: Session, *, older_than: timedelta) -> int:
    """Delete delivered and superseded rows last touched before ``older_than`` ago, except the
    newest row of each (link, user): it carries the last timestamp sent (the one-second rule)
    and the line item the link's scores go to. Failed rows stay until an admin deals with them."""
    newest = select(func.max(ScoreSubmission.id)).group_by(ScoreSubmission.resource_link_pk, ScoreSubmission.user_pk)
    result = session.execute(
        delete(ScoreSubmission)
        .where(
            ScoreSubmission.status.in_((DELIVERED, SUPERSEDED)),
            ScoreSubmission.updated_at < utcnow() - older_than,
            ScoreSubmission.id.not_in(newest),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Delivery:
    """Where a student's grade is on its way to the LMS gradebook: ``state`` is "none",
    "progress" (only the LMS's "started" shown), "queued", "delivered" (``when``) or "refused"
    (with the LMS's ``answer`` and ``status_code``)."""

    state: str
    when: datetime | None = None
    answer: str | None = None
    status_code: int | None = None


_DELIVERY_COLUMNS = (ScoreSubmission.id, ScoreSubmission.user_pk, ScoreSubmission.grading_progress,
                     ScoreSubmission.status, ScoreSubmission.created_at, ScoreSubmission.updated_at,
                     ScoreSubmission.delivered_at, ScoreSubmission.last_error, ScoreSubmission.platform_answer,
                     ScoreSubmission.last_status_code)


def latest_deliveries(session: Session, resource_link_pk: int, user_pk: int | None = None) -> dict[int, Delivery]:
    """Per user (or for ``user_pk``), where the newest graded score recorded for the link is
    (else the newest score of any kind): delivered and when, waiting, or refused with the LMS's
    answer. For the instructor's pages."""
    def newest(*conditions: Any) -> Any:
        mine = () if user_pk is None else (ScoreSubmission.user_pk == user_pk,)
        return (select(func.max(ScoreSubmission.id))
                .where(ScoreSubmission.resource_link_pk == resource_link_pk, *mine, *conditions)
                .group_by(ScoreSubmission.user_pk))

    graded = newest(ScoreSubmission.grading_progress == "FullyGraded")
    rows = session.execute(select(*_DELIVERY_COLUMNS).where(or_(ScoreSubmission.id.in_(graded),
                                                                ScoreSubmission.id.in_(newest()))))
    found: dict[int, Delivery] = {}
    for row in sorted(rows, key=lambda r: (r.grading_progress == "FullyGraded", r.id)):
        found[row.user_pk] = _delivery(row)  # a graded row, sorted last, wins over a progress row
    return found


def _delivery(row: Any) -> Delivery:
    if row.grading_progress != "FullyGraded":
        return Delivery("progress", row.delivered_at or row.created_at)
    if row.status == DELIVERED:
        return Delivery("delivered", row.delivered_at)
    if row.status == FAILED:
        return Delivery("refused", row.updated_at, (row.platform_answer or row.last_error or "")[:500], row.last_status_code)
    return Delivery("queued", row.created_at, row.last_error, row.last_status_code)


# -- line item changes (the gradebook column itself) ------------------------------------------------
SKIPPED = "skipped"


def record_lineitem_change(session: Session, *, resource_link_pk: int, score_maximum: float, label: str) -> LineItemChange:
    """Queue a change of the link's gradebook column. Flushes; an older unsent change of the
    same link is superseded."""
    if score_maximum <= 0:
        raise ValueError("score_maximum must be positive")
    now = utcnow()
    session.execute(
        update(LineItemChange)
        .where(LineItemChange.resource_link_pk == resource_link_pk, LineItemChange.status.in_((PENDING, FAILED)))
        .values(status=SUPERSEDED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    row = LineItemChange(resource_link_pk=resource_link_pk, score_maximum=float(score_maximum), label=label[:500],
                         status=PENDING, tries=0, next_attempt_at=now, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class OutgoingLineItem:
    change_id: int
    platform_pk: int
    lineitem_url: str
    scopes: tuple[str, ...]
    score_maximum: float
    label: str


class LineItemPublisher(Protocol):
    def update_lineitem(self, change: OutgoingLineItem) -> PublishResult: ...


def deliver_lineitem_changes(session_factory: Callable[[], Session], publisher: LineItemPublisher, *,
                             policy: DeliveryPolicy | None = None, limit: int = 20) -> int:
    """Send due line item changes; returns how many were sent (delivered or not). A change whose
    link has no known line item yet is skipped: the link's first score creates the line item,
    and it is created with the assignment's current points."""
    policy = policy or DeliveryPolicy()
    now = utcnow()
    with session_factory() as session:
        due = list(session.scalars(
            select(LineItemChange.id)
            .where(or_(and_(LineItemChange.status == PENDING, LineItemChange.next_attempt_at <= now),
                       and_(LineItemChange.status == SENDING, LineItemChange.claimed_until <= now)))
            .order_by(LineItemChange.id).limit(limit)
        ))
        claimed: list[OutgoingLineItem] = []
        for change_id in due:
            won = session.execute(
                update(LineItemChange)
                .where(LineItemChange.id == change_id, LineItemChange.status.in_((PENDING, SENDING)),
                       or_(LineItemChange.claimed_until.is_(None), LineItemChange.claimed_until <= now))
                .values(status=SENDING, claimed_until=now + timedelta(seconds=policy.lease_seconds),
                        tries=LineItemChange.tries + 1, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if not won:
                continue
            change = session.get(LineItemChange, change_id)
            assert change is not None
            link = session.get(ResourceLink, change.resource_link_pk)
            url = known_lineitem(session, change.resource_link_pk) if link is not None else None
            if link is None or url is None:
                change.status, change.claimed_until = SKIPPED, None
                change.last_error = "no line item known yet: the first grade creates it with these points"
                continue
            claimed.append(OutgoingLineItem(change.id, link.platform_id, url, tuple(link.ags_scopes or ()),
                                            change.score_maximum, change.label))
        session.commit()
    for outgoing_change in claimed:
        try:
            result = publisher.update_lineitem(outgoing_change)
        except Exception as exc:  # a bug or an unexpected library error: retry later
            log.exception("line item change %s failed", outgoing_change.change_id)
            result = PublishResult("retry", error=f"{type(exc).__name__}: {exc}")
        with session_factory() as session:
            change = session.get(LineItemChange, outgoing_change.change_id)
            if change is not None and change.status == SENDING:
                _record_change_outcome(change, result, policy)
            session.commit()
    return len(claimed)


def _record_change_outcome(change: LineItemChange, result: PublishResult, policy: DeliveryPolicy) -> None:
    now = utcnow()
    change.claimed_until = None
    change.last_status_code = result.status_code
    change.platform_answer = (result.answer or "")[:ANSWER_LIMIT] or None
    if result.outcome == "delivered":
        change.status, change.delivered_at, change.last_error = DELIVERED, now, None
        return
    change.last_error = (result.error or f"HTTP {result.status_code}")[:ANSWER_LIMIT]
    if result.outcome == "failed" or change.tries >= policy.max_tries:
        change.status = FAILED
        return
    change.status = PENDING
    wait = result.retry_after if result.retry_after is not None else policy.backoff(change.tries)
    change.next_attempt_at = now + timedelta(seconds=wait)


def lineitem_changes(session: Session, resource_link_pk: int, limit: int = 5) -> list[LineItemChange]:
    """The link's newest line item changes (the instructor sees whether the LMS took them)."""
    return list(session.scalars(
        select(LineItemChange).where(LineItemChange.resource_link_pk == resource_link_pk)
        .order_by(LineItemChange.id.desc()).limit(limit)
    ))
