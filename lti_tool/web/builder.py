"""The assignment builder: deep linking ("Add activity", "Select content") and in place.

The same page builds a new assignment or changes one, in two situations:

* a deep-linking launch (``/s/<token>/deep-link``): saving answers the LMS with a signed
  LtiDeepLinkingResponse; Cancel answers with no content item. When the LMS's request names an
  existing assignment of this course (``custom.assignment``, as on "Select content" of an
  activity), the builder opens with its settings and saving changes it.
* a resource-link launch (``/s/<token>/settings``): the instructor's view of an assignment, or a
  link launched before it had one (a platform without deep linking, a copied course).

Every page works without JavaScript (the server checks on submit); ``static/builder.js`` checks
as counts change (``/builder/check``). "Preview a sample form" draws one possible form with keys
and rationales; "Draw another" draws again.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

import question_bank
from question_bank import messages
from question_bank.blueprint import DIFFICULTY_LABELS
from question_bank.blueprint import TYPE_LABELS
from lti_tool import db
from lti_tool.lti import deep_linking
from lti_tool.lti.ags import LINEITEM_TAG
from lti_tool.lti.errors import LaunchRefused
from lti_tool.models.assessment import NOT_SET_UP
from lti_tool.models.assessment import Assessment
from lti_tool.models.base import utcnow
from lti_tool.models.lti import ResourceLink
from lti_tool.schemas.builder import AssignmentSettings
from lti_tool.schemas.builder import default_settings
from lti_tool.schemas.builder import form_values
from lti_tool.schemas.builder import in_form_order
from lti_tool.schemas.builder import read_builder_form
from lti_tool.services import assessments
from lti_tool.services.identity import LiveSession
from lti_tool.web.access import instructor_required
from lti_tool.web.access import session_values
from lti_tool.web.i18n import say

bp = Blueprint("builder", __name__, url_prefix="/s/<token>")
bp.context_processor(session_values)

DEEP_LINKING = "LtiDeepLinkingRequest"


def _is_deep_linking(record: LiveSession) -> bool:
    return record.message_type == DEEP_LINKING


def _form() -> dict[str, Any]:
    """The posted fields, lists for the repeated ``types.P`` checkboxes."""
    form: MultiDict[str, str] = request.form
    return {name: form.getlist(name) if name.startswith("types.") else form.get(name, "") for name in form}


def _dl_request(record: LiveSession) -> deep_linking.DeepLinkingRequest:
    try:
        return deep_linking.request_of(db.get_session(), record.launch_id)
    except LaunchRefused:
        abort(400, description=gettext("This request from your LMS has expired. Close this window and choose "
                                       "the tool again from your course (Add activity or Select content)."))


def _deep_link_target(record: LiveSession, dl: deep_linking.DeepLinkingRequest) -> tuple[Assessment | None, Assessment | None]:
    """(the assignment being changed, the one being copied): what the LMS's request names."""
    key = dl.custom.get(assessments.ASSIGNMENT_PARAMETER, "").strip()
    named = assessments.by_key(db.get_session(), record.platform_id, key) if key else None
    if named is None:
        return None, None
    if named.context_pk == record.context_pk:
        return named, None
    return None, named


def _link_assessment(record: LiveSession) -> Assessment:
    if record.resource_link_pk is None:
        abort(400, description=gettext("This page belongs to an assignment: open the assignment from your course."))
    session = db.get_session()
    link = session.get(ResourceLink, record.resource_link_pk)
    assert link is not None
    return assessments.configure(session, link)


def render_builder(record: LiveSession, *, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                   status: int = 200, report: question_bank.BlueprintReport | None = None) -> tuple[str, int]:
    """The builder page for this session, filled with ``values`` (default: what is in force)."""
    return render_template("instructor/builder.html", **builder_context(record, values=values, errors=errors,
                                                                         report=report)), status


def builder_context(record: LiveSession, *, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    report: question_bank.BlueprintReport | None = None) -> dict[str, Any]:
    """What the builder's form needs (its page, or the assignment page of a link not set up)."""
    session = db.get_session()
    editing = copied = None
    dl = None
    if _is_deep_linking(record):
        dl = _dl_request(record)
        editing, copied = _deep_link_target(record, dl)
        source = editing or copied
        if values is None:
            settings = assessments.settings_of(source) if source is not None else _defaults(dl.title, dl.text)
            values = form_values(settings)
    else:
        assessment = _link_assessment(record)
        if assessment.source != NOT_SET_UP:
            editing = assessment
        elif assessment.copied_from_pk:
            copied = session.get(Assessment, assessment.copied_from_pk)
        if values is None:
            link = session.get(ResourceLink, record.resource_link_pk)
            values = form_values(assessments.settings_of(assessment) if editing is not None
                                 else _defaults(link.title if link else None, None))
    excluded = (editing.excluded_items or []) if editing is not None else []
    if report is None:
        settings, _errors = read_builder_form(values, assessments.pools())
        report = assessments.explain(settings.blueprint, excluded=excluded, attempts=settings.attempts) if settings else None
    bank = question_bank.without_items(assessments.shipped_bank(), excluded)
    session.commit()  # configure() may have bound or created the link's assessment
    return dict(
        deep_linking=dl is not None, dl=dl, editing=editing, copied=copied,
        started=assessments.started_attempts(session, editing) if editing is not None else 0,
        values=values, errors={name: say(text) for name, text in (errors or {}).items()}, report=report, pools=in_form_order(values, assessments.pools()),
        stats=question_bank.bank_stats(bank)["pools"], type_labels=_type_labels(), difficulty_labels=_levels(),
    )


def _defaults(title: str | None, text: str | None) -> AssignmentSettings:
    """The README's defaults, titled as the LMS's activity when it gave a name."""
    settings = default_settings()
    return replace(settings, title=(title or "").strip()[:200] or settings.title, description=(text or "").strip()[:5000])


def _type_labels() -> list[tuple[str, str]]:
    return [(t.value, label) for t, label in TYPE_LABELS.items()]


def _levels() -> list[tuple[int, str]]:
    return list(DIFFICULTY_LABELS.items())


def _read_and_check(record: LiveSession) -> tuple[AssignmentSettings | None, Any]:
    """The posted settings, or the builder page (400) saying what to fix."""
    values = _form()
    settings, errors = read_builder_form(values, assessments.pools())
    if settings is None:
        return None, render_builder(record, values=values, errors=errors, status=400)
    excluded = _excluded_for(record)
    report = assessments.explain(settings.blueprint, excluded=excluded, attempts=settings.attempts)
    if not report.feasible:
        return None, render_builder(record, values=values, errors={"pools": " ".join(say(p) for p in report.problems)},
                                    status=400, report=report)
    return settings, None


def _excluded_for(record: LiveSession) -> list[str]:
    if _is_deep_linking(record):
        editing, _ = _deep_link_target(record, _dl_request(record))
        return list(editing.excluded_items or []) if editing is not None else []
    return list(_link_assessment(record).excluded_items or [])


# -- deep linking -------------------------------------------------------------------------------------


def _require_deep_linking(record: LiveSession) -> None:
    """The chooser answers a deep linking request; a session opened by any other launch has
    none to answer (and no return URL): say so instead of failing."""
    if not _is_deep_linking(record):
        abort(400, description=gettext("This page adds a quiz to your course, and it opens from your LMS's "
                                       "“Select content” (or “Add an activity”) button. This session came from "
                                       "opening an existing assignment, so there is nothing to add here: use "
                                       "Change settings on the assignment page to change it."))


@bp.get("/deep-link")
@instructor_required
def deep_link(record: LiveSession):  # noqa: ANN201
    _require_deep_linking(record)
    return render_builder(record)


@bp.post("/deep-link")
@instructor_required
def deep_link_submit(record: LiveSession):  # noqa: ANN201
    _require_deep_linking(record)
    dl = _dl_request(record)  # (a request that does not accept LTI resource links is refused at launch)
    settings, refusal = _read_and_check(record)
    if settings is None:
        return refusal
    session = db.get_session()
    editing, _copied = _deep_link_target(record, dl)
    try:
        if editing is not None:
            assessment = assessments.save_settings(session, editing, settings, now=utcnow()).assessment
        else:
            assessment = assessments.create_from_builder(session, settings, platform_id=record.platform_id,
                                                         context_pk=record.context_pk)
    except assessments.SettingsRefused as refused:
        session.rollback()
        return render_builder(record, values=_form(), errors={"pools": " ".join(say(p) for p in refused.report.problems)},
                               status=400, report=refused.report)
    item = deep_linking.ResourceLinkItem(
        title=assessment.title, text=assessment.description,
        custom={assessments.ASSIGNMENT_PARAMETER: assessment.key or ""},
        line_item=deep_linking.LineItem(float(assessment.points), assessment.title, assessment.key or "", LINEITEM_TAG),
        due_at=assessment.due_at,
    )
    return_url, jwt_value = deep_linking.answer(session, record.launch_id, item,
                                                message=gettext("Changed “%(title)s”.", title=assessment.title) if editing
                                                else gettext("Added “%(title)s”.", title=assessment.title))
    session.commit()
    current_app.logger.info("deep linking response for assessment %s (launch %s)", assessment.id, record.launch_id)
    return render_template("course/deep_link_return.html", return_url=return_url, jwt_value=jwt_value)


@bp.post("/deep-link/cancel")
@instructor_required
def deep_link_cancel(record: LiveSession):  # noqa: ANN201
    _require_deep_linking(record)
    return_url, jwt_value = deep_linking.answer(db.get_session(), record.launch_id, None, message=gettext("No quiz was added."))
    return render_template("course/deep_link_return.html", return_url=return_url, jwt_value=jwt_value)


# -- in place -----------------------------------------------------------------------------------------


@bp.get("/settings")
@instructor_required
def settings(record: LiveSession):  # noqa: ANN201
    if _is_deep_linking(record):
        return redirect(url_for("builder.deep_link", token=g.session_token), code=303)
    return render_builder(record)


@bp.post("/settings")
@instructor_required
def settings_submit(record: LiveSession):  # noqa: ANN201
    if _is_deep_linking(record):
        abort(400, description=gettext("Save with the builder's Add button: this launch came from your LMS's "
                                       "content chooser."))
    settings_, refusal = _read_and_check(record)
    if settings_ is None:
        return refusal
    session = db.get_session()
    assessment = _link_assessment(record)
    try:
        saved = assessments.save_settings(session, assessment, settings_, now=utcnow())
    except assessments.SettingsRefused as refused:
        session.rollback()
        return render_builder(record, values=_form(), errors={"pools": " ".join(say(p) for p in refused.report.problems)},
                               status=400, report=refused.report)
    session.commit()
    notice = "saved-started" if saved.attempts_started else "saved"
    return redirect(url_for("course.landing", token=g.session_token, notice=notice), code=303)


@bp.post("/settings/reuse")
@instructor_required
def reuse(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    assessment = _link_assessment(record)
    if assessment.source != NOT_SET_UP or not assessment.copied_from_pk:
        abort(409, description=gettext("This assignment already has its own settings."))
    try:
        assessments.reuse_copied(session, assessment, now=utcnow())
    except LookupError as gone:
        abort(409, description=gettext("%(reason)s. Set the assignment up with the builder instead.", reason=gone))
    session.commit()
    return redirect(url_for("course.landing", token=g.session_token, notice="reused"), code=303)


# -- checking and previewing (both situations) --------------------------------------------------------


@bp.post("/builder/check")
@instructor_required
def check(record: LiveSession):  # noqa: ANN201
    """What the page says as counts change (builder.js): field errors, or the feasibility."""
    settings_, errors = read_builder_form(_form(), assessments.pools())
    if settings_ is None:
        return jsonify(feasible=False, errors={name: say(text) for name, text in errors.items()}, problems=[], notes=[],
                       question_count=None)
    report = assessments.explain(settings_.blueprint, excluded=_excluded_for(record), attempts=settings_.attempts)
    return jsonify(feasible=report.feasible, errors={}, problems=[say(p) for p in report.problems],
                   notes=[say(n) for n in report.notes], question_count=report.question_count,
                   summary=say(messages.ngettext("%(num)s question per student.", "%(num)s questions per student.",
                                                 report.question_count)))


@bp.post("/builder/edit")
@instructor_required
def back_to_builder(record: LiveSession):  # noqa: ANN201
    """The builder again with the values the preview carried."""
    return render_builder(record, values=_form())


@bp.post("/builder/preview")
@instructor_required
def preview(record: LiveSession):  # noqa: ANN201
    settings_, refusal = _read_and_check(record)
    if settings_ is None:
        return refusal
    bank = question_bank.without_items(assessments.shipped_bank(), _excluded_for(record))
    seed = secrets.token_hex(8)
    form = question_bank.draw_form(bank, settings_.blueprint, seed)
    views = [{**question_bank.review_view(bank.item(slot.item_id), slot.layout), "case": question_bank.case_view(form, index)}
             for index, slot in enumerate(form.slots)]
    carried = [(name, value) for name, value in request.form.items(multi=True) if name not in ("csrf_token", "seed")]
    return render_template("instructor/preview.html", settings=settings_, views=views, seed=seed, carried=carried,
                           deep_linking=_is_deep_linking(record))
