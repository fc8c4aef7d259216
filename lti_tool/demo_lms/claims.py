"""The id_token the demo LMS sends: core LTI 1.3 claims plus AGS, NRPS and deep-linking settings.

Built like Moodle builds them: full LIS role URIs, the AGS ``lineitem`` only when the link has
exactly one coupled line item (tools must otherwise search ``lineitems``), name and email unless
an option withholds them, custom parameters with ``$Variable`` substitution.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoLaunchRequest
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoPlatform
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from lti_tool.models.demo_lms import DemoUser
from lti_tool.demo_lms.platform import PlatformUrls
from lti_tool.demo_lms.roles import COURSE_ROLES
from lti_tool.demo_lms.setup import AGS_SCOPES
from lti_tool.demo_lms.setup import NRPS_READONLY

LTI = "https://purl.imsglobal.org/spec/lti/claim"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
ID_TOKEN_LIFETIME_SECONDS = 300
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

#: Substitution variables the demo supports in custom parameters (also listed in the OpenID
#: configuration's ``variables``).
SUPPORTED_VARIABLES = (
    "User.id",
    "Person.name.full",
    "Person.name.given",
    "Person.name.family",
    "Person.email.primary",
    "Context.id",
    "Context.title",
    "Context.label",
    "ResourceLink.id",
    "ResourceLink.title",
)


def id_token_claims(
    session: Session,
    *,
    platform: DemoPlatform,
    endpoints: PlatformUrls,
    launch: DemoLaunchRequest,
    tool: DemoTool,
    course: DemoCourse,
    link: DemoResourceLink | None,
    user: DemoUser,
    course_role: str,
    nonce: str,
    coupled_line_item_id: int | None = None,
) -> dict[str, Any]:
    """``coupled_line_item_id``: the link's one line item, when the caller read it (the AGS
    ``lineitem`` claim); without it the line items are read here."""
    options = platform.launch_options or {}
    now = int(time.time())
    extra_audiences = [a for a in options.get("extra_audiences", []) if a != tool.client_id]
    claims: dict[str, Any] = {
        "iss": endpoints.base,
        "aud": [tool.client_id, *extra_audiences],
        "sub": user.sub,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME_SECONDS,
        "nonce": nonce,
        f"{LTI}/message_type": launch.message_type,
        f"{LTI}/version": "1.3.0",
        f"{LTI}/deployment_id": tool.deployment_id,
        f"{LTI}/roles": list(COURSE_ROLES[course_role]),
        f"{LTI}/context": {
            "id": course.context_id,
            "label": course.label,
            "title": course.title,
            "type": [COURSE_OFFERING],
        },
        f"{LTI}/tool_platform": {
            "guid": platform.guid,
            "name": platform.name,
            "product_family_code": "quiztool-demo-lms",
            "version": "1.0",
        },
        f"{LTI}/launch_presentation": {
            "document_target": "iframe",
            "return_url": endpoints.launch_return(course.id),
            "locale": options.get("locale") or "en",
        },
    }
    if extra_audiences:
        claims["azp"] = tool.client_id
    if options.get("include_name", True):
        claims.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
    if options.get("include_email", True):
        claims["email"] = user.email
    custom = {**tool.custom_parameters, **(link.custom if link else {})}
    if custom:
        claims[f"{LTI}/custom"] = substitute(custom, user=user, course=course, link=link)
    _add_services(session, claims, endpoints=endpoints, tool=tool, course=course, link=link,
                  coupled_line_item_id=coupled_line_item_id)
    if launch.message_type == DEEP_LINKING_REQUEST:
        claims[f"{LTI}/target_link_uri"] = tool.deep_link_uri or tool.target_link_uri
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            "deep_link_return_url": endpoints.deep_link_return,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
            "auto_create": True,
            "title": link.title if link is not None else f"New activity in {course.label}",
            "data": launch.deep_link_data,
        }
        if link is not None and link.text:
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]["text"] = link.text
    else:
        assert link is not None
        claims[f"{LTI}/target_link_uri"] = link.url or tool.target_link_uri
        claims[f"{LTI}/resource_link"] = {"id": link.resource_link_id, "title": link.title}
        if link.text:
            claims[f"{LTI}/resource_link"]["description"] = link.text
    return claims


def coupled_line_item(resource_link_pk: Any) -> Any:
    """The id of the link's line item when it has exactly one (the one the ``lineitem`` claim
    names), as a query that can also serve as a scalar subquery."""
    items = DemoLineItem.__table__  # columns, not the entity: it runs inside plain-column queries
    return (
        select(func.min(items.c.id))
        .where(items.c.resource_link_pk == resource_link_pk)
        .having(func.count(items.c.id) == 1)
    )


def _add_services(
    session: Session,
    claims: dict[str, Any],
    *,
    endpoints: PlatformUrls,
    tool: DemoTool,
    course: DemoCourse,
    link: DemoResourceLink | None,
    coupled_line_item_id: int | None,
) -> None:
    ags_scopes = [s for s in AGS_SCOPES if s in tool.scopes]
    if ags_scopes:
        ags: dict[str, Any] = {"scope": ags_scopes, "lineitems": endpoints.lineitems(course.id, tool.id)}
        if link is not None and coupled_line_item_id is None:
            coupled = list(session.scalars(coupled_line_item(link.id)))
            coupled_line_item_id = coupled[0] if len(coupled) == 1 else None
        if link is not None and coupled_line_item_id is not None:
            ags["lineitem"] = endpoints.lineitem(course.id, coupled_line_item_id, tool.id)
        claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = ags
    if NRPS_READONLY in tool.scopes:
        claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] = {
            "context_memberships_url": endpoints.memberships(course.id, tool.id),
            "service_versions": ["2.0"],
        }


def substitute(
    custom: dict[str, Any], *, user: DemoUser, course: DemoCourse, link: DemoResourceLink | None
) -> dict[str, str]:
    """Replace ``$Variable`` values the platform knows; unknown ones are sent unchanged (spec)."""
    values = {
        "User.id": user.sub,
        "Person.name.full": user.name,
        "Person.name.given": user.given_name,
        "Person.name.family": user.family_name,
        "Person.email.primary": user.email,
        "Context.id": course.context_id,
        "Context.title": course.title,
        "Context.label": course.label,
    }
    if link is not None:
        values.update({"ResourceLink.id": link.resource_link_id, "ResourceLink.title": link.title})
    result = {}
    for key, value in custom.items():
        text = str(value)
        result[str(key)] = values.get(text[1:], text) if text.startswith("$") else text
    return result
