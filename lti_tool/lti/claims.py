"""Turn a validated id_token body into a LaunchContext, and LIS roles into what we act on.

Roles arrive as full LIS URIs (context, institution, system), as short names ("Learner"), as
unknown values, or as ``[""]``; all of these are valid (1EdTech certification). Instructors are
Instructor, TeachingAssistant, ContentDeveloper and Administrator; learners are Learner/Student.
A launch with no recognised role is treated as a learner: it can only ever see its own work.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from lti_tool.services.identity import AgsEndpoint
from lti_tool.services.identity import LaunchContext

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

INSTRUCTOR_ROLE_NAMES = frozenset(
    {"instructor", "teachingassistant", "contentdeveloper", "administrator", "faculty", "sysadmin"}
)
LEARNER_ROLE_NAMES = frozenset({"learner", "student"})


def role_name(role: str) -> str:
    """``http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant`` →
    ``teachingassistant``; ``Learner`` → ``learner``. Sub-roles name the specific role."""
    tail = role.strip().rsplit("#", 1)[-1] if "#" in role else role.strip().rsplit("/", 1)[-1]
    return tail.lower()


def classify_roles(roles: Iterable[str]) -> tuple[bool, bool]:
    """(is_instructor, is_learner) for a roles claim."""
    names = {role_name(r) for r in roles if r and r.strip()}
    is_instructor = bool(names & INSTRUCTOR_ROLE_NAMES)
    is_learner = bool(names & LEARNER_ROLE_NAMES) or not is_instructor
    return is_instructor, is_learner


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def launch_context(
    body: Mapping[str, Any], *, platform_pk: int, client_id: str, launch_id: str
) -> LaunchContext:
    roles_claim = body.get(CLAIM + "roles") or []
    roles = tuple(r for r in roles_claim if isinstance(r, str))
    is_instructor, is_learner = classify_roles(roles)
    context = _dict(body.get(CLAIM + "context"))
    link = _dict(body.get(CLAIM + "resource_link"))
    ags_claim = _dict(body.get(AGS_CLAIM))
    nrps = _dict(body.get(NRPS_CLAIM))
    presentation = _dict(body.get(CLAIM + "launch_presentation"))
    name = _str(body.get("name")) or " ".join(
        p for p in (_str(body.get("given_name")), _str(body.get("family_name"))) if p
    )
    custom = {str(k): v for k, v in _dict(body.get(CLAIM + "custom")).items()}
    ags = None
    if ags_claim:
        ags = AgsEndpoint(
            lineitem=_str(ags_claim.get("lineitem")),
            lineitems=_str(ags_claim.get("lineitems")),
            scopes=tuple(s for s in ags_claim.get("scope") or () if isinstance(s, str)),
        )
    return LaunchContext(
        platform_pk=platform_pk,
        issuer=str(body["iss"]),
        client_id=client_id,
        deployment_id=str(body.get(CLAIM + "deployment_id", "")),
        message_type=str(body.get(CLAIM + "message_type", "")),
        launch_id=launch_id,
        sub=str(body["sub"]),
        name=name or None,
        email=_str(body.get("email")),
        roles=roles,
        is_instructor=is_instructor,
        is_learner=is_learner,
        context_id=_str(context.get("id")),
        context_title=_str(context.get("title")),
        context_label=_str(context.get("label")),
        resource_link_id=_str(link.get("id")),
        resource_link_title=_str(link.get("title")),
        custom=custom,
        ags=ags,
        nrps_url=_str(nrps.get("context_memberships_url")),
        return_url=_str(presentation.get("return_url")),
        target_link_uri=_str(body.get(CLAIM + "target_link_uri")),
    )
