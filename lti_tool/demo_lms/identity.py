"""Who is using the demo LMS: a signed cookie of its own naming the chosen demo user.

There are no passwords: a newcomer picks a person. The cookie is the LMS's own (path
``/demo-lms``, SameSite=Lax), separate from anything the tool sets, and it is only read on the
LMS's own pages and at the start of a launch, never by the OIDC auth endpoint, which trusts the
signed ``lti_message_hint`` instead (that request may arrive through a cross-site redirect chain
in an iframe, where browsers may withhold cookies).
"""

from __future__ import annotations

from flask import Response
from flask import current_app
from flask import request
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer
from sqlalchemy import and_
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoUser

COOKIE_NAME = "demo_lms_user"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="demo-lms-user")


def cookie_user_id() -> int | None:
    """The id of the person the LMS's cookie names, if it is validly signed."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        user_id = _serializer().loads(raw)
    except BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def current_user(session: Session) -> DemoUser | None:
    user_id = cookie_user_id()
    return session.get(DemoUser, user_id) if user_id is not None else None


def current_member(session: Session, course_id: int) -> tuple[DemoUser | None, DemoEnrollment | None]:
    """The chosen person and their enrollment in the course (None where missing), in one query:
    every launch starts here."""
    user_id = cookie_user_id()
    if user_id is None:
        return None, None
    found = session.execute(
        select(DemoUser, DemoEnrollment)
        .outerjoin(DemoEnrollment, and_(DemoEnrollment.user_id == DemoUser.id, DemoEnrollment.course_id == course_id))
        .where(DemoUser.id == user_id)
    ).first()
    return (found[0], found[1]) if found else (None, None)


def remember_user(response: Response, user: DemoUser) -> None:
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps(user.id),
        path="/demo-lms",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )


def enrollment(session: Session, course_id: int, user: DemoUser | None) -> DemoEnrollment | None:
    if user is None:
        return None
    return session.scalars(
        select(DemoEnrollment).where(DemoEnrollment.course_id == course_id, DemoEnrollment.user_id == user.id)
    ).first()
