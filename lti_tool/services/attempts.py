"""A student's attempts: start or resume, save answers, submit, expire, and the kept grade.

Rules this module owns (no Flask here; callers commit once):

* **Recorded, not recomputed.** Starting draws the form with the engine's seeded draw and stores
  it with a snapshot of every drawn item's content (``id@version``), so later bank edits never
  change a past attempt. Launching again resumes the same attempt with the same answers.
* **The server keeps time.** ``deadline_at`` = start + time limit; answers are accepted until
  ``GRACE`` after it (network latency, a last autosave); after that the attempt is submitted by
  the server with what was saved, by ``expire_overdue`` (the worker loop) or at the next request.
* **Submitting is idempotent.** One conditional UPDATE (``state = in_progress``) decides which
  request submits; double submits, replays and submits after expiry change nothing.
* **Scores** come from ``services.scoring`` (the assessment's regrade rules applied); the kept
  grade (``services.gradebook``) goes to the gradebook outbox in the same transaction.
* **Accommodations** (``services.accommodations``): extra attempts add to the allowance, extra
  time to the deadline of every attempt the student starts.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import defer

import question_bank
from question_bank.bank.build import item_from_data
from question_bank.cases import AHEAD  # noqa: F401  (the web layer reads the states from here)
from question_bank.cases import CLOSED
from question_bank.cases import OPEN
from question_bank.replay import snapshot_of
from lti_tool.models.assessment import IN_PROGRESS
from lti_tool.models.assessment import SUBMITTED
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import AnswerStep
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from lti_tool.models.upsert import upsert
from lti_tool.schemas.answers import load_response
from lti_tool.services import accommodations
from lti_tool.services import gradebook
from lti_tool.services import scoring
from lti_tool.services.assessments import shipped_bank

log = logging.getLogger(__name__)

#: Answers and submits are accepted this long after the deadline (latency, a last autosave).
GRACE = timedelta(seconds=30)


class AttemptError(Exception):
    """A request the attempt's state refuses; the message is for the student."""


class NoAttemptsLeft(AttemptError):
    pass


class AttemptClosed(AttemptError):
    """The attempt was submitted (by the student or because time ran out)."""


class CannotDraw(AttemptError):
    """No form can be drawn for the next attempt (the bank changed under the blueprint)."""


class NotReady(AttemptError):
    pass


class BadAnswer(AttemptError):
    pass


class AnswerChanged(AttemptError):
    """The answer was saved again since the page that sends this save showed it (another tab or
    window of the same attempt): refused, so no save overwrites an answer it never saw."""

    def __init__(self, slot: int, revision: int) -> None:
        super().__init__(f"This attempt changed in another window: question {slot} was saved there "
                         "after this page showed it. Check the answer saved there before changing it.")
        self.slot = slot
        self.revision = revision


class CasePartUnavailable(AttemptError):
    """A save to a part of an unfolding case that is closed (the student went on with the case)
    or not opened yet. ``state`` is "closed" or "ahead"; the web layer words it for the student."""

    def __init__(self, slot: int, state: str) -> None:
        super().__init__(f"question {slot} is {'closed: its case has gone on' if state == CLOSED else 'not opened yet'}")
        self.slot = slot
        self.state = state


# -- reading ----------------------------------------------------------------------------------


def attempts_of(session: Session, assessment_id: int, user_pk: int, *, snapshot: bool = True) -> list[Attempt]:
    """The user's attempts in order; ``snapshot=False`` for lists that never open a form."""
    statement = _ATTEMPTS_OF if snapshot else _ATTEMPTS_OF_WITHOUT_SNAPSHOT
    return list(session.scalars(statement, {"assessment_id": assessment_id, "user_pk": user_pk}))


_ATTEMPTS_OF = (
    select(Attempt)
    .where(Attempt.assessment_id == bindparam("assessment_id"), Attempt.user_id == bindparam("user_pk"))
    .order_by(Attempt.number)
)
_ATTEMPTS_OF_WITHOUT_SNAPSHOT = _ATTEMPTS_OF.options(defer(Attempt.form), defer(Attempt.items))


def owned_attempt(session: Session, attempt_id: int, *, user_pk: int, resource_link_pk: int | None,
                  snapshot: bool = True) -> Attempt | None:
    """The attempt only if it is this user's, on this resource link: anything else is None
    (the web layer answers 404, so another student's attempt ids reveal nothing).

    ``snapshot=False`` leaves the form and item snapshot (tens of kilobytes of JSON) unread
    until something touches them: autosave usually finds its slot in ``slot_view``'s cache.
    """
    if resource_link_pk is None:
        return None  # a session without a resource link owns no attempt
    statement = _OWNED if snapshot else _OWNED_WITHOUT_SNAPSHOT
    return session.scalars(
        statement, {"attempt_id": attempt_id, "user_pk": user_pk, "resource_link_pk": resource_link_pk}
    ).first()


_OWNED = (
    select(Attempt)
    .join(Assessment, Assessment.id == Attempt.assessment_id)
    .where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_pk"),
           Assessment.resource_link_pk == bindparam("resource_link_pk"))
)
_OWNED_WITHOUT_SNAPSHOT = _OWNED.options(defer(Attempt.form), defer(Attempt.items))


def form_of(attempt: Attempt) -> question_bank.Form:
    return question_bank.Form.from_json(attempt.form)


def items_of(attempt: Attempt) -> dict[str, question_bank.Item]:
    """The attempt's own copies of its items, by ``id@version`` (never the live bank)."""
    return {ref: item_from_data(entry["pool"], entry["data"]) for ref, entry in attempt.items.items()}


def unfolding(attempt: Attempt) -> dict[int, str]:
    """OPEN, CLOSED or AHEAD for every slot number (1-based) of the attempt."""
    form = form_of(attempt)
    return {index + 1: question_bank.unfolding_state(form, attempt.case_progress, index)
            for index in range(len(form.slots))}


def next_case_part(attempt: Attempt, number: int) -> tuple[int, int] | None:
    """For an AHEAD slot: (the open part going on closes, the part it opens), as slot numbers."""
    pair = question_bank.next_part(form_of(attempt), attempt.case_progress, number - 1)
    return None if pair is None else (pair[0] + 1, pair[1] + 1)


def go_on_with_case(session: Session, attempt: Attempt, number: int, *, now: datetime | None = None) -> bool:
    """Open slot ``number``, the next part of its case, which closes the part before it (its
    answer stays as saved). False, and nothing changes, when ``number`` is not the next part of
    a case (already open, closed, further on, or no case part: an old page or another window).
    Raises AttemptClosed for a submitted attempt. Flushes."""
    now = now or utcnow()
    _ensure_open(session, attempt, now)
    progress = session.scalar(select(Attempt.case_progress).where(Attempt.id == attempt.id))
    form = form_of(attempt)
    if question_bank.next_part(form, progress, number - 1) != (number - 2, number - 1):
        return False
    attempt.case_progress = question_bank.go_on(form, progress, number - 1)
    session.flush()
    return True


def revisions_of(session: Session, attempt: Attempt) -> dict[int, int]:
    """How many times each slot's answer was saved, by slot number (absent: never saved)."""
    rows = session.execute(select(Answer.slot, Answer.revision).where(Answer.attempt_id == attempt.id))
    return {row.slot: row.revision for row in rows}


def responses_of(session: Session, attempt: Attempt) -> dict[int, Any]:
    """Saved responses by slot number (1-based)."""
    rows = session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))
    return {row.slot: row.response for row in rows}


@dataclass(frozen=True)
class Step:
    """One save of an attempt as an instructor reads it (``AnswerStep``)."""

    saved_at: datetime
    #: The question number (None for the submit, which ends the steps).
    slot: int | None
    item_id: str | None
    version: int | None
    response: Any
    #: "form", "autosave", "submit" or "expiry" ("before-steps": the last save of an attempt
    #: answered before every save was kept).
    via: str


def steps_of(session: Session, attempt_id: int) -> list[Step]:
    """Every save of the attempt, in the order it was made: what the student answered when."""
    return [Step(row.saved_at, row.slot, row.item_id, row.version, row.response, row.via)
            for row in session.scalars(select(AnswerStep).where(AnswerStep.attempt_id == attempt_id)
                                       .order_by(AnswerStep.id))]


def response_text(response: Any) -> str:
    """A stored response in a line an instructor reads beside the question (ids as the review
    shows them): ``b``; ``a, c``; ``p1 → r2; p2 → r1``; ``true``; "(no answer)" when cleared."""
    if response is None or response == [] or response == {}:
        return "(no answer)"
    if isinstance(response, bool):
        return "true" if response else "false"
    if isinstance(response, list):
        return ", ".join(response_text(part) for part in response)
    if isinstance(response, dict):
        return "; ".join(f"{key} → {response_text(value)}" for key, value in response.items())
    return str(response)


def student_views(attempt: Attempt) -> list[dict[str, Any]]:
    """Each slot as the student may see it while answering: no key, no rationale."""
    items = items_of(attempt)
    form = form_of(attempt)
    return [{**question_bank.student_view(items[slot.ref], slot.layout), "case": question_bank.case_view(form, index)}
            for index, slot in enumerate(form.slots)]


def review_views(session: Session, attempt: Attempt) -> list[dict[str, Any]]:
    """Each slot with key, rationales and the student's response: only after submission. The
    score shown per question is the one the attempt's total counts (regrade rules applied)."""
    if attempt.state != SUBMITTED:
        raise AttemptError("the answers are shown only after the attempt is submitted")
    items = items_of(attempt)
    responses = responses_of(session, attempt)
    form = form_of(attempt)
    assessment = session.get(Assessment, attempt.assessment_id)
    rules = scoring.RegradeRules.from_json(assessment.regrade if assessment else None)
    scored = scoring.score_attempt(form, items, responses, rules).slots
    views = []
    for number, (slot, result) in enumerate(zip(form.slots, scored), start=1):
        item = rules.scored_version(items[slot.ref])
        view = question_bank.review_view(item, slot.layout, responses.get(number), answered=True)
        view["score"] = result.earned if result.counted else 0
        view["dropped"] = not result.counted
        view["case"] = question_bank.case_view(form, number - 1)
        views.append(view)
    return views


def time_is_up(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


# -- starting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    attempt: Attempt
    resumed: bool


def start_or_resume(
    session: Session, assessment: Assessment, user: LtiUser, *, secret: bytes, now: datetime | None = None
) -> Started:
    """The student's open attempt, or a new one when attempts remain. Flushes."""
    now = now or utcnow()
    if not assessment.is_ready:
        raise NotReady("This assignment is not ready yet. Your instructor has been told why.")
    expire_for_user(session, assessment, user.id, now)
    attempts = attempts_of(session, assessment.id, user.id)
    open_attempt = next((a for a in attempts if a.is_open), None)
    if open_attempt is not None:
        return Started(open_attempt, resumed=True)
    grant = accommodations.grant_of(session, assessment.id, user.id)
    if len(attempts) >= accommodations.attempts_allowed(assessment, grant):
        raise NoAttemptsLeft("You have used all your attempts at this assignment.")
    if closed_by_due_date(assessment, now):
        raise NoAttemptsLeft("The due date has passed and the answers are now shown: no new attempt can start.")
    number = len(attempts) + 1
    link = session.get(ResourceLink, assessment.resource_link_pk)
    assert link is not None
    form = next_form(assessment, link, user, attempts, secret)
    attempt = _new_attempt(session, assessment, user, number, form, now, grant)
    if attempt is None:  # another request (a double click, a second tab) created it first
        winner = attempts_of(session, assessment.id, user.id)[-1]
        return Started(winner, resumed=True)
    if number == 1:
        gradebook.record_started(session, assessment, user.id, now)
    return Started(attempt, resumed=False)


def closed_by_due_date(assessment: Assessment, now: datetime) -> bool:
    """After the due date, when answers are revealed then, a new attempt would see them."""
    return assessment.review == "after_due" and assessment.due_at is not None and now >= assessment.due_at


def next_form(assessment: Assessment, link: ResourceLink, user: LtiUser, attempts: list[Attempt],
              secret: bytes) -> question_bank.Form:
    """The form the student's next attempt gets: its seed is fixed by who, where and which
    attempt, so the landing page can ask (``start_blocker``) and Start gets the same answer.
    Raises CannotDraw, never InfeasibleBlueprint."""
    seed = question_bank.attempt_seed(secret, link.resource_link_id, user.sub, len(attempts) + 1)
    seen = [slot["item_id"] for a in attempts for slot in a.form.get("slots", [])]
    try:
        bank = question_bank.without_items(shipped_bank(), assessment.excluded_items or ())
        return question_bank.draw_form(bank, question_bank.Blueprint.from_json(assessment.blueprint), seed, seen)
    except question_bank.InfeasibleBlueprint as error:
        log.error("assessment %s: no form can be drawn for attempt %s of user %s: %s",
                  assessment.id, len(attempts) + 1, user.id, "; ".join(error.problems))
        raise CannotDraw("A new attempt cannot be started right now: the question bank no longer fits this "
                         "quiz's settings. Your instructor can see why on the assignment page.") from error


def start_blocker(assessment: Assessment, link: ResourceLink, user: LtiUser, attempts: list[Attempt],
                  secret: bytes) -> str | None:
    """Why Start would fail for this student's next attempt (None: it will succeed)."""
    try:
        next_form(assessment, link, user, attempts, secret)
    except CannotDraw as refusal:
        return str(refusal)
    return None


def _new_attempt(
    session: Session, assessment: Assessment, user: LtiUser, number: int, form: question_bank.Form, now: datetime,
    grant: accommodations.Grant,
) -> Attempt | None:
    bank = shipped_bank()
    seed = form.seed
    snapshot = {}
    for slot in form.slots:
        item = bank.item(slot.item_id)
        snapshot[slot.ref] = {"pool": item.pool, "data": _snapshot(item)}
    allowed = accommodations.time_allowed(assessment.time_limit, grant)
    try:
        with session.begin_nested():
            attempt = Attempt(
                assessment_id=assessment.id, user_id=user.id, number=number, seed=seed,
                form=form.to_json(), items=snapshot, state=IN_PROGRESS, started_at=now,
                deadline_at=now + allowed if allowed is not None else None,
                time_limit_minutes=assessment.time_limit,
            )
            session.add(attempt)
    except IntegrityError:
        return None
    return attempt


def _snapshot(item: question_bank.Item) -> dict[str, Any]:
    """The item's bank-file dict with every default written out, so ``item_from_data`` rebuilds
    exactly this item whatever the bank's defaults become."""
    return snapshot_of(item)["data"]


# -- answering --------------------------------------------------------------------------------


def save_answer(session: Session, attempt: Attempt, slot: int, raw: object, *, now: datetime | None = None,
                via: str = "form", seen: int | None = None) -> SavedAnswer:
    """Validate ``raw`` against the ids slot ``slot`` showed and store it, as the slot's answer and
    as a step of the attempt (``via``: "form" or "autosave"). Flushes.

    ``seen`` is the revision of the answer the page showed (0: no answer yet; None: not known, an
    old page or a script): a save over a later revision is refused with AnswerChanged.
    Raises BadAnswer (unknown slot or ids: the message says which), AnswerChanged, AttemptClosed,
    or CasePartUnavailable (a case part closed by going on with the case, or not opened yet).
    """
    now = now or utcnow()
    _ensure_open(session, attempt, now)
    view = slot_view(attempt, slot)
    if attempt.form.get("cases"):  # read after the lock: another window may have gone on with the case
        progress = session.scalar(select(Attempt.case_progress).where(Attempt.id == attempt.id))
        state = question_bank.unfolding_state(form_of(attempt), progress, slot - 1)
        if state != OPEN:
            raise CasePartUnavailable(slot, state)
    try:
        response = load_response(view, raw)
    except ValidationError as error:
        raise BadAnswer(f"question {slot}: {flat_messages(error.messages)}") from error
    return _store(session, attempt, slot, view, response, now, via, seen)


def slot_view(attempt: Attempt, slot: int) -> dict[str, Any]:
    """One slot as the student sees it (autosave checks answers against it: only that item is
    rebuilt from the snapshot). Raises BadAnswer for a slot the attempt does not have.

    A snapshot never changes, so the views are kept per process, keyed by what identifies the
    snapshot (attempt id, seed and start time); a later save of the same attempt reads nothing.
    """
    key = (attempt.id, attempt.seed, attempt.started_at)
    views = _slot_views.get(key)
    if views is None:
        views = tuple(_build_slot_view(attempt, number) for number in range(1, len(attempt.form.get("slots", [])) + 1))
        _slot_views.put(key, views)
    if not 1 <= slot <= len(views):
        raise BadAnswer(f"question {slot} does not exist in this attempt (it has {len(views)})")
    return views[slot - 1]


def _build_slot_view(attempt: Attempt, slot: int) -> dict[str, Any]:
    form_slot = question_bank.FormSlot.from_json(attempt.form["slots"][slot - 1])
    entry = attempt.items[form_slot.ref]
    return question_bank.student_view(item_from_data(entry["pool"], entry["data"]), form_slot.layout)


class _RecentViews:
    """A small thread-safe LRU: the attempts in progress on this process."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._views: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[dict[str, Any], ...] | None:
        with self._lock:
            views = self._views.get(key)
            if views is not None:
                self._views.move_to_end(key)
            return views

    def put(self, key: tuple[Any, ...], views: tuple[dict[str, Any], ...]) -> None:
        with self._lock:
            self._views[key] = views
            while len(self._views) > self._size:
                self._views.popitem(last=False)


_slot_views = _RecentViews(2000)


def flat_messages(messages: object) -> str:
    """Marshmallow's nested error messages as one sentence for the student."""
    if isinstance(messages, dict):
        return "; ".join(flat_messages(v) for v in messages.values())
    if isinstance(messages, list):
        return "; ".join(flat_messages(m) for m in messages)
    return str(messages)


@dataclass(frozen=True)
class SavedAnswer:
    slot: int
    response: object
    saved_at: datetime
    #: The answer's revision after this save (1 for the first).
    revision: int = 1


def _store(session: Session, attempt: Attempt, slot: int, view: dict[str, Any], response: object, now: datetime,
           via: str, seen: int | None = None) -> SavedAnswer:
    """One upsert and one insert: autosave is the busiest write of an exam (every student, every
    answer), and two saves of a new answer at once both succeed, the later one winning. The step
    row keeps this save after later ones replace the answer. The caller holds the attempt's write
    lock (``_ensure_open``), so reading the answer's revision and writing the next one is safe."""
    current = session.scalar(select(Answer.revision).where(Answer.attempt_id == attempt.id, Answer.slot == slot)) or 0
    if seen is not None and seen != current:
        raise AnswerChanged(slot, current)
    upsert(session, Answer.__table__, {"attempt_id": attempt.id, "slot": slot},
           {"item_id": view["id"], "response": response, "saved_at": now, "revision": current + 1})
    session.execute(_INSERT_STEP, {"attempt_id": attempt.id, "slot": slot, "item_id": view["id"],
                                   "version": view["version"], "response": response, "via": via, "saved_at": now})
    return SavedAnswer(slot, response, now, current + 1)


_INSERT_STEP = AnswerStep.__table__.insert()


def _ensure_open(session: Session, attempt: Attempt, now: datetime) -> None:
    """Take the attempt's write lock before anything is saved, with a no-op conditional UPDATE
    as the transaction's first write: a row lock on PostgreSQL, the database's write lock on
    SQLite (taken before any read of this transaction, so it waits instead of failing). A submit
    or expiry at the same moment then either scores with this answer or makes this save see the
    attempt closed: never an answer stored after its score was computed."""
    locked = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == IN_PROGRESS)
        .values(state=IN_PROGRESS)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not locked:
        session.refresh(attempt)
    if attempt.state != IN_PROGRESS:
        raise AttemptClosed("This attempt was submitted (in another window or tab, or on another device); "
                            "answers can no longer change.")
    if time_is_up(attempt, now):
        submit(session, attempt, now=now, by="expiry")
        raise AttemptClosed("Time is up: your attempt was submitted with the answers saved so far.")


def unanswered(session: Session, attempt: Attempt) -> list[int]:
    saved = responses_of(session, attempt)
    count = len(attempt.form.get("slots", []))
    return [n for n in range(1, count + 1) if saved.get(n) is None]


# -- submitting -------------------------------------------------------------------------------


def submit(session: Session, attempt: Attempt, *, now: datetime | None = None, by: str = "student") -> bool:
    """Submit and score ``attempt`` and record the kept grade; False if it was already submitted.

    A submit after the deadline and grace is recorded as the server's expiry: the answers saved
    in time are what count (nothing can be saved after it).
    """
    now = now or utcnow()
    if time_is_up(attempt, now):
        by, now = "expiry", attempt.deadline_at  # what was saved by the deadline (and grace) counts
    won = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == IN_PROGRESS)
        .values(state=SUBMITTED, submitted_at=now, submitted_by=by)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(attempt)
    if won != 1:
        return False
    session.execute(_INSERT_STEP, {"attempt_id": attempt.id, "slot": None, "item_id": None, "version": None,
                                   "response": None, "via": "expiry" if by == "expiry" else "submit", "saved_at": now})
    assessment = session.get(Assessment, attempt.assessment_id)
    assert assessment is not None
    result = score_of(session, attempt, scoring.RegradeRules.from_json(assessment.regrade))
    set_score(attempt, result)
    scoring.store_slot_scores(session, attempt.assessment_id, [(attempt.id, result)])
    session.flush()
    gradebook.record_kept_grade(session, assessment, attempt.user_id)
    log.info("attempt %s submitted by %s: %.3f", attempt.id, by, attempt.score)
    return True


def score_of(session: Session, attempt: Attempt, rules: scoring.RegradeRules) -> scoring.AttemptScore:
    """The attempt's score from its own item snapshot and saved responses, under ``rules``."""
    return scoring.score_attempt(form_of(attempt), items_of(attempt), responses_of(session, attempt), rules)


def set_score(attempt: Attempt, result: scoring.AttemptScore) -> None:
    attempt.earned = float(result.earned)
    attempt.possible = float(result.possible)
    attempt.score = float(result.fraction)


def expire_for_user(session: Session, assessment: Assessment, user_pk: int, now: datetime) -> int:
    count = 0
    for attempt in attempts_of(session, assessment.id, user_pk):
        if attempt.is_open and time_is_up(attempt, now):
            count += submit(session, attempt, now=now, by="expiry")
    return count


def expire_overdue(session: Session, *, now: datetime | None = None, limit: int = 200) -> int:
    """Submit every in-progress attempt whose time (and grace) is over, with what was saved,
    also when the student never comes back. Run by the worker loop; returns how many. Flushes."""
    now = now or utcnow()
    overdue = session.scalars(
        select(Attempt)
        .where(Attempt.state == IN_PROGRESS, Attempt.deadline_at.is_not(None), Attempt.deadline_at < now - GRACE)
        .order_by(Attempt.deadline_at)
        .limit(limit)
    ).all()
    return sum(1 for attempt in overdue if submit(session, attempt, now=now, by="expiry"))


# -- review -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewPolicy:
    """What the results page may show now: the score always; answers and rationales maybe."""

    show_answers: bool
    reason: str


def review_policy(session: Session, assessment: Assessment, attempt: Attempt, now: datetime | None = None) -> ReviewPolicy:
    now = now or utcnow()
    if attempt.state != SUBMITTED:
        return ReviewPolicy(False, "The answers are shown only after the attempt is submitted.")
    if assessment.review == "never":
        return ReviewPolicy(False, "Your instructor shows the score only for this assignment.")
    if assessment.review == "after_submit":
        return ReviewPolicy(True, "")
    if assessment.due_at is not None:
        if now >= assessment.due_at:
            return ReviewPolicy(True, "")
        return ReviewPolicy(False, "The correct answers and explanations are shown after the due date.")
    # after_due without a due date from the LMS: once no attempt can follow.
    mine = attempts_of(session, assessment.id, attempt.user_id, snapshot=False)
    allowed = accommodations.attempts_allowed(assessment, accommodations.grant_of(session, assessment.id, attempt.user_id))
    if len(mine) >= allowed and not any(a.is_open for a in mine):
        return ReviewPolicy(True, "")
    return ReviewPolicy(False, "The correct answers and explanations are shown after the due date "
                               "(or, without one, once you have used all your attempts).")
