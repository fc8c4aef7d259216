"""Pages after a launch: the landing page of a resource link and the deep linking chooser."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import abort
from flask import request

from lti_tool import db
from lti_tool.lti import adapters
from lti_tool.lti.errors import LaunchRefused
from lti_tool.services.identity import LiveSession
from lti_tool.models.base import utcnow
from lti_tool.schemas.assignment import AssignmentSettingsSchema
from lti_tool.services import assessments
from lti_tool.services import attempts
from lti_tool.web.access import csrf_token
from lti_tool.web.access import instructor_required
from lti_tool.web.access import session_required

bp = Blueprint("course", __name__, url_prefix="/s/<token>")


def session_values() -> dict[str, object]:
    """Template values every page after a launch needs (also used by the student and
    instructor blueprints)."""
    token = getattr(g, "session_token", None)
    return {"session_token": token, "csrf_token": csrf_token(token) if token else ""}


bp.context_processor(session_values)


@bp.get("/")
@session_required
def landing(record: LiveSession):  # noqa: ANN201
    """The assignment page: what the quiz is, the student's attempts, Start or Resume; for
    instructors the settings, any problem with them, and the way to the results."""
    session = db.get_session()
    subjects = assessments.subjects_of(session, record.user_id, record.context_pk, record.resource_link_pk)
    user, context, link, assessment = subjects.user, subjects.context, subjects.link, subjects.assessment
    mine = attempts.attempts_of(session, assessment.id, record.user_id, snapshot=False) if assessment else []
    kept = attempts.grade_kept_by(assessment, mine) if assessment is not None and mine else None
    closed_by_due = bool(assessment and attempts.closed_by_due_date(assessment, utcnow()))
    blocker = None
    if (assessment is not None and link is not None and assessment.is_ready and not record.is_instructor
            and not closed_by_due and 0 < len(mine) < assessment.attempts_allowed
            and not any(a.is_open for a in mine)):
        # Never offer a Start that cannot succeed: draw the next attempt's form now (it is fixed
        # by its seed). A first attempt draws from the whole pool, which the assignment's
        # readiness check (check_blueprint) has proven possible; later ones avoid earlier items.
        blocker = attempts.start_blocker(assessment, link, user, attempts.attempts_of(session, assessment.id,
                                         record.user_id), current_app.config["SECRET_KEY"].encode())
    session.commit()  # one transaction: subjects_of brings the assessment up to date with the link
    return render_template(
        "course/landing.html", record=record, user=user, context=context, link=link,
        assessment=assessment, attempts=mine, open_attempt=next((a for a in mine if a.is_open), None),
        kept=kept, now=utcnow(), closed_by_due=closed_by_due, start_blocker=blocker,
    )


def _require_deep_linking(record: LiveSession) -> None:
    """The chooser answers a deep linking request; a session opened by any other launch has
    none to answer (and no return URL): say so instead of failing."""
    if record.message_type != "LtiDeepLinkingRequest":
        abort(400, description="This page adds a quiz to your course, and it opens from your LMS's "
                               "“Select content” (or “Add an activity”) button. This session came from "
                               "opening an existing assignment, so there is nothing to add here.")


@bp.get("/deep-link")
@instructor_required
def deep_link(record: LiveSession):  # noqa: ANN201
    _require_deep_linking(record)
    return render_template("course/deep_link.html", form=AssignmentSettingsSchema().defaults(), errors={})


@bp.post("/deep-link")
@instructor_required
def deep_link_submit(record: LiveSession):  # noqa: ANN201
    _require_deep_linking(record)
    schema = AssignmentSettingsSchema()
    errors = schema.validate(request.form)
    if errors:
        return render_template("course/deep_link.html", form=request.form, errors=errors), 400
    settings = schema.load(request.form)
    try:
        return_url, jwt_value = adapters.deep_linking_response_form(
            db.get_session(),
            record.launch_id,
            title=settings["title"],
            custom=schema.custom_parameters(settings),
            score_maximum=float(settings["points"]),
            resource_id=f"quiztool-{record.launch_id[-12:]}",
        )
    except LaunchRefused as refused:
        current_app.logger.warning("deep linking response not made for launch %s: %s", record.launch_id, refused)
        abort(refused.refusal.status, description=refused.refusal.message)
    current_app.logger.info("deep linking response sent for launch %s", record.launch_id)
    return render_template("course/deep_link_return.html", return_url=return_url, jwt_value=jwt_value)
