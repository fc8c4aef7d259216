"""The pages a person clicks through: the course, who-am-I, the launch return, the gradebook,
and the platform's public key set."""

from __future__ import annotations

from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from lti_tool.db import get_session
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from lti_tool.demo_lms import keys
from lti_tool.demo_lms.auth import storage_target
from lti_tool.demo_lms.auth import wants_storage
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.gradebook import gradebook
from lti_tool.demo_lms.identity import current_user
from lti_tool.demo_lms.identity import enrollment
from lti_tool.demo_lms.identity import remember_user
from lti_tool.demo_lms.platform import get_platform
from lti_tool.demo_lms.platform import issuer
from lti_tool.demo_lms.roles import ROLE_LABELS
from lti_tool.demo_lms.roles import can_teach
from lti_tool.demo_lms.setup import ensure_demo


@bp.get("/jwks")
def jwks():  # noqa: ANN201
    session = get_session()
    document = keys.jwks(session)
    session.commit()
    return document, 200, {"Cache-Control": "public, max-age=300"}


@bp.get("/")
def index() -> Response:
    """The demo course; on a fresh database, the demo is created first (idempotent)."""
    session = get_session()
    course = session.scalars(select(DemoCourse).order_by(DemoCourse.id)).first()
    if course is None:
        ensure_demo(session, lms_url=issuer(session), tool_url=current_app.config["DEMO_LMS_TOOL_URL"] or request.host_url)
        session.commit()
        course = session.scalars(select(DemoCourse).order_by(DemoCourse.id)).first()
        assert course is not None
    return redirect(url_for("demo_lms.course_page", course_id=course.id))


def _course(course_id: int) -> DemoCourse:
    course = get_session().get(DemoCourse, course_id)
    if course is None:
        abort(404)
    return course


@bp.get("/course/<int:course_id>")
def course_page(course_id: int) -> str:
    session = get_session()
    course = _course(course_id)
    user = current_user(session)
    member = enrollment(session, course_id, user)
    links = list(session.scalars(select(DemoResourceLink).where(DemoResourceLink.course_id == course_id).order_by(DemoResourceLink.id)))
    graded = {i.resource_link_pk for i in session.scalars(select(DemoLineItem).where(DemoLineItem.course_id == course_id))}
    open_link = request.args.get("open", type=int)
    storage = wants_storage()
    return render_template(
        "demo_lms/course.html",
        course=course,
        people=list(course.enrollments),
        role_labels=ROLE_LABELS,
        user=user,
        member=member,
        teacher=bool(member and can_teach(member.role)),
        links=links,
        graded=graded,
        tools=list(session.scalars(select(DemoTool).where(DemoTool.deep_link_uri.is_not(None)).order_by(DemoTool.id))),
        storage=storage,
        storage_target=storage_target(get_platform(session)),
        open_link=next((link for link in links if link.id == open_link), None),
    )


@bp.get("/post_message_forwarding")
def post_message_forwarding() -> str:
    """Canvas-style platform storage frame: a hidden sibling of the tool's iframe that answers
    lti.put_data/lti.get_data (the data itself stays in the course page)."""
    return render_template("demo_lms/post_message_forwarding.html")


@bp.post("/course/<int:course_id>/whoami")
def choose_user(course_id: int) -> Response:
    session = get_session()
    _course(course_id)
    chosen = session.scalars(
        select(DemoEnrollment).where(
            DemoEnrollment.course_id == course_id, DemoEnrollment.user_id == request.form.get("user_id", type=int)
        )
    ).first()
    if chosen is None:
        abort(400, "Choose a person enrolled in this course.")
    response = redirect(url_for("demo_lms.course_page", course_id=course_id, storage=request.form.get("storage", "1")))
    remember_user(response, chosen.user)
    return response


@bp.get("/course/<int:course_id>/return")
def launch_return(course_id: int) -> str:
    """``launch_presentation.return_url``: where a tool sends the user when done (in the iframe)."""
    course = _course(course_id)
    return render_template(
        "demo_lms/launch_return.html",
        course=course,
        message=request.args.get("lti_msg"),
        error_message=request.args.get("lti_errormsg"),
    )


@bp.get("/course/<int:course_id>/gradebook")
def gradebook_page(course_id: int) -> tuple[str, int] | str:
    session = get_session()
    course = _course(course_id)
    member = enrollment(session, course_id, current_user(session))
    if member is None or not can_teach(member.role):
        return render_template("demo_lms/problem.html", title="Teachers only", message="Switch to the instructor or the teaching assistant on the course page to see the gradebook."), 403
    return render_template("demo_lms/gradebook.html", course=course, book=gradebook(session, course))


@bp.get("/course/<int:course_id>/gradebook.json")
def gradebook_json(course_id: int):  # noqa: ANN201
    """The same data for tests and scripts (the demo has no secrets to protect)."""
    return gradebook(get_session(), _course(course_id))
