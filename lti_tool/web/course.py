"""Pages after a launch: the landing page of a resource link (the assignment builder's pages are
``web.builder``, the instructor's ``web.instructor``)."""

from __future__ import annotations

import math
from datetime import timedelta

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext

from lti_tool import db
from lti_tool.models.assessment import FROM_CUSTOM_PARAMETERS
from lti_tool.models.assessment import NOT_SET_UP
from lti_tool.models.base import utcnow
from lti_tool.services import accommodations
from lti_tool.services import assessments
from lti_tool.services import attempts
from lti_tool.services import gradebook
from lti_tool.services.identity import LiveSession
from lti_tool.web.access import session_required
from lti_tool.web.access import session_values
from lti_tool.web.builder import builder_context
from lti_tool.web.i18n import N_

#: What the landing page says after an instructor's change (``?notice=``): fixed texts, never
#: text from the URL.
NOTICES = {
    "saved": N_("Saved. Students now get the new settings."),
    "saved-started": N_("Saved. Attempts already started keep their questions and time limit; "
                        "attempts started from now on get the new settings."),
    "reused": N_("This assignment now has the settings of the one it was copied from."),
}



def _notice(key: str) -> str | None:
    text = NOTICES.get(key)
    return gettext(text) if text else None


bp = Blueprint("course", __name__, url_prefix="/s/<token>")


bp.context_processor(session_values)


@bp.get("/")
@session_required
def landing(record: LiveSession):  # noqa: ANN201
    """The assignment page: what the quiz is, the student's attempts, Start or Resume; for
    instructors the settings, any problem with them, and the way to their pages (or, for a link
    not set up yet, the builder in place)."""
    session = db.get_session()
    subjects = assessments.subjects_of(session, record.user_id, record.context_pk, record.resource_link_pk)
    user, context, link, assessment = subjects.user, subjects.context, subjects.link, subjects.assessment
    mine = attempts.attempts_of(session, assessment.id, record.user_id, snapshot=False) if assessment else []
    kept = gradebook.grade_kept_by(assessment, mine) if assessment is not None and mine else None
    grant = accommodations.as_grant(subjects.accommodation)
    allowed = accommodations.attempts_allowed(assessment, grant) if assessment is not None else 0
    closed_by_due = bool(assessment and attempts.closed_by_due_date(assessment, utcnow()))
    blocker = None
    if (assessment is not None and link is not None and assessment.is_ready and not record.is_instructor
            and not closed_by_due and 0 < len(mine) < allowed and not any(a.is_open for a in mine)):
        # Never offer a Start that cannot succeed: draw the next attempt's form now (it is fixed
        # by its seed). A first attempt draws from the whole pool, which the assignment's
        # readiness check (check_blueprint) has proven possible; later ones avoid earlier items.
        blocker = attempts.start_blocker(assessment, link, user, attempts.attempts_of(session, assessment.id,
                                         record.user_id), current_app.config["SECRET_KEY"].encode())
    session.commit()  # one transaction: subjects_of brings the assessment up to date with the link
    in_place = record.is_instructor and assessment is not None and assessment.source == NOT_SET_UP
    builder = builder_context(record) if in_place else {}
    setup_problems = (assessments.configuration_problems_of(link)
                      if record.is_instructor and assessment is not None and assessment.problems and link is not None
                      and assessment.source == FROM_CUSTOM_PARAMETERS else ())
    return render_template(
        "course/landing.html", record=record, user=user, context=context, link=link,
        assessment=assessment, setup_problems=setup_problems, attempts=mine, open_attempt=next((a for a in mine if a.is_open), None),
        kept=kept, delivery=gradebook.delivery_of(session, assessment, record.user_id) if kept else None,
        now=utcnow(), minutes_allowed=_minutes(accommodations.time_allowed(assessment.time_limit, grant))
        if assessment is not None else None,
        allowed=allowed, closed_by_due=closed_by_due, start_blocker=blocker,
        notice=_notice(request.args.get("notice", "")), builder_in_place=in_place, **builder,
    )


def _minutes(allowed: timedelta | None) -> int | None:
    return math.ceil(allowed.total_seconds() / 60) if allowed is not None else None
