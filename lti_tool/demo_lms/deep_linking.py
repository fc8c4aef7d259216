"""Deep linking, platform side: receive the tool's signed LtiDeepLinkingResponse and add the activity.

The response is trusted only after: RS256 signature by the tool's registered key, ``iss`` =
client_id, ``aud`` = our issuer, ``exp``/``iat`` current, ``nonce`` present and never seen before,
``deployment_id`` the tool's, ``data`` the opaque value we sent (bound to the request, single
use), content items of a type we accepted, and no more than one (``accept_multiple`` false).
"""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import jwt
from flask import current_app
from flask import render_template
from flask import request
from marshmallow import ValidationError
from sqlalchemy import select

from lti_tool.db import get_session
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoLaunchRequest
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.claims import DEEP_LINKING_REQUEST
from lti_tool.demo_lms.platform import urls
from lti_tool.demo_lms.schemas import ResourceLinkItemSchema
from lti_tool.demo_lms.schemas import first_error
from lti_tool.demo_lms.setup import create_resource_link
from lti_tool.demo_lms.tokens import use_once
from lti_tool.demo_lms.tool_keys import ToolSignatureError
from lti_tool.demo_lms.tool_keys import verify_tool_jwt

LTI = "https://purl.imsglobal.org/spec/lti/claim"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim"
#: How long an instructor may spend in the tool between the request and the response.
DEEP_LINK_SESSION_SECONDS = 3600


class DeepLinkError(Exception):
    pass


def _refuse(message: str) -> tuple[str, int]:
    return render_template("demo_lms/problem.html", title="The tool's answer was refused", message=message), 400


@bp.post("/deep-linking/return")
def deep_linking_return():  # noqa: ANN201
    session = get_session()
    token = request.form.get("JWT", "")
    try:
        tool = _tool_of(session, token)
        claims = _verify(session, tool, token)
        launch = _request_of(session, tool, claims)
        items = _content_items(claims)
    except DeepLinkError as exc:
        session.rollback()
        return _refuse(str(exc))
    course = session.get(DemoCourse, launch.course_id)
    assert course is not None
    launch.deep_link_used_at = utcnow()
    edited = session.get(DemoResourceLink, launch.resource_link_pk) if launch.resource_link_pk else None
    if edited is not None:
        changed = [_change_activity(session, edited, item) for item in items]
        created = []
    else:
        changed = []
        created = [_create_activity(session, course, tool, item) for item in items]
    session.commit()
    return render_template(
        "demo_lms/deep_link_done.html",
        course=course,
        created=created,
        changed=changed,
        message=claims.get(f"{DL}/msg"),
        error_message=claims.get(f"{DL}/errormsg"),
    )


def _tool_of(session, token: str) -> DemoTool:  # noqa: ANN001
    if not token:
        raise DeepLinkError("The JWT form field is missing: a deep-linking response must be POSTed as JWT=<signed token>.")
    try:
        client_id = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise DeepLinkError(f"The JWT field is not a JWT: {exc}") from exc
    tool = session.scalars(select(DemoTool).where(DemoTool.client_id == str(client_id))).first()
    if tool is None:
        raise DeepLinkError(f"iss {client_id!r} is not the client_id of a registered tool.")
    return tool


def _verify(session, tool: DemoTool, token: str) -> dict[str, Any]:  # noqa: ANN001
    try:
        claims = verify_tool_jwt(session, tool, token, audience=urls(session).base, require=["nonce"])
    except ToolSignatureError as exc:
        raise DeepLinkError(f"The deep-linking response does not verify: {exc}") from exc
    if claims["iat"] < time.time() - DEEP_LINK_SESSION_SECONDS:
        raise DeepLinkError("iat is too old.")
    checks = {
        f"{LTI}/message_type": "LtiDeepLinkingResponse",
        f"{LTI}/version": "1.3.0",
        f"{LTI}/deployment_id": tool.deployment_id,
    }
    for claim, expected in checks.items():
        if claims.get(claim) != expected:
            raise DeepLinkError(f"{claim} must be {expected!r}, got {claims.get(claim)!r}.")
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC) + timedelta(
        seconds=current_app.config["DEMO_LMS_JWT_LEEWAY_SECONDS"]
    )
    if not use_once(session, f"dl-nonce:{tool.id}", str(claims["nonce"]), expires):
        raise DeepLinkError("This nonce was already used: the response is a replay.")
    return claims


def _request_of(session, tool: DemoTool, claims: dict[str, Any]) -> DemoLaunchRequest:  # noqa: ANN001
    data = claims.get(f"{DL}/data")
    if not data:
        raise DeepLinkError(f"{DL}/data is missing: the response must echo the request's data.")
    launch = session.scalars(
        select(DemoLaunchRequest).where(DemoLaunchRequest.deep_link_data == str(data))
    ).first()
    if launch is None or launch.tool_id != tool.id or launch.message_type != DEEP_LINKING_REQUEST:
        raise DeepLinkError("data does not match any deep-linking request sent to this tool.")
    if launch.deep_link_used_at is not None:
        raise DeepLinkError("This deep-linking request was already answered.")
    if launch.created_at < utcnow() - timedelta(seconds=DEEP_LINK_SESSION_SECONDS):
        raise DeepLinkError("This deep-linking request has expired: start again from the course.")
    return launch


def _content_items(claims: dict[str, Any]) -> list[dict[str, Any]]:
    items = claims.get(f"{DL}/content_items", [])
    if not isinstance(items, list):
        raise DeepLinkError("content_items must be an array.")
    if len(items) > 1:
        raise DeepLinkError("accept_multiple was false: send at most one content item.")
    try:
        return [ResourceLinkItemSchema().load(item) for item in items]
    except ValidationError as exc:
        raise DeepLinkError(f"content item refused: {first_error(exc)}") from exc
    except TypeError as exc:
        raise DeepLinkError("each content item must be a JSON object.") from exc


def _change_activity(session, link: DemoResourceLink, item: dict[str, Any]):  # noqa: ANN001, ANN202
    """The answer to "Select content" on an existing activity: the activity takes the item's
    title, text, URL and custom parameters, and its line item the new maximum and label."""
    link.title = item.get("title") or link.title
    link.text = item.get("text")
    link.url = item.get("url") or link.url
    link.custom = {k: str(v) for k, v in (item.get("custom") or {}).items()}
    line_item = item.get("lineItem")
    if line_item:
        current = session.scalars(select(DemoLineItem).where(DemoLineItem.resource_link_pk == link.id)).first()
        if current is None:
            session.add(DemoLineItem(course_id=link.course_id, tool_id=link.tool_id, resource_link_pk=link.id,
                                     label=line_item.get("label") or link.title, score_maximum=line_item["scoreMaximum"],
                                     resource_id=line_item.get("resourceId"), tag=line_item.get("tag"), extensions={}))
        else:
            current.score_maximum = line_item["scoreMaximum"]
            current.label = line_item.get("label") or current.label
    session.flush()
    return link


def _create_activity(session, course: DemoCourse, tool: DemoTool, item: dict[str, Any]):  # noqa: ANN001, ANN202
    title = item.get("title") or tool.name
    link = create_resource_link(
        session,
        course=course,
        tool=tool,
        title=title,
        custom={k: str(v) for k, v in (item.get("custom") or {}).items()},
        url=item.get("url"),
        text=item.get("text"),
    )
    line_item = item.get("lineItem")
    if line_item:
        session.add(
            DemoLineItem(
                course_id=course.id,
                tool_id=tool.id,
                resource_link_pk=link.id,
                label=line_item.get("label") or title,
                score_maximum=line_item["scoreMaximum"],
                resource_id=line_item.get("resourceId"),
                tag=line_item.get("tag"),
                extensions={},
            )
        )
        session.flush()
    return link
