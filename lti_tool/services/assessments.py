"""The assessment behind a resource link: configured from the link's custom parameters.

Until instructors have an assignment builder, Moodle and Canvas instructors type the settings
as custom parameters (``lti_tool.schemas.assignment``). Every launch re-reads them; invalid
values are kept as ``problems`` that the instructor sees and that keep students out (a "not
ready yet" page) instead of failing at the first draw.
"""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import question_bank
from lti_tool.models.assessment import Assessment
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


def configure(session: Session, link: ResourceLink) -> Assessment:
    """The link's assessment, created or brought up to date from its custom parameters. Flushes."""
    assessment = for_link(session, link.id)
    if assessment is None:
        assessment = _create(session, link)
    _apply(assessment, link)
    session.flush()
    return assessment


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
    """Every problem at once (not just the first), so one round of fixes in the LMS is enough."""
    schema = LinkConfigurationSchema()
    custom = {str(k): v for k, v in (link.custom or {}).items()}
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
    assessment.title = link.title or "Quiz"
    assessment.blueprint_text = pools_text
    assessment.problems = problems
    if problems or blueprint is None:
        assessment.blueprint = []
        assessment.question_count = 0
        return
    settings = schema.load(custom)
    assessment.blueprint = blueprint.to_json()
    assessment.question_count = blueprint.total
    assessment.attempts_allowed = settings["attempts"]
    assessment.time_limit = settings["time_limit"]
    assessment.grading = settings["grading"]
    assessment.review = settings["review"]
    assessment.points = settings["points"]
    assessment.due_at = settings["due_at"]
