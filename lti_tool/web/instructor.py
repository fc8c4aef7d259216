"""Instructor pages: the results of an assignment (every student's attempts, scores, the kept
grade, and grade deliveries the platform refused)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import db
from lti_tool import grade_sync
from lti_tool.models.assessment import Attempt
from lti_tool.models.lti import LtiUser
from lti_tool.services.identity import LiveSession
from lti_tool.services import assessments
from lti_tool.services import attempts
from lti_tool.web.access import instructor_required
from lti_tool.web.course import session_values

bp = Blueprint("instructor", __name__, url_prefix="/s/<token>/instructor")
bp.context_processor(session_values)


@bp.get("/results")
@instructor_required
def results(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    if record.resource_link_pk is None:
        abort(404, description="This launch is not for an assignment.")
    assessment = assessments.for_link(session, record.resource_link_pk)
    if assessment is None:
        abort(404, description="This assignment is not set up yet. Open it again from your course.")
    rows = session.execute(
        select(Attempt, LtiUser)
        .join(LtiUser, LtiUser.id == Attempt.user_id)
        .where(Attempt.assessment_id == assessment.id)
        .order_by(LtiUser.name, LtiUser.id, Attempt.number)
    ).all()
    students: dict[int, dict] = {}
    for attempt, user in rows:
        entry = students.setdefault(user.id, {"user": user, "attempts": []})
        entry["attempts"].append(attempt)
    for user_pk, entry in students.items():
        entry["kept"] = attempts.kept_grade(session, record.resource_link_pk, user_pk)
    return render_template(
        "instructor/results.html",
        assessment=assessment,
        students=list(students.values()),
        failures=_failed_deliveries(session, record.resource_link_pk),
    )


def _failed_deliveries(session: Session, resource_link_pk: int) -> list[dict[str, Any]]:
    """Grade deliveries the platform refused, with its answer, so the instructor knows whose
    grade is missing from the gradebook and why."""
    failures = []
    for row in grade_sync.failed_deliveries(session, resource_link_pk):
        user = session.get(LtiUser, row.user_pk)
        failures.append({
            "student": (user.name or user.sub) if user else str(row.user_pk),
            "score": row.score_given,
            "maximum": row.score_maximum,
            "status": row.last_status_code,
            "error": row.last_error or "",
            "answer": (row.platform_answer or "")[:300],
            "when": row.updated_at,
        })
    return failures
