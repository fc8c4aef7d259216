"""Creating the demo: platform keys, the course and its people, the quiz, the tool registration.

``ensure_demo`` is idempotent: run it on every ``quiztool demo`` start. It creates what is
missing, points the demo tool registration at the current tool URL, and returns the facts the
tool needs to register this platform on its side.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from lti_tool.models.demo_lms import DemoUser
from lti_tool.demo_lms import keys
from lti_tool.demo_lms.platform import PLATFORM_NAME
from lti_tool.demo_lms.platform import PlatformUrls
from lti_tool.demo_lms.platform import get_platform
from lti_tool.demo_lms.platform import normalise_lms_url

AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_READONLY = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = [AGS_LINEITEM, AGS_LINEITEM_READONLY, AGS_RESULT_READONLY, AGS_SCORE]
SUPPORTED_SCOPES = [*AGS_SCOPES, NRPS_READONLY]

DEMO_COURSE_LABEL = "NURS 101"
DEMO_COURSE_TITLE = "NURS 101 — Therapeutic Relationships"
DEMO_QUIZ_TITLE = "Quiz: the therapeutic relationship"
DEMO_QUIZ_CUSTOM = {"pools": "components:5,barriers:5,comparison:5", "attempts": "2"}
#: Moodle's default maximum grade for a new activity.
DEMO_QUIZ_POINTS = 100.0
DEMO_TOOL_NAME = "Therapeutic Relationship Quiz (this server)"

DEMO_PEOPLE = [
    ("Ines", "Moreau", "instructor"),
    ("Tara", "Singh", "teaching_assistant"),
    ("Ana", "Lima", "learner"),
    ("Ben", "Osei", "learner"),
    ("Chloé", "Martin", "learner"),
]


def ensure_demo(
    session: Session,
    *,
    lms_url: str,
    tool_url: str,
    tool_jwks: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Create (or bring up to date) the demo platform, course and tool registration.

    ``lms_url`` is the LMS's public base URL *including* ``/demo-lms`` (it becomes the issuer);
    ``tool_url`` is the tool's base URL (``/lti/login``, ``/lti/launch``, ``/lti/jwks`` are
    appended). ``tool_jwks``, when given, seeds the cached tool key set so the platform does
    not have to call back into a single-worker server to verify the tool's first assertion.
    Flushes only; the caller commits.
    """
    lms_url = normalise_lms_url(lms_url)
    tool_url = tool_url.rstrip("/")
    platform = get_platform(session)
    platform.issuer = lms_url
    keys.ensure_key(session)
    course = _ensure_course(session)
    tool = _ensure_demo_tool(session, tool_url, tool_jwks)
    _ensure_quiz(session, course, tool)
    session.flush()
    endpoints = PlatformUrls(lms_url)
    return {
        "issuer": lms_url,
        "client_id": tool.client_id,
        "auth_login_url": endpoints.auth,
        "auth_token_url": endpoints.token,
        "key_set_url": endpoints.jwks,
        "deployment_id": tool.deployment_id,
        "name": PLATFORM_NAME,
    }


def _ensure_course(session: Session) -> DemoCourse:
    course = session.scalars(select(DemoCourse).where(DemoCourse.label == DEMO_COURSE_LABEL)).first()
    if course is None:
        course = DemoCourse(
            context_id=uuid.uuid4().hex, label=DEMO_COURSE_LABEL, title=DEMO_COURSE_TITLE
        )
        session.add(course)
        session.flush()
    enrolled = {e.user.email for e in course.enrollments}
    for given, family, role in DEMO_PEOPLE:
        email = f"{given.lower().replace('é', 'e')}.{family.lower()}@example.edu"
        if email in enrolled:
            continue
        user = session.scalars(select(DemoUser).where(DemoUser.email == email)).first()
        if user is None:
            user = DemoUser(sub=uuid.uuid4().hex, given_name=given, family_name=family, email=email)
            session.add(user)
            session.flush()
        course.enrollments.append(DemoEnrollment(user=user, role=role))
    session.flush()
    return course


def _ensure_demo_tool(session: Session, tool_url: str, tool_jwks: dict[str, Any] | None) -> DemoTool:
    tool = session.scalars(select(DemoTool).where(DemoTool.is_demo_default.is_(True))).first()
    if tool is None:
        tool = register_tool(
            session,
            name=DEMO_TOOL_NAME,
            initiate_login_uri=f"{tool_url}/lti/login",
            redirect_uris=[f"{tool_url}/lti/launch"],
            target_link_uri=f"{tool_url}/lti/launch",
            deep_link_uri=f"{tool_url}/lti/launch",
            jwks_uri=f"{tool_url}/lti/jwks",
        )
        tool.is_demo_default = True
    elif tool.initiate_login_uri != f"{tool_url}/lti/login":
        tool.initiate_login_uri = f"{tool_url}/lti/login"
        tool.redirect_uris = [f"{tool_url}/lti/launch"]
        tool.target_link_uri = f"{tool_url}/lti/launch"
        tool.deep_link_uri = f"{tool_url}/lti/launch"
        tool.jwks_uri = f"{tool_url}/lti/jwks"
        tool.jwks_cache = None
        tool.jwks_fetched_at = None
    if tool_jwks is not None:
        tool.jwks_cache = tool_jwks
        tool.jwks_fetched_at = utcnow()
    return tool


def _ensure_quiz(session: Session, course: DemoCourse, tool: DemoTool) -> None:
    link = session.scalars(
        select(DemoResourceLink).where(
            DemoResourceLink.course_id == course.id, DemoResourceLink.title == DEMO_QUIZ_TITLE
        )
    ).first()
    if link is not None:
        return
    link = create_resource_link(
        session, course=course, tool=tool, title=DEMO_QUIZ_TITLE, custom=dict(DEMO_QUIZ_CUSTOM)
    )
    session.add(
        DemoLineItem(
            course_id=course.id,
            tool_id=tool.id,
            resource_link_pk=link.id,
            label=DEMO_QUIZ_TITLE,
            score_maximum=DEMO_QUIZ_POINTS,
            extensions={},
        )
    )


def create_resource_link(
    session: Session,
    *,
    course: DemoCourse,
    tool: DemoTool,
    title: str,
    custom: dict[str, Any] | None = None,
    url: str | None = None,
    text: str | None = None,
) -> DemoResourceLink:
    link = DemoResourceLink(
        resource_link_id=uuid.uuid4().hex,
        course_id=course.id,
        tool_id=tool.id,
        title=title,
        text=text,
        url=url,
        custom=custom or {},
    )
    session.add(link)
    session.flush()
    return link


def _next_deployment_id(session: Session) -> str:
    """Small integer strings, like Moodle's."""
    existing = [int(d) for d in session.scalars(select(DemoTool.deployment_id)) if d.isdigit()]
    return str(max(existing, default=0) + 1)


def register_tool(
    session: Session,
    *,
    name: str,
    initiate_login_uri: str,
    redirect_uris: list[str],
    target_link_uri: str,
    deep_link_uri: str | None = None,
    jwks_uri: str | None = None,
    public_jwk: dict[str, Any] | None = None,
    scopes: list[str] | None = None,
    custom_parameters: dict[str, Any] | None = None,
    registration: dict[str, Any] | None = None,
) -> DemoTool:
    """Register a tool with either a key set URL or a pasted public JWK (Canvas allows both)."""
    if (jwks_uri is None) == (public_jwk is None):
        raise ValueError("give exactly one of jwks_uri or public_jwk")
    if not redirect_uris:
        raise ValueError("a tool needs at least one redirect URI")
    tool = DemoTool(
        client_id=secrets.token_hex(10),
        deployment_id=_next_deployment_id(session),
        name=name,
        initiate_login_uri=initiate_login_uri,
        redirect_uris=list(redirect_uris),
        target_link_uri=target_link_uri,
        deep_link_uri=deep_link_uri,
        jwks_uri=jwks_uri,
        public_jwk=public_jwk,
        scopes=list(SUPPORTED_SCOPES if scopes is None else scopes),
        custom_parameters=custom_parameters or {},
        registration=registration,
    )
    session.add(tool)
    session.flush()
    return tool
