"""The assessment behind a resource link: configured from the link's custom parameters.

Until instructors have an assignment builder, Moodle and Canvas instructors type the settings
as custom parameters (``lti_tool.schemas.assignment``). Every launch re-reads them; invalid
values are kept as ``problems`` that the instructor sees and that keep students out (a "not
ready yet" page) instead of failing at the first draw.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import question_bank
from lti_tool.models.assessment import Assessment
from lti_tool.models.lti import Context
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from lti_tool.schemas.assignment import LinkConfigurationSchema
from lti_tool.schemas.assignment import configuration_problems

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
    """The link's assessment (pass it when already loaded), created or brought up to date from
    the link's custom parameters. Flushes; writes nothing when nothing changed."""
    if assessment is None:
        assessment = for_link(session, link.id)
    if assessment is None:
        assessment = _create(session, link)
    _apply(assessment, link)
    session.flush()
    return assessment


@dataclass(frozen=True)
class SessionSubjects:
    """What the pages after a launch are about: who, in which course, on which link."""

    user: LtiUser
    context: Context | None
    link: ResourceLink | None
    assessment: Assessment | None


#: Every landing page reads this: built once.
_SUBJECTS = (
    select(LtiUser, Context, ResourceLink, Assessment)
    .select_from(LtiUser)
    .outerjoin(Context, Context.id == bindparam("context_pk"))
    .outerjoin(ResourceLink, ResourceLink.id == bindparam("resource_link_pk"))
    .outerjoin(Assessment, Assessment.resource_link_pk == ResourceLink.id)
    .where(LtiUser.id == bindparam("user_pk"))
)


def subjects_of(session: Session, user_pk: int, context_pk: int | None, resource_link_pk: int | None) -> SessionSubjects:
    """The user, course, link and the link's (configured) assessment, read in one query."""
    user, context, link, assessment = session.execute(
        _SUBJECTS, {"user_pk": user_pk, "context_pk": context_pk, "resource_link_pk": resource_link_pk}
    ).one()
    if link is not None:
        assessment = configure(session, link, assessment)
    return SessionSubjects(user, context, link, assessment)


def for_link(session: Session, resource_link_pk: int) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(Assessment.resource_link_pk == resource_link_pk)
    ).first()


def _create(session: Session, link: ResourceLink) -> Assessment:
    """Two first launches at once both succeed: the loser reads the winner's row."""
    try:
        with session.begin_nested():
            assessment = Assessment(resource_link_pk=link.id, title="", blueprint_text="")
            session.add(assessment)
    except IntegrityError:
        found = for_link(session, link.id)
        assert found is not None
        return found
    return assessment


def _apply(assessment: Assessment, link: ResourceLink) -> None:
    configuration = _configuration(json.dumps(link.custom or {}, sort_keys=True, default=str))
    values: dict[str, Any] = {
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
        problems.append(f"custom parameter pools: {error}")
    if blueprint is not None:
        problems += [f"custom parameter pools: {p}" for p in question_bank.check_blueprint(shipped_bank(), blueprint)]
    if problems or blueprint is None:
        return _Configuration(pools_text, tuple(problems))
    return _Configuration(pools_text, (), json.dumps(blueprint.to_json()), blueprint.total, schema.load(custom))
