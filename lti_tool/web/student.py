"""The student's way through an attempt: start or resume, answer, confirm, submit, results.

Thin views: parse (marshmallow), call ``services.attempts``, render. Every page works without
JavaScript (plain forms, real buttons); ``static/quiz.js`` adds autosave, a timer, the
navigator's live state and drag and drop. An attempt is found only through the tool session's
own user and resource link, so another student's attempt id answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
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
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

from lti_tool import db
from lti_tool import metrics
from lti_tool.models.assessment import SINGLE_PAGE
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.lti import LtiUser
from lti_tool.services.identity import LiveSession
from lti_tool.schemas.answers import AutosaveSchema
from lti_tool.schemas.answers import QuestionPageFormSchema
from lti_tool.schemas.answers import response_from_form
from lti_tool.services import assessments
from lti_tool.services import attempts
from lti_tool.services import gradebook
from lti_tool.services import identity
from lti_tool.web.access import session_required
from lti_tool.web.access import session_values
from question_bank.numbers import whole_number

bp = Blueprint("student", __name__, url_prefix="/s/<token>")
bp.context_processor(session_values)


def _assessment(record: LiveSession) -> Assessment:
    if record.resource_link_pk is None:
        abort(404, description=gettext("This launch is not for an assignment."))
    assessment = assessments.for_link(db.get_session(), record.resource_link_pk)
    if assessment is None:
        abort(404, description=gettext("This assignment is not set up. Open it again from your course."))
    return assessment


def _attempt(record: LiveSession, attempt_id: int, *, snapshot: bool = True) -> Attempt:
    attempt = attempts.owned_attempt(
        db.get_session(), attempt_id, user_pk=record.user_id, resource_link_pk=record.resource_link_pk,
        snapshot=snapshot,
    )
    if attempt is None:
        abort(404, description=gettext("There is no such attempt of yours at this assignment."))
    return attempt


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, token=g.session_token, **values)


def _closed(attempt: Attempt, message: str):  # noqa: ANN202
    return render_template("student/closed.html", attempt=attempt, message=message), 409


@bp.post("/start")
@session_required
def start(record: LiveSession):  # noqa: ANN201
    session = db.get_session()
    assessment = _assessment(record)
    user = session.get(LtiUser, record.user_id)
    assert user is not None
    try:
        started = attempts.start_or_resume(
            session, assessment, user, secret=current_app.config["SECRET_KEY"].encode()
        )
    except attempts.AttemptError as refusal:
        session.commit()  # an expiry found on the way is kept
        abort(409, description=gettext(str(refusal)))  # the service's fixed refusals are in the catalogue
    if started.attempt.deadline_at is not None:
        identity.keep_session_until(session, g.session_token, record, started.attempt.deadline_at + attempts.GRACE)
    session.commit()
    if assessment.layout == SINGLE_PAGE:
        return redirect(_url("student.all_questions", attempt_id=started.attempt.id), code=303)
    first_open = (attempts.unanswered(session, started.attempt) or [1])[0]
    return redirect(_url("student.question", attempt_id=started.attempt.id, number=first_open), code=303)


def _page(record: LiveSession, attempt: Attempt, numbers: list[int], *, single_page: bool, status: int = 200,
          error: str | None = None):  # noqa: ANN202
    session = db.get_session()
    assessment = session.get(Assessment, attempt.assessment_id)
    views = attempts.student_views(attempt)
    if single_page:  # a case's text is on the page already: its later questions show what they add
        views = [{**v, "case": {**v["case"], "compact": True}} if v.get("case") and v["case"]["position"] > 1 else v
                 for v in views]
    saved = attempts.responses_of(session, attempt)
    views = _unfolded(attempt, views, saved)
    page = render_template(
        "student/questions.html",
        assessment=assessment,
        attempt=attempt,
        views=views,
        numbers=numbers,
        saved=saved,
        revisions=attempts.revisions_of(session, attempt),
        changed=_changed_elsewhere(numbers) if error is None else [],
        single_page=single_page,
        total=len(views),
        now=utcnow(),
        error=error,
    )
    return page, status


def _unfolded(attempt: Attempt, views: list[dict[str, Any]], saved: dict[int, Any]) -> list[dict[str, Any]]:
    """Each view marked by its place in its case: a closed part keeps its saved answer, read-only;
    a part not opened yet is only its gate (its question and new information could give an earlier
    part's answer away, so nothing of it is sent)."""
    states = attempts.unfolding(attempt)
    marked = []
    for number, view in enumerate(views, start=1):
        state = states[number]
        if state == attempts.AHEAD:
            pair = attempts.next_case_part(attempt, number)
            assert pair is not None  # every AHEAD slot has a part before it
            current, following = pair
            case = view["case"]
            marked.append({"gate": {"title": case["title"], "position": case["position"], "count": case["count"],
                                    "current": current, "following": following,
                                    "current_unanswered": saved.get(current) is None}})
        else:
            marked.append({**view, "closed": state == attempts.CLOSED})
    return marked


def _changed_elsewhere(numbers: list[int]) -> list[int]:
    """The questions quiz.js reloaded because another window saved them (``?changed=3``)."""
    wanted = whole_number(request.args.get("changed", ""))
    return [wanted] if wanted in numbers else []


def _expire_if_due(attempt: Attempt) -> None:
    """Submit an attempt whose time is over before showing anything of it."""
    session = db.get_session()
    now = utcnow()
    if attempt.is_open and attempts.time_is_up(attempt, now):
        attempts.submit(session, attempt, now=now, by="expiry")
        session.commit()


def _open_or_closed(attempt: Attempt):  # noqa: ANN202
    """None for an open attempt; for a submitted (or just expired) one, its results."""
    _expire_if_due(attempt)
    if not attempt.is_open:  # submitted elsewhere (another window) or expired: the results say which
        flag = {"elsewhere": 1} if attempt.submitted_by != "expiry" else {}
        return redirect(_url("student.results", attempt_id=attempt.id, **flag), code=303)
    return None


@bp.get("/attempts/<int:attempt_id>/questions/<int:number>")
@session_required
def question(record: LiveSession, attempt_id: int, number: int):  # noqa: ANN201
    attempt = _attempt(record, attempt_id)
    done = _open_or_closed(attempt)
    if done is not None:
        return done
    total = len(attempt.form.get("slots", []))
    if not 1 <= number <= total:
        abort(404, description=gettext("This attempt has questions 1 to %(total)s.", total=total))
    return _page(record, attempt, [number], single_page=False)


def _unavailable_message(unavailable: attempts.CasePartUnavailable) -> str:
    if unavailable.state == attempts.CLOSED:
        return gettext("Question %(number)s was not saved: you went on with its case (in this or another window), "
                       "so its answer stays as it was saved before.", number=unavailable.slot)
    return gettext("Question %(number)s was not saved: it is not open yet. Go on with its case first.",
                   number=unavailable.slot)


@bp.get("/attempts/<int:attempt_id>/questions")
@session_required
def all_questions(record: LiveSession, attempt_id: int):  # noqa: ANN201
    attempt = _attempt(record, attempt_id)
    done = _open_or_closed(attempt)
    if done is not None:
        return done
    total = len(attempt.form.get("slots", []))
    return _page(record, attempt, list(range(1, total + 1)), single_page=True)


@bp.post("/attempts/<int:attempt_id>/questions")
@session_required
def save_form(record: LiveSession, attempt_id: int):  # noqa: ANN201
    """The no-JavaScript path: save the questions this page showed, then go where asked."""
    session = db.get_session()
    attempt = _attempt(record, attempt_id)
    views = attempts.student_views(attempt)
    try:
        page = QuestionPageFormSchema().load(QuestionPageFormSchema.from_form(request.form))
    except ValidationError as error:
        abort(400, description=gettext("This form is damaged (%(problems)s). Reload the page and try again.",
                                       problems=attempts.flat_messages(error.messages)))
    shown = [n for n in page["shown"] if 1 <= n <= len(views)]
    if len(shown) != len(page["shown"]):
        abort(400, description=gettext("This attempt has questions 1 to %(total)s. Reload the page and try again.", total=len(views)))
    seen = dict(zip(shown, page["revisions"])) if page["revisions"] else {}
    states = attempts.unfolding(attempt)
    changed: list[int] = []
    try:
        for number in shown:
            if states[number] != attempts.OPEN:
                continue  # a closed case part keeps its answer (its fields are disabled and not sent)
            try:
                raw = response_from_form(views[number - 1], number, request.form)
            except ValidationError as error:
                raise attempts.BadAnswer(f"question {number}: {attempts.flat_messages(error.messages)}") from error
            try:
                attempts.save_answer(session, attempt, number, raw, via="form", seen=seen.get(number))
            except (attempts.AnswerChanged, attempts.CasePartUnavailable):
                changed.append(number)  # the others are saved; this one shows what the other window saved
        opened = _go_on_if_asked(session, attempt, page["go"], len(views)) if not changed else None
    except attempts.BadAnswer as error:
        session.rollback()
        return _page(record, attempt, shown or [1], single_page=len(shown) > 1, status=400, error=str(error))
    except attempts.AttemptClosed as closed:
        session.commit()
        return _closed(attempt, str(closed))
    session.commit()
    if changed:
        return _page(record, attempt, shown, single_page=len(shown) > 1, status=409, error=_changed_message(changed))
    if opened is not None:  # to the part just opened, on the layout the student was using
        return redirect(_url("student.all_questions", attempt_id=attempt.id) + f"#q{opened}" if len(shown) > 1
                        else _url("student.question", attempt_id=attempt.id, number=opened), code=303)
    return redirect(_destination(attempt, page["go"], shown, len(views)), code=303)


def _go_on_if_asked(session: Session, attempt: Attempt, go: str, total: int) -> int | None:
    """``go=on-N`` (a case gate's button): open question N, the next part of its case, once the
    page's answers are saved. Returns N (the page to show: if N was not the next part, an old page
    or another window, it shows where the case is), None when not asked."""
    number = whole_number(go[3:]) if go.startswith("on-") else None
    if number is None or not 1 <= number <= total:
        return None
    attempts.go_on_with_case(session, attempt, number)
    return number


def _changed_message(numbers: list[int]) -> str:
    listed = ", ".join(str(n) for n in numbers)
    return gettext("This attempt changed in another window: question %(numbers)s was saved there after this page "
                   "showed it, so your change to it was not saved. The page now shows the answer saved there; "
                   "change it again if you need to. Your other answers on this page are saved.", numbers=listed)


def _destination(attempt: Attempt, go: str, shown: list[int], total: int) -> str:
    if go == "confirm":
        return _url("student.confirm", attempt_id=attempt.id)
    if go == "all":
        return _url("student.all_questions", attempt_id=attempt.id)
    number = whole_number(go)
    if number is not None and 1 <= number <= total:
        return _url("student.question", attempt_id=attempt.id, number=number)
    if go == "paged" or not shown:
        return _url("student.question", attempt_id=attempt.id, number=shown[0] if shown else 1)
    return _url("student.all_questions", attempt_id=attempt.id) if len(shown) > 1 else \
        _url("student.question", attempt_id=attempt.id, number=shown[0])


@bp.post("/attempts/<int:attempt_id>/answers")
@session_required
def autosave(record: LiveSession, attempt_id: int):  # noqa: ANN201
    """JSON autosave of one answer (quiz.js). Answers with what was saved, never with keys."""
    session = db.get_session()
    attempt = _attempt(record, attempt_id, snapshot=False)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        metrics.AUTOSAVES.labels("refused").inc()
        return jsonify(error="Send a JSON object: {\"slot\": number, \"response\": ...}."), 400
    try:
        data = AutosaveSchema().load(body)
    except ValidationError as error:
        metrics.AUTOSAVES.labels("refused").inc()
        return jsonify(error="; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in error.messages_dict.items())), 400
    try:
        raw = data["response"] if "response" in data else _from_fields(attempt, data["slot"], data["form_fields"])
        answer = attempts.save_answer(session, attempt, data["slot"], raw, via="autosave",
                                      seen=data["revision"])
    except attempts.AnswerChanged as changed:
        session.rollback()
        metrics.AUTOSAVES.labels("changed").inc()
        return jsonify(error=str(changed), changed=True, slot=changed.slot, revision=changed.revision), 409
    except attempts.CasePartUnavailable as unavailable:
        session.rollback()
        metrics.AUTOSAVES.labels("changed").inc()
        # quiz.js reloads the question, which then shows it closed (gone on with in another window)
        return jsonify(error=_unavailable_message(unavailable), changed=True, slot=unavailable.slot), 409
    except attempts.BadAnswer as error:
        session.rollback()
        metrics.AUTOSAVES.labels("refused").inc()
        return jsonify(error=str(error)), 400
    except attempts.AttemptClosed as closed:
        session.commit()
        metrics.AUTOSAVES.labels("closed").inc()
        return jsonify(error=str(closed), closed=True,
                       results_url=_url("student.results", attempt_id=attempt.id, elsewhere=1)), 409
    session.commit()
    metrics.AUTOSAVES.labels("saved").inc()
    return jsonify(saved=True, slot=answer.slot, answered=answer.response is not None,
                   saved_at=answer.saved_at.isoformat(), revision=answer.revision)


@bp.get("/attempts/<int:attempt_id>/state")
@session_required
def state(record: LiveSession, attempt_id: int):  # noqa: ANN201
    """Whether the attempt is still open and each answer's revision (quiz.js asks when its window
    comes back into view: another window may have saved or submitted since)."""
    session = db.get_session()
    attempt = _attempt(record, attempt_id, snapshot=False)
    _expire_if_due(attempt)
    if not attempt.is_open:
        return jsonify(open=False, results_url=_url("student.results", attempt_id=attempt.id, elsewhere=1))
    return jsonify(open=True, revisions={str(slot): rev for slot, rev in attempts.revisions_of(session, attempt).items()})


def _from_fields(attempt: Attempt, slot: int, posted: dict[str, list[str]]) -> object:
    """The raw response the question's form fields stand for (the item type reads them as it
    reads a post without JavaScript)."""
    view = attempts.slot_view(attempt, slot)
    try:
        return response_from_form(view, slot, MultiDict([(k, v) for k, values in posted.items() for v in values]))
    except ValidationError as error:
        raise attempts.BadAnswer(f"question {slot}: {attempts.flat_messages(error.messages)}") from error


@bp.get("/attempts/<int:attempt_id>/confirm")
@session_required
def confirm(record: LiveSession, attempt_id: int):  # noqa: ANN201
    session = db.get_session()
    attempt = _attempt(record, attempt_id)
    done = _open_or_closed(attempt)
    if done is not None:
        return done
    return render_template(
        "student/confirm.html",
        attempt=attempt,
        assessment=session.get(Assessment, attempt.assessment_id),
        unanswered=attempts.unanswered(session, attempt),
        total=len(attempt.form.get("slots", [])),
        now=utcnow(),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@session_required
def submit(record: LiveSession, attempt_id: int):  # noqa: ANN201
    """Idempotent: a second submit (double click, replay, after expiry) just shows the results."""
    session = db.get_session()
    attempt = _attempt(record, attempt_id)
    attempts.submit(session, attempt)
    session.commit()
    return redirect(_url("student.results", attempt_id=attempt.id), code=303)


@bp.get("/attempts/<int:attempt_id>/results")
@session_required
def results(record: LiveSession, attempt_id: int):  # noqa: ANN201
    session = db.get_session()
    attempt = _attempt(record, attempt_id)
    _expire_if_due(attempt)
    if attempt.is_open:
        return redirect(_url("student.confirm", attempt_id=attempt.id), code=303)
    assessment = session.get(Assessment, attempt.assessment_id)
    assert assessment is not None
    policy = attempts.review_policy(session, assessment, attempt)
    reviews = attempts.review_views(session, attempt) if policy.show_answers else []
    kept = gradebook.kept_grade(session, assessment, attempt.user_id)
    return render_template(
        "student/results.html",
        assessment=assessment,
        attempt=attempt,
        policy=policy,
        reviews=reviews,
        kept=kept,
        delivery=gradebook.delivery_of(session, assessment, attempt.user_id) if kept else None,
        elsewhere=request.args.get("elsewhere") == "1" and attempt.submitted_by != "expiry",
    )

