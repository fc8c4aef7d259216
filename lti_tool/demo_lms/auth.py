"""The OIDC side of a launch: third-party login initiation, then the authentication response.

1. The course page (in its iframe) opens ``/course/<id>/links/<id>/launch``: the platform records
   what is being launched and by whom (a ``DemoLaunchRequest``), and redirects the browser (GET)
   to the tool's login initiation URL with ``iss``, ``login_hint``, ``target_link_uri``,
   ``lti_message_hint`` (the request id, signed), ``client_id``, ``lti_deployment_id`` and, when
   the page offers platform storage, ``lti_storage_target=_parent``.
2. The tool sends the browser to ``/auth``. The platform checks every parameter as a strict
   platform does, and answers with a self-submitting form that POSTs ``id_token`` and ``state``
   to the redirect URI.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import select
from werkzeug.wrappers import Response

from lti_tool.db import get_session
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoKey
from lti_tool.models.demo_lms import DemoLaunchRequest
from lti_tool.models.demo_lms import DemoPlatform
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from lti_tool.models.demo_lms import DemoUser
from lti_tool.models.rows import RowReader
from lti_tool.demo_lms import keys
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.claims import DEEP_LINKING_REQUEST
from lti_tool.demo_lms.claims import RESOURCE_LINK_REQUEST
from lti_tool.demo_lms.claims import coupled_line_item
from lti_tool.demo_lms.claims import id_token_claims
from lti_tool.demo_lms.identity import cookie_user_id
from lti_tool.demo_lms.identity import current_member
from lti_tool.demo_lms.platform import PLATFORM_ROW_ID
from lti_tool.demo_lms.platform import get_platform
from lti_tool.demo_lms.platform import urls
from lti_tool.demo_lms.platform import urls_of
from lti_tool.demo_lms.roles import can_teach

#: The frame a tool must send lti.put_data/lti.get_data to: the course page itself, or (Canvas,
#: since 2024) a hidden sibling frame of the tool's iframe named ``post_message_forwarding``.
STORAGE_TARGETS = {"moodle": "_parent", "canvas": "post_message_forwarding"}


def storage_target(platform: DemoPlatform) -> str:
    return STORAGE_TARGETS.get(platform.flavour, "_parent")


def _hint_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="demo-lms-message-hint")


def _refuse(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("demo_lms/problem.html", title=title, message=message), status


def wants_storage() -> bool:
    """Platform storage is offered unless the page was asked for ``storage=0``. The last value
    wins: the course page's toggle sends a hidden ``storage=0`` followed by the checkbox's ``1``."""
    values = request.args.getlist("storage")
    return not values or values[-1] != "0"


#: The link, its tool and course, and who is launching (from the LMS's cookie): built once.
_LINK_LAUNCH_ROWS = (
    select(DemoResourceLink, DemoTool, DemoCourse, DemoUser, DemoEnrollment)
    .join(DemoTool, DemoTool.id == DemoResourceLink.tool_id)
    .join(DemoCourse, DemoCourse.id == DemoResourceLink.course_id)
    .outerjoin(DemoUser, DemoUser.id == bindparam("user_id"))
    .outerjoin(DemoEnrollment, and_(DemoEnrollment.user_id == DemoUser.id,
                                    DemoEnrollment.course_id == DemoResourceLink.course_id))
    .where(DemoResourceLink.id == bindparam("link_id"), DemoResourceLink.course_id == bindparam("course_id"))
)


@bp.get("/course/<int:course_id>/links/<int:link_id>/launch")
def start_resource_link_launch(course_id: int, link_id: int):  # noqa: ANN201
    user_id = cookie_user_id()
    found = get_session(relaxed=True).execute(  # a launch record: losing it costs a relaunch
        _LINK_LAUNCH_ROWS, {"link_id": link_id, "course_id": course_id, "user_id": user_id if user_id is not None else -1}
    ).first()
    if found is None:
        abort(404)
    link, tool, course, user, member = found
    return _start_launch(course, tool, RESOURCE_LINK_REQUEST, link=link, who=(user, member))


@bp.get("/course/<int:course_id>/links/<int:link_id>/deep-link")
def start_edit_launch(course_id: int, link_id: int):  # noqa: ANN201
    """"Select content" on an existing activity: a deep-linking request about that link. It
    carries the activity's title and text (as Moodle's does) and its custom parameters, so a tool
    can open the settings of what it made; the answer changes the activity instead of adding one."""
    session = get_session()
    link = session.get(DemoResourceLink, link_id)
    course = session.get(DemoCourse, course_id)
    if link is None or course is None or link.course_id != course_id:
        abort(404)
    return _start_launch(course, link.tool, DEEP_LINKING_REQUEST, link=link)


@bp.get("/course/<int:course_id>/tools/<int:tool_id>/deep-link")
def start_deep_linking_launch(course_id: int, tool_id: int):  # noqa: ANN201
    tool = get_session().get(DemoTool, tool_id)
    if tool is None:
        abort(404)
    course = get_session().get(DemoCourse, course_id)
    if course is None:
        abort(404)
    return _start_launch(course, tool, DEEP_LINKING_REQUEST)


_INSERT_LAUNCH_REQUEST = insert(DemoLaunchRequest.__table__)


def _start_launch(course: DemoCourse, tool: DemoTool, message_type: str, link: DemoResourceLink | None = None,
                  who: tuple[DemoUser | None, DemoEnrollment | None] | None = None):  # noqa: ANN202
    """``who``: the chosen person and their enrollment when already read (else read here)."""
    session = get_session()
    user, member = who if who is not None else current_member(session, course.id)
    if user is None or member is None:
        return _refuse(403, "Choose who you are first", "Pick a person enrolled in this course on the course page, then open the activity again.")
    if message_type == DEEP_LINKING_REQUEST and not can_teach(member.role):
        return _refuse(403, "Only teachers add activities", "Switch to the instructor on the course page to add an activity.")
    storage = wants_storage()
    now = utcnow()
    launch_id = secrets.token_urlsafe(24)
    # One prebuilt INSERT (not an ORM object and its unit-of-work flush): every launch writes one.
    session.execute(_INSERT_LAUNCH_REQUEST, {
        "id": launch_id,
        "tool_id": tool.id,
        "course_id": course.id,
        "user_id": user.id,
        "resource_link_pk": link.id if link else None,
        "message_type": message_type,
        "platform_storage": storage,
        "deep_link_data": secrets.token_urlsafe(24) if message_type == DEEP_LINKING_REQUEST else None,
        "deep_link_used_at": None,
        "created_at": now,
        "expires_at": now + timedelta(seconds=current_app.config["DEMO_LMS_LOGIN_LIFETIME_SECONDS"]),
    })
    target = (link.url if link and link.url else None) or (
        (tool.deep_link_uri or tool.target_link_uri) if message_type == DEEP_LINKING_REQUEST else tool.target_link_uri
    )
    params = {
        "iss": urls(session).base,
        "login_hint": user.sub,
        "target_link_uri": target,
        "lti_message_hint": _hint_serializer().dumps(launch_id),
        "client_id": tool.client_id,
        "lti_deployment_id": tool.deployment_id,
    }
    if storage:
        params["lti_storage_target"] = storage_target(get_platform(session))
    session.commit()
    return redirect(add_query(tool.initiate_login_uri, params), code=302)


def add_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class AuthRequestError(Exception):
    pass


#: The rows an auth answer reads, under the names its code uses for them.
_ANSWER_ROWS = {name: RowReader(name, model) for name, model in {
    "tool": DemoTool, "launch": DemoLaunchRequest, "user": DemoUser, "member": DemoEnrollment,
    "link": DemoResourceLink, "course": DemoCourse, "platform": DemoPlatform, "key": DemoKey,
}.items()}


def _auth_answer_statement() -> Any:
    """Everything an auth answer needs, in one round trip: the tool, the launch and whom it is
    about, the platform row, the signing key and the link's one line item; as plain columns
    (``RowReader``): eight ORM entities cost more CPU per execution than the query."""
    t = {name: reader.table for name, reader in _ANSWER_ROWS.items()}
    launch = t["launch"]
    joined = (
        t["tool"]
        .outerjoin(launch, launch.c.id == bindparam("launch_id"))
        .outerjoin(t["user"], t["user"].c.id == launch.c.user_id)
        .outerjoin(t["course"], t["course"].c.id == launch.c.course_id)
        .outerjoin(t["member"], and_(t["member"].c.user_id == launch.c.user_id,
                                     t["member"].c.course_id == launch.c.course_id))
        .outerjoin(t["link"], t["link"].c.id == launch.c.resource_link_pk)
        .outerjoin(t["platform"], t["platform"].c.id == PLATFORM_ROW_ID)
        .outerjoin(t["key"], t["key"].c.id == keys.current_key_id())
    )
    columns = [column for reader in _ANSWER_ROWS.values() for column in reader.columns()]
    line_item = coupled_line_item(launch.c.resource_link_pk).scalar_subquery().label("line_item")
    return select(*columns, line_item).select_from(joined).where(t["tool"].c.client_id == bindparam("client_id"))


_AUTH_ANSWER_ROWS = _auth_answer_statement()


@bp.route("/auth", methods=["GET", "POST"])
def authorize():  # noqa: ANN201
    """The OIDC authentication request; GET (preferred: survives SameSite=Lax) or POST."""
    session = get_session(relaxed=True)  # reads, and on first use creates the platform row or key
    params = request.values
    try:
        tool, launch, user, member, link, course, platform, key, line_item = _validate_auth_request(session, params)
    except AuthRequestError as exc:
        return _refuse(400, "This launch request was refused", str(exc))
    if member is None:
        return _refuse(403, "Not enrolled", "This person is no longer enrolled in the course.")
    platform = platform or get_platform(session)
    claims = id_token_claims(
        session,
        platform=platform,
        endpoints=urls_of(platform),
        launch=launch,
        tool=tool,
        course=course,
        link=link,
        user=user,
        course_role=member.role,
        nonce=params["nonce"],
        coupled_line_item_id=line_item,
    )
    id_token = keys.sign(session, claims, key)
    session.commit()
    response = Response(
        render_template(
            "demo_lms/form_post.html",
            action=params["redirect_uri"],
            fields={"id_token": id_token, "state": params.get("state", "")},
        ),
        mimetype="text/html",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _validate_auth_request(session, params) -> tuple[Any, ...]:  # noqa: ANN001
    """Every check a strict platform makes, in order; what the answer needs is read in one query
    (``_AUTH_ANSWER_ROWS``): tool, launch, user, enrollment, link, course, platform and key rows
    (the last four may be None), and the link's coupled line item id."""
    client_id = params.get("client_id", "")
    max_age = current_app.config["DEMO_LMS_LOGIN_LIFETIME_SECONDS"]
    hint_problem = None  # reported in its turn below, after the checks that come first
    launch_id = None
    try:
        launch_id = _hint_serializer().loads(params.get("lti_message_hint", ""), max_age=max_age)
    except SignatureExpired:
        hint_problem = "lti_message_hint has expired: open the activity again."
    except BadSignature:
        hint_problem = "lti_message_hint was altered or is missing: send back the one from the login initiation."
    row = session.execute(_AUTH_ANSWER_ROWS, {
        "client_id": client_id, "launch_id": launch_id if isinstance(launch_id, str) else "",
    }).first()
    if row is None:
        raise AuthRequestError(f"Unknown client_id {client_id!r}: no tool is registered with it.")
    tool, launch, user, member, link, course, platform, key = (reader.read(row) for reader in _ANSWER_ROWS.values())
    coupled_line_item_id = row.line_item
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in tool.redirect_uris:
        raise AuthRequestError(
            f"redirect_uri {redirect_uri!r} is not one of the tool's registered redirect URIs "
            f"({', '.join(tool.redirect_uris)}); it must match exactly."
        )
    expected = {"response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
    for name, value in expected.items():
        if params.get(name) != value:
            raise AuthRequestError(f"{name} must be {value!r}, got {params.get(name)!r}.")
    if "openid" not in params.get("scope", "").split():
        raise AuthRequestError("scope must include 'openid'.")
    if not params.get("nonce"):
        raise AuthRequestError("nonce is missing: the tool must send one and check it in the id_token.")
    login_hint = params.get("login_hint", "")
    if not login_hint:
        raise AuthRequestError("login_hint is missing: send back the one from the login initiation.")
    if hint_problem is not None:
        raise AuthRequestError(hint_problem)
    if launch is None or launch.expires_at <= utcnow():
        raise AuthRequestError("lti_message_hint refers to no current launch: open the activity again.")
    if launch.tool_id != tool.id:
        raise AuthRequestError("lti_message_hint was issued for another tool (client_id mismatch).")
    if user is None or user.sub != login_hint:
        raise AuthRequestError("login_hint does not belong to this launch: send back the one from the login initiation.")
    return tool, launch, user, member, link, course, platform, key, coupled_line_item_id
