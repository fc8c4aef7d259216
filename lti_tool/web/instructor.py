"""The instructor's pages of an assignment: the dashboard (roster, attempts, grades on their way
to the gradebook), one student's attempts with accommodations and "resend the grade", item
analysis with CSV exports and the regrade of an item, and the bank browser.

Every route is for instructors of the course only (``instructor_required``: 403 for anyone
else); every form carries the CSRF token. Views parse, call a service, render.
"""

from __future__ import annotations

import math
from datetime import timedelta
from functools import partial
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from marshmallow import ValidationError
from sqlalchemy import select

import question_bank
from lti_tool import db
from lti_tool import grade_sync
from lti_tool.db import database
from lti_tool.grade_sync import Delivery
from lti_tool.lti import nrps
from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.lti import Context
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ResourceLink
from lti_tool.models.lti import RosterEntry
from lti_tool.models.platform import Platform
from lti_tool.schemas.instructor import AccommodationSchema
from lti_tool.schemas.instructor import RegradeSchema
from lti_tool.schemas.instructor import form_errors
from lti_tool.services import accommodations
from lti_tool.services import assessments
from lti_tool.services import attempts
from lti_tool.services import identity
from lti_tool.services import dashboard as dashboard_service
from lti_tool.services import exports
from lti_tool.services import gradebook
from lti_tool.services import item_analysis
from lti_tool.services import regrade
from lti_tool.services import roster
from lti_tool.services import scoring
from lti_tool.services.identity import LiveSession
from lti_tool.web.access import instructor_required
from lti_tool.web.access import session_values
from lti_tool.web.charts import score_chart
from flask_babel import gettext
from flask_babel import ngettext

from lti_tool.web.i18n import N_
from lti_tool.web.i18n import locale
from lti_tool.web.i18n import say
from lti_tool.web.i18n import when as format_when
from lti_tool.services import display
from question_bank.analysis import option_list
from question_bank.cases import bank_case_view

bp = Blueprint("instructor", __name__, url_prefix="/s/<token>/instructor")
bp.context_processor(session_values)

#: Messages after a POST (``?done=``): fixed texts chosen by the view, never from the URL.
DONE = {
    "roster": N_("The roster was read again from the LMS."),
    "resent": N_("The grade is queued for the LMS gradebook, with its original submission time."),
    "resent-all": N_("Every kept grade is queued for the LMS gradebook, with its original submission times."),
    "nothing-to-send": N_("There is no submitted attempt, so there is no grade to send."),
    "excluded": N_("The question is left out of forms drawn from now on."),
    "included": N_("The question can be drawn again."),
}


def _done() -> str | None:
    """The message after a POST (``?done=``), in the page's language."""
    message = DONE.get(request.args.get("done", ""))
    return gettext(message) if message else None


def delivery_text(delivery: Delivery) -> str:
    """Where a grade is on its way to the gradebook, in words (the refused case's answer is shown
    beside it by the page)."""
    if delivery.state == "delivered":
        return gettext("delivered %(time)s", time=format_when(delivery.when))
    if delivery.state == "queued":
        return gettext("queued (retrying: %(answer)s)", answer=delivery.answer) if delivery.answer else gettext("queued")
    if delivery.state == "refused":
        return gettext("refused with HTTP %(code)s", code=delivery.status_code) if delivery.status_code else gettext("refused")
    if delivery.state == "progress":
        return gettext("shown as started")
    return "—"


#: The dashboard's status words (services.dashboard), for the catalogue.
STATUS_WORDS = (N_("not started"), N_("in progress"), N_("submitted"))


def _row_view(row: dashboard_service.StudentRow) -> dict[str, Any]:
    """A dashboard row as the table shows it: computed here once, not by template macros a
    thousand times."""
    grant = row.grant
    extras = [gettext("+%(num)s min", num=grant.extra_minutes) if grant.extra_minutes else "",
              gettext("+%(num)s%% time", num=grant.extra_percent) if grant.extra_percent else "",
              ngettext("+%(num)s attempt", "+%(num)s attempts", grant.extra_attempts) if grant.extra_attempts else ""]
    left = (" (" + gettext("%(num)s min left", num=math.ceil(row.time_left.total_seconds() / 60)) + ")"
            if row.time_left is not None else "")
    here = locale()
    return {
        "user_pk": row.user_pk, "name": row.name, "in_roster": row.in_roster, "status": gettext(row.status) + left,
        "attempts": gettext("%(used)s of %(allowed)s", used=row.attempts_used, allowed=row.attempts_allowed),
        "last": display.out_of(row.last_score[0], row.last_score[1], here) if row.last_score else "—",
        "kept": display.out_of(row.kept.score_given, row.kept.score_maximum, here) if row.kept else "—",
        "delivery": delivery_text(row.delivery), "refused": row.delivery.state == "refused",
        "answer": row.delivery.answer if row.delivery.state == "refused" else None,
        "accommodation": " ".join(e for e in extras if e) or "—",
    }


def _in_language(errors: dict[str, str]) -> dict[str, str]:
    return {name: say(text) for name, text in errors.items()}


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, token=g.session_token, **values)


def _assessment(record: LiveSession) -> tuple[Assessment, ResourceLink]:
    if record.resource_link_pk is None:
        abort(404, description=gettext("This launch is not for an assignment: open the assignment from your course."))
    session = db.get_session()
    link = session.get(ResourceLink, record.resource_link_pk)
    assessment = assessments.for_link(session, record.resource_link_pk)
    if link is None or assessment is None:
        abort(404, description=gettext("This assignment is not set up yet. Open it again from your course."))
    return assessment, link


def _ready(record: LiveSession) -> tuple[Assessment, ResourceLink]:
    assessment, link = _assessment(record)
    if not assessment.is_ready:
        abort(409, description=gettext("This assignment is not set up yet: use Change settings on the assignment page first."))
    return assessment, link


def _context(record: LiveSession) -> Context | None:
    return db.get_session().get(Context, record.context_pk) if record.context_pk is not None else None


def _student(record: LiveSession, assessment: Assessment, user_pk: int) -> LtiUser:
    """A student of this course (on its roster, or with an attempt here): anyone else is 404."""
    session = db.get_session()
    user = session.get(LtiUser, user_pk)
    known = user is not None and user.platform_id == record.platform_id and (
        session.scalar(select(Attempt.id).where(Attempt.assessment_id == assessment.id, Attempt.user_id == user_pk).limit(1))
        is not None
        or (record.context_pk is not None and session.scalar(
            select(RosterEntry.id).where(RosterEntry.context_pk == record.context_pk, RosterEntry.user_pk == user_pk)) is not None)
    )
    if not known:
        abort(404, description=gettext("There is no such student in this course."))
    assert user is not None
    return user


# -- the dashboard ----------------------------------------------------------------------------------


def _read_roster(link: ResourceLink, context: Context, *, force: bool) -> None:
    """Read the roster from the LMS when the cache is old (or when asked); a refusal is kept on
    the context, for the page to show as the LMS gave it."""
    now = utcnow()
    config = current_app.config
    if not force:
        if roster.is_fresh(context, now, timedelta(seconds=int(config["ROSTER_CACHE_SECONDS"]))):
            return
        if context.roster_error_at is not None and now - context.roster_error_at < timedelta(seconds=int(config["ROSTER_RETRY_SECONDS"])):
            return
    session = db.get_session()
    if not link.nrps_url:
        roster.record_failure(session, context, "The LMS gives this tool no course roster (Names and Role "
                              "Provisioning is not enabled for it): only students who opened the quiz are listed.", now)
        return
    platform = session.get(Platform, link.platform_id)
    assert platform is not None
    try:
        members = nrps.fetch_roster(partial(database(current_app).sessions), platform, link.nrps_url,
                                    policy=OutboundPolicy.from_config(config))
    except nrps.RosterUnavailable as refusal:
        current_app.logger.warning("roster of context %s unavailable: %s", context.id, refusal)
        roster.record_failure(session, context, str(refusal), now)
        return
    roster.store(session, context, members.members, now)


@bp.get("/")
@instructor_required
def dashboard(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    assessment, link = _ready(record)
    context = _context(record)
    if context is not None:
        _read_roster(link, context, force=False)
        session.commit()
    board = dashboard_service.dashboard(session, assessment, context, utcnow())
    return render_template(
        "instructor/dashboard.html", assessment=assessment, link=link, board=board,
        rows=[_row_view(row) for row in board.rows],
        lineitem_changes=grade_sync.lineitem_changes(session, link.id, 1),
        done=_done(),
    )


@bp.get("/results")
@instructor_required
def results(record: LiveSession):  # noqa: ANN201
    """The former results page's address: the dashboard took its place."""
    return redirect(_url("instructor.dashboard"), code=301)


@bp.post("/roster")
@instructor_required
def refresh_roster(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    _assessment_, link = _ready(record)
    context = _context(record)
    if context is None:
        abort(400, description=gettext("This launch came without a course, so there is no roster to read."))
    _read_roster(link, context, force=True)
    session.commit()
    return redirect(_url("instructor.dashboard", done="roster" if context.roster_error is None else None), code=303)


@bp.get("/results.csv")
@instructor_required
def results_csv(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    board = dashboard_service.dashboard(session, assessment, _context(record), utcnow())
    return _csv(exports.results_csv(board, assessment.points), "results")


def _csv(text: str, what: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="quiz-{what}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/resend-all")
@instructor_required
def resend_all(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    count = gradebook.resync(session, assessment)
    session.commit()
    return redirect(_url("instructor.dashboard", done="resent-all" if count else "nothing-to-send"), code=303)


# -- one student ------------------------------------------------------------------------------------


@bp.get("/students/<int:user_pk>")
@instructor_required
def student(record: LiveSession, user_pk: int):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    user = _student(record, assessment, user_pk)
    detail = dashboard_service.student_detail(session, assessment, user)
    return render_template("instructor/student.html", assessment=assessment, detail=detail, errors={}, values=None,
                           delivery=delivery_text(detail.delivery),
                           name=dashboard_service.display_name(user), done=_done(),
                           granted=request.args.get("granted"), now=utcnow())


@bp.post("/students/<int:user_pk>/accommodation")
@instructor_required
def accommodation(record: LiveSession, user_pk: int):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    user = _student(record, assessment, user_pk)
    try:
        data = AccommodationSchema().load(request.form.to_dict())
    except ValidationError as error:
        detail = dashboard_service.student_detail(session, assessment, user)
        return render_template("instructor/student.html", assessment=assessment, detail=detail, errors=_in_language(form_errors(error)),
                               delivery=delivery_text(detail.delivery),
                               values=request.form, name=dashboard_service.display_name(user), done=None,
                               granted=None, now=utcnow()), 400
    granted = accommodations.grant(session, assessment, user.id, accommodations.Grant(**data))
    if granted.new_deadline is not None:  # the student's sessions last until the new deadline too
        identity.keep_user_sessions_until(session, user.id, assessment.resource_link_pk, granted.new_deadline + attempts.GRACE)
    session.commit()
    return redirect(_url("instructor.student", user_pk=user.id, granted="extended" if granted.extended else "saved"), code=303)


@bp.post("/students/<int:user_pk>/resend")
@instructor_required
def resend(record: LiveSession, user_pk: int):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    user = _student(record, assessment, user_pk)
    grade = gradebook.record_kept_grade(session, assessment, user.id, resend=True)
    session.commit()
    return redirect(_url("instructor.student", user_pk=user.id, done="resent" if grade else "nothing-to-send"), code=303)


# -- item analysis and regrade ----------------------------------------------------------------------


@bp.get("/analysis")
@instructor_required
def analysis(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    result = item_analysis.analyse(session, assessment)
    return render_template("instructor/analysis.html", assessment=assessment, analysis=result,
                           chart=score_chart(result.distribution), done=request.args.get("regraded"))


@bp.get("/analysis/items.csv")
@instructor_required
def items_csv(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    return _csv(exports.items_csv(item_analysis.analyse(session, assessment)), "items")


def _item(assessment: Assessment, item_id: str) -> question_bank.Item:
    item = item_analysis.item_for(db.get_session(), assessment, item_id)
    if item is None:
        abort(404, description=gettext("No question %(item)s was drawn for this assignment.", item=repr(item_id)))
    return item


@bp.get("/items/<item_id>/regrade")
@instructor_required
def regrade_form(record: LiveSession, item_id: str):  # noqa: ANN201
    assessment, _link = _ready(record)
    return _regrade_page(assessment, _item(assessment, item_id), errors={})


def _regrade_page(assessment: Assessment, item: question_bank.Item, *, errors: dict[str, str], status: int = 200):  # noqa: ANN202
    rules = scoring.RegradeRules.from_json(assessment.regrade)
    scored = rules.scored_version(item)
    corrected = _corrected_version(assessment, item)
    return render_template(
        "instructor/regrade.html", assessment=assessment, item=item, view=question_bank.review_view(scored),
        options=option_list(scored), dropped=item.id in rules.dropped, accepted=rules.accepted.get(item.id, frozenset()),
        can_accept=scored.kind in scoring.ACCEPTS_MORE_ANSWERS, errors=errors, scored=scored, corrected=corrected,
        corrected_keys=[text for _id, text, is_key in option_list(corrected) if is_key] if corrected else [],
    ), status


def _corrected_version(assessment: Assessment, item: question_bank.Item) -> question_bank.Item | None:
    """The newer version of ``item`` a regrade can score against: the one the rules already use,
    else the bank's when it is newer than every version drawn."""
    in_use = scoring.RegradeRules.from_json(assessment.regrade).versions.get(item.id)
    if in_use is not None and in_use.version > item.version:
        return in_use
    try:
        current = assessments.shipped_bank().item(item.id)
    except KeyError:
        return None
    return current if current.version > item.version else None


@bp.post("/items/<item_id>/regrade")
@instructor_required
def regrade_submit(record: LiveSession, item_id: str):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _ready(record)
    item = _item(assessment, item_id)
    try:
        data = RegradeSchema().load({"drop": request.form.get("drop", ""), "accept": request.form.getlist("accept"),
                                     "version": request.form.get("version") or None})
        corrected = None
        if data["version"] is not None:
            corrected = _corrected_version(assessment, item)
            if corrected is None or corrected.version != data["version"]:
                raise regrade.RegradeRefused(f"There is no version {data['version']} of {item.id} to score against; "
                                             "reload the page.")
        keys = {option_id for option_id, _text, is_key in option_list(corrected or item) if is_key}
        result = regrade.regrade_item(session, assessment, item, drop=data["drop"], accept=set(data["accept"]) | keys,
                                      corrected=corrected)
    except ValidationError as error:
        return _regrade_page(assessment, item, errors=_in_language(form_errors(error)), status=400)
    except regrade.RegradeRefused as refused:
        session.rollback()
        return _regrade_page(assessment, item, errors={"regrade": str(refused)}, status=400)
    session.commit()
    message = (f"{item.id}: {result.rescored} submitted attempt(s) rescored, {result.changed_attempts} changed; "
               f"{result.grades_queued} changed grade(s) queued for the LMS gradebook with their original submission times.")
    if result.replayed:
        message += f" {result.replayed} answer(s) given on older versions were scored against version {corrected.version}."
    if result.still_drawn:
        message += " The question could not also be left out of future forms (the blueprint needs it); it counts for nothing."
    current_app.logger.info("regrade of %s on assessment %s: %s", item.id, assessment.id, message)
    return redirect(_url("instructor.analysis", regraded=message), code=303)


# -- the bank browser -------------------------------------------------------------------------------


@bp.get("/bank")
@instructor_required
def bank(record: LiveSession):  # noqa: ANN201
    assessment, _link = _assessment(record)
    return _bank_page(assessment, error=None)


def _bank_page(assessment: Assessment, *, error: str | None, status: int = 200):  # noqa: ANN202
    shipped = assessments.shipped_bank()
    excluded = set(assessment.excluded_items or [])
    pools = [
        (name, pool.title or name,
         [(item, question_bank.review_view(item), item.id in excluded) for item in pool.items]
         + [(item, {**question_bank.review_view(item), "case": bank_case_view(case, position)}, item.id in excluded)
            for case in pool.cases for position, item in enumerate(case.items, start=1)])
        for name, pool in shipped.pools.items()
    ]
    return render_template("instructor/bank.html", assessment=assessment, pools=pools, excluded=excluded, error=error,
                           done=_done()), status


@bp.post("/bank/<item_id>/exclude")
@instructor_required
def exclude(record: LiveSession, item_id: str):  # noqa: ANN201
    session = db.get_session()
    assessment, _link = _assessment(record)
    wanted = request.form.get("excluded") == "1"
    try:
        assessments.set_excluded(session, assessment, item_id, wanted)
    except assessments.ExclusionRefused as refused:
        session.rollback()
        said = [refused.message, *(refused.report.problems if refused.report is not None else ())]
        return _bank_page(assessment, error=" ".join(say(part) for part in said), status=409)
    session.commit()
    return redirect(_url("instructor.bank", done="excluded" if wanted else "included") + f"#item-{item_id}", code=303)


bp.add_app_template_filter(attempts.response_text, "response_text")
