"""The assessment behind a resource link, and where its settings come from.

* **The assignment builder** (deep linking, or in place): the settings live here; the content
  item sent to the LMS carries only ``custom.assignment=<key>``. The LMS creates the link, and
  its first launch binds the assessment of that key to it. A link whose key names an assessment
  bound to *another* link is a copy (a copied course, a duplicated activity): the instructor is
  offered that assessment's settings, students see "not ready yet" until then.
* **Custom parameters** typed by hand in Moodle or Canvas (``lti_tool.schemas.assignment``),
  re-read on every launch; invalid values are kept as ``problems`` that the instructor sees and
  that keep students out instead of failing at the first draw.
* **Nothing yet**: a link launched before it has either (a platform without deep linking) is not
  set up: the instructor gets the builder in place, students "not ready yet".

Settings saved in the builder win over custom parameters; changes apply to attempts started
afterwards. A change of points or title is queued for the LMS's gradebook column (AGS), and a
change of points or of the grade kept re-sends every student's kept grade.
"""

from __future__ import annotations

import functools
import json
import secrets
import threading
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import question_bank
from question_bank.messages import N_
from lti_tool import grade_sync
from lti_tool.models.assessment import FROM_BUILDER
from lti_tool.models.assessment import FROM_CUSTOM_PARAMETERS
from lti_tool.models.assessment import NOT_SET_UP
from lti_tool.models.assessment import Accommodation
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.lti import Context
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from lti_tool.schemas.assignment import LinkConfigurationSchema
from lti_tool.schemas.assignment import configuration_problems
from lti_tool.schemas.builder import AssignmentSettings
from lti_tool.services import gradebook

#: The custom parameter that names a builder assessment.
ASSIGNMENT_PARAMETER = "assignment"
#: Custom parameters that configure an assessment by hand.
SETTINGS_PARAMETERS = ("pools", "attempts", "time_limit", "grading", "review", "points")

_bank_lock = threading.Lock()
_bank: question_bank.Bank | None = None


def shipped_bank() -> question_bank.Bank:
    """The shipped bank, loaded once per process: it is immutable (edits are new versions and
    reach a process only on restart, while attempts keep their own snapshots)."""
    global _bank
    if _bank is None:
        with _bank_lock:
            if _bank is None:
                _bank = question_bank.load_bank()
    return _bank


def configure(session: Session, link: ResourceLink, assessment: Assessment | None = None) -> Assessment:
    """The link's assessment (pass it when already loaded), bound, created or brought up to date
    as the module docstring says. Flushes; writes nothing when nothing changed."""
    if assessment is None:
        assessment = for_link(session, link.id)
    key = _custom_text(link.custom, ASSIGNMENT_PARAMETER)
    if key is not None:
        named = _named(session, link, assessment, key)
        if named is not None:
            _apply_due_date(named, link)
            session.flush()
            return named
    if assessment is not None and assessment.source == FROM_BUILDER:
        _apply_due_date(assessment, link)
    elif assessment is None and not _has_settings(link.custom):
        assessment = _create(session, link, NOT_SET_UP)
    elif assessment is None or assessment.source != NOT_SET_UP or _has_settings(link.custom):
        assessment = assessment or _create(session, link, FROM_CUSTOM_PARAMETERS)
        _apply(assessment, link)
    session.flush()
    return assessment


def _custom_text(custom: dict[str, Any] | None, name: str) -> str | None:
    value = (custom or {}).get(name)
    text = str(value).strip() if value is not None else ""
    return text if text and not text.startswith("$") else None


def _has_settings(custom: dict[str, Any] | None) -> bool:
    return any(_custom_text(custom, name) is not None for name in SETTINGS_PARAMETERS)


def _named(session: Session, link: ResourceLink, assessment: Assessment | None, key: str) -> Assessment | None:
    """The assessment a link's ``custom.assignment`` names, bound to this link; None when the key
    is unknown here (another server's, or deleted)."""
    if assessment is not None and assessment.key == key:
        return assessment
    named = by_key(session, link.platform_id, key)
    if named is None:
        return None
    if named.resource_link_pk == link.id:
        return named
    if named.resource_link_pk is None:
        if assessment is not None:
            # The link had its own assessment (typed parameters, or none) and now names a built
            # one: the link's keeps its attempts and takes the built settings and key.
            copy_settings(assessment, named)
            session.delete(named)
            session.flush()
            assessment.key, assessment.copied_from_pk = key, None
            return assessment
        bound = session.execute(
            update(Assessment)
            .where(Assessment.id == named.id, Assessment.resource_link_pk.is_(None))
            .values(resource_link_pk=link.id, context_pk=link.context_pk)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if bound:
            session.refresh(named)
            return named
        return for_link(session, link.id)  # another first launch bound it a moment ago
    # Bound to another link: this link is a copy. Offer the original's settings.
    if assessment is None:
        assessment = _create(session, link, NOT_SET_UP, copied_from=named.id)
    elif assessment.source == NOT_SET_UP and assessment.copied_from_pk is None:
        assessment.copied_from_pk = named.id
    return assessment


def _apply_due_date(assessment: Assessment, link: ResourceLink) -> None:
    """An LMS that sends the due date (Canvas: ``due_at=$Canvas.assignment.dueAt.iso8601``) is
    the authority on it, also for an assessment made in the builder."""
    text = _custom_text(link.custom, "due_at")
    if text is None:
        return
    try:
        due = LinkConfigurationSchema().load({"due_at": text})["due_at"]
    except Exception:  # noqa: BLE001 - a bad value from the LMS leaves the builder's date
        return
    if due is not None and assessment.due_at != due:
        assessment.due_at = due


@dataclass(frozen=True)
class SessionSubjects:
    """What the pages after a launch are about: who, in which course, on which link."""

    user: LtiUser
    context: Context | None
    link: ResourceLink | None
    assessment: Assessment | None
    #: The user's accommodation on that assessment (None: none granted).
    accommodation: Accommodation | None = None


#: Every landing page reads this: built once.
_SUBJECTS = (
    select(LtiUser, Context, ResourceLink, Assessment, Accommodation)
    .select_from(LtiUser)
    .outerjoin(Context, Context.id == bindparam("context_pk"))
    .outerjoin(ResourceLink, ResourceLink.id == bindparam("resource_link_pk"))
    .outerjoin(Assessment, Assessment.resource_link_pk == ResourceLink.id)
    .outerjoin(Accommodation, and_(Accommodation.assessment_id == Assessment.id, Accommodation.user_pk == LtiUser.id))
    .where(LtiUser.id == bindparam("user_pk"))
)


def subjects_of(session: Session, user_pk: int, context_pk: int | None, resource_link_pk: int | None) -> SessionSubjects:
    """The user, course, link, the link's (configured) assessment and the user's accommodation
    on it, read in one query (every landing page starts here)."""
    user, context, link, assessment, accommodation = session.execute(
        _SUBJECTS, {"user_pk": user_pk, "context_pk": context_pk, "resource_link_pk": resource_link_pk}
    ).one()
    if link is not None:
        read = assessment
        assessment = configure(session, link, assessment)
        if assessment is not read:  # bound or created just now: its accommodation, if any
            accommodation = session.scalars(select(Accommodation).where(
                Accommodation.assessment_id == assessment.id, Accommodation.user_pk == user_pk)).first()
    return SessionSubjects(user, context, link, assessment, accommodation)


def for_link(session: Session, resource_link_pk: int) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(Assessment.resource_link_pk == resource_link_pk)
    ).first()


def _create(session: Session, link: ResourceLink, source: str, copied_from: int | None = None) -> Assessment:
    """Two first launches at once both succeed: the loser reads the winner's row."""
    try:
        with session.begin_nested():
            assessment = Assessment(resource_link_pk=link.id, platform_id=link.platform_id, context_pk=link.context_pk,
                                    source=source, copied_from_pk=copied_from, title=link.title or "Quiz",
                                    blueprint_text="", blueprint=[], problems=[], excluded_items=[], regrade={})
            session.add(assessment)
    except IntegrityError:
        found = for_link(session, link.id)
        assert found is not None
        return found
    return assessment


def _apply(assessment: Assessment, link: ResourceLink) -> None:
    configuration = _configuration(json.dumps(link.custom or {}, sort_keys=True, default=str))
    values: dict[str, Any] = {
        "source": FROM_CUSTOM_PARAMETERS,
        "title": link.title or "Quiz",
        "blueprint_text": configuration.pools_text,
        "problems": list(configuration.problems),
    }
    if configuration.problems:
        values |= {"blueprint": [], "question_count": 0}
    else:
        settings = configuration.settings
        values |= {
            "blueprint": json.loads(configuration.blueprint_json),
            "question_count": configuration.question_count,
            "attempts_allowed": settings["attempts"],
            "time_limit": settings["time_limit"],
            "grading": settings["grading"],
            "review": settings["review"],
            "points": settings["points"],
            "due_at": settings["due_at"],
        }
    # Only what changed is set: an attribute set to its own value still marks the row dirty,
    # and every landing page would pay for a flush that writes nothing.
    for name, value in values.items():
        if getattr(assessment, name) != value:
            setattr(assessment, name, value)


def configuration_problems_of(link: ResourceLink) -> tuple[str, ...]:
    """What is wrong with ``link``'s custom parameters, as messages (the stored
    ``Assessment.problems`` are their English text; a page says these in its language)."""
    return _configuration(json.dumps(link.custom or {}, sort_keys=True, default=str)).problems


@dataclass(frozen=True)
class _Configuration:
    pools_text: str
    problems: tuple[str, ...]
    blueprint_json: str = "[]"
    question_count: int = 0
    settings: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=1024)
def _configuration(custom_json: str) -> _Configuration:
    """What a link's custom parameters configure, or every problem with them at once (so one
    round of fixes in the LMS is enough). Every page of a link reads it and the answer depends
    only on the parameters and the shipped bank (fixed for the life of a process), so it is
    computed once per distinct set of parameters."""
    schema = LinkConfigurationSchema()
    custom = {str(k): v for k, v in json.loads(custom_json).items()}
    errors = schema.validate(custom)
    problems = configuration_problems(errors)
    pools_text = str(custom.get("pools") or "").strip() or str(schema.fields["pools"].load_default)
    blueprint = None
    try:
        blueprint = question_bank.parse_blueprint(pools_text)
    except question_bank.BlueprintSyntaxError as error:
        problems.append(N_("custom parameter %(name)s: %(problem)s", name="pools", problem=str(error)))
    if blueprint is not None:
        report = question_bank.explain_blueprint(shipped_bank(), blueprint)
        problems += [N_("custom parameter %(name)s: %(problem)s", name="pools", problem=p) for p in report.problems]
    if problems or blueprint is None:
        return _Configuration(pools_text, tuple(problems))
    return _Configuration(pools_text, (), json.dumps(blueprint.to_json()), report.question_count, schema.load(custom))


# -- the assignment builder -------------------------------------------------------------------------


class SettingsRefused(ValueError):
    """The bank cannot give the settings' blueprint a full form (``report`` says why)."""

    def __init__(self, report: question_bank.BlueprintReport) -> None:
        super().__init__(" ".join(report.problems))
        self.report = report


def pools() -> list[tuple[str, str]]:
    """The pools an instructor draws from, ``(name, title)``, in the bank's order."""
    return [(name, pool.title or name) for name, pool in shipped_bank().pools.items()]


def explain(blueprint: question_bank.Blueprint, *, excluded: list[str] | tuple[str, ...] = (),
            attempts: int = 1) -> question_bank.BlueprintReport:
    return question_bank.explain_blueprint(shipped_bank(), blueprint, excluded=excluded, attempts=attempts)


def by_key(session: Session, platform_id: int, key: str) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(Assessment.key == key, Assessment.platform_id == platform_id)
    ).first()


def settings_of(assessment: Assessment) -> AssignmentSettings:
    """What the builder shows for an assessment (its settings in force)."""
    return AssignmentSettings(
        title=assessment.title, description=assessment.description or "",
        blueprint=question_bank.Blueprint.from_json(assessment.blueprint or []),
        attempts=assessment.attempts_allowed, grading=assessment.grading, time_limit=assessment.time_limit,
        due_at=assessment.due_at, review=assessment.review, points=assessment.points, layout=assessment.layout,
    )


def create_from_builder(session: Session, settings: AssignmentSettings, *, platform_id: int,
                        context_pk: int | None, excluded: list[str] | None = None) -> Assessment:
    """A new assessment from the builder, not bound to a link yet (deep linking: the platform
    makes the link after our answer). Raises SettingsRefused. Flushes."""
    _refuse_infeasible(settings, excluded or [])
    assessment = Assessment(key=secrets.token_urlsafe(18), source=FROM_BUILDER, platform_id=platform_id,
                            context_pk=context_pk, problems=[], excluded_items=list(excluded or []), regrade={})
    _set_settings(assessment, settings)
    session.add(assessment)
    session.flush()
    return assessment


@dataclass(frozen=True)
class SettingsSaved:
    assessment: Assessment
    #: Attempts already started: they keep their questions and time limit.
    attempts_started: int
    points_changed: bool
    grades_resent: int
    lineitem_queued: bool


def save_settings(session: Session, assessment: Assessment, settings: AssignmentSettings, *,
                  now: datetime) -> SettingsSaved:
    """The builder's settings replace the assessment's (which keeps its attempts). Raises
    SettingsRefused. Flushes; the LMS hears of a change of points or title through the outbox."""
    _refuse_infeasible(settings, assessment.excluded_items or [])
    before = (assessment.points, assessment.grading, assessment.title)
    was_set_up = assessment.source != NOT_SET_UP
    _set_settings(assessment, settings)
    assessment.source = FROM_BUILDER
    assessment.key = assessment.key or secrets.token_urlsafe(18)
    assessment.copied_from_pk = None
    assessment.settings_changed_at = now
    session.flush()
    started = started_attempts(session, assessment)
    points_changed = before[0] != assessment.points
    lineitem = False
    resent = 0
    if assessment.resource_link_pk is not None and was_set_up:
        if points_changed or before[2] != assessment.title:
            grade_sync.record_lineitem_change(session, resource_link_pk=assessment.resource_link_pk,
                                              score_maximum=float(assessment.points), label=assessment.title)
            lineitem = True
        if points_changed or before[1] != assessment.grading:
            resent = gradebook.resync(session, assessment)
    return SettingsSaved(assessment, started, points_changed, resent, lineitem)


def copy_settings(target: Assessment, source: Assessment) -> None:
    """``source``'s settings (not its attempts, regrades or key) onto ``target``."""
    _set_settings(target, settings_of(source))
    target.excluded_items = list(source.excluded_items or [])
    target.source = FROM_BUILDER


def reuse_copied(session: Session, assessment: Assessment, *, now: datetime) -> Assessment:
    """Take the settings of the assessment a copied link came from. Flushes."""
    original = session.get(Assessment, assessment.copied_from_pk) if assessment.copied_from_pk else None
    if original is None:
        raise LookupError("the assessment this link was copied from no longer exists")
    copy_settings(assessment, original)
    assessment.key = assessment.key or secrets.token_urlsafe(18)
    assessment.copied_from_pk = None
    assessment.settings_changed_at = now
    session.flush()
    return assessment


def started_attempts(session: Session, assessment: Assessment) -> int:
    return session.scalar(select(func.count(Attempt.id)).where(Attempt.assessment_id == assessment.id)) or 0


def _refuse_infeasible(settings: AssignmentSettings, excluded: list[str]) -> None:
    report = explain(settings.blueprint, excluded=excluded, attempts=settings.attempts)
    if not report.feasible:
        raise SettingsRefused(report)


def _set_settings(assessment: Assessment, settings: AssignmentSettings) -> None:
    assessment.title = settings.title
    assessment.description = settings.description
    assessment.blueprint = settings.blueprint.to_json()
    assessment.blueprint_text = settings.blueprint.to_text()[:1000]
    assessment.question_count = question_bank.question_counts(shipped_bank(), settings.blueprint)[1]
    assessment.attempts_allowed = settings.attempts
    assessment.grading = settings.grading
    assessment.time_limit = settings.time_limit
    assessment.due_at = settings.due_at
    assessment.review = settings.review
    assessment.points = settings.points
    assessment.layout = settings.layout
    assessment.problems = []


# -- the bank browser's exclusions ------------------------------------------------------------------


class ExclusionRefused(ValueError):
    """Why an item cannot be left out: ``message``, then the ``report``'s problems (in ``str``)."""

    def __init__(self, message: str, report: question_bank.BlueprintReport | None = None) -> None:
        super().__init__(" ".join([message, *(report.problems if report is not None else ())]))
        self.message, self.report = message, report


def set_excluded(session: Session, assessment: Assessment, item_id: str, excluded: bool) -> question_bank.BlueprintReport:
    """Leave an item out of future forms of this assessment (or take it back). Refused when the
    blueprint could no longer give every student a full form. Flushes."""
    try:
        shipped_bank().item(item_id)
    except KeyError:
        raise ExclusionRefused(f"There is no question {item_id!r} in the bank.") from None
    current = list(assessment.excluded_items or [])
    wanted = sorted(set(current) | {item_id}) if excluded else [i for i in current if i != item_id]
    report = explain(question_bank.Blueprint.from_json(assessment.blueprint or []), excluded=wanted,
                     attempts=assessment.attempts_allowed)
    if excluded and assessment.blueprint and not report.feasible:
        raise ExclusionRefused(
            N_("This question cannot be excluded: without it, not every student could get a full form."), report)
    assessment.excluded_items = wanted
    session.flush()
    return report
