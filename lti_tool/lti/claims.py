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

from lti_tool.lti.errors import LaunchRefused
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


#: What lands in a column, and how long it may be. Identifiers and service URLs that do not fit
#: refuse the launch with 400 naming the claim (LTI 1.3 caps ids at 255 characters, so only a
#: broken or hostile platform sends longer ones; cutting an id would merge two people or links).
#: Display text (names, titles) is cut to fit instead: a long course title must not lock
#: anybody out. An over-long email is dropped rather than stored wrong.
ID_LIMITS = {"sub": 255, "context id": 255, "resource_link id": 255, "deployment_id": 255,
             "AGS lineitem": 1000, "AGS lineitems": 1000, "NRPS context_memberships_url": 1000}
TEXT_LIMITS = {"name": 255, "context_title": 500, "context_label": 255, "resource_link_title": 500}
EMAIL_LIMIT = 255


def _fit(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


def _short(text: str | None, limit: int) -> str | None:
    """A code (a locale, a zone name) kept only whole: a cut one would name something else."""
    return text if text and len(text) <= limit else None


def _check_ids(values: Mapping[str, str | None]) -> None:
    for claim, value in values.items():
        if value is not None and len(value) > ID_LIMITS[claim]:
            raise LaunchRefused(
                "claim_too_long", f"the {claim} claim is {len(value)} characters long (at most {ID_LIMITS[claim]})",
                visible=True)


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
    sub, deployment_id = str(body["sub"]), str(body.get(CLAIM + "deployment_id", ""))
    nrps_url = _str(nrps.get("context_memberships_url"))
    _check_ids({"sub": sub, "context id": _str(context.get("id")), "resource_link id": _str(link.get("id")),
                "deployment_id": deployment_id, "AGS lineitem": ags.lineitem if ags else None,
                "AGS lineitems": ags.lineitems if ags else None, "NRPS context_memberships_url": nrps_url})
    email = _str(body.get("email"))
    return LaunchContext(
        platform_pk=platform_pk,
        issuer=str(body["iss"]),
        client_id=client_id,
        deployment_id=deployment_id,
        message_type=str(body.get(CLAIM + "message_type", "")),
        launch_id=launch_id,
        sub=sub,
        name=_fit(name or None, TEXT_LIMITS["name"]),
        email=email if email is None or len(email) <= EMAIL_LIMIT else None,
        roles=roles,
        is_instructor=is_instructor,
        is_learner=is_learner,
        context_id=_str(context.get("id")),
        context_title=_fit(_str(context.get("title")), TEXT_LIMITS["context_title"]),
        context_label=_fit(_str(context.get("label")), TEXT_LIMITS["context_label"]),
        resource_link_id=_str(link.get("id")),
        resource_link_title=_fit(_str(link.get("title")), TEXT_LIMITS["resource_link_title"]),
        custom=custom,
        ags=ags,
        nrps_url=nrps_url,
        return_url=_str(presentation.get("return_url")),
        target_link_uri=_str(body.get(CLAIM + "target_link_uri")),
        locale=_short(_str(presentation.get("locale")), 35),
        timezone=_short(custom.get("timezone") if isinstance(custom.get("timezone"), str) else None, 64),
    )
