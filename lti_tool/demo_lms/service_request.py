"""What every AGS/NRPS request goes through before its handler, in the order a real LMS does it:
User-Agent (Canvas 403), request counting, injected faults, bearer token and scope, the course,
and Moodle's ``type_id`` (the tool the URL was issued to must be the token's tool)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response
from flask import request
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoPlatform
from lti_tool.models.demo_lms import DemoTool
from lti_tool.demo_lms import counters
from lti_tool.demo_lms import faults
from lti_tool.demo_lms.blueprint import ServiceError
from lti_tool.demo_lms.platform import PlatformUrls
from lti_tool.demo_lms.platform import get_platform
from lti_tool.demo_lms.platform import urls
from lti_tool.demo_lms.tokens import require_bearer
from lti_tool.demo_lms.tokens import require_user_agent


@dataclass(frozen=True)
class ServiceContext:
    session: Session
    platform: DemoPlatform
    endpoints: PlatformUrls
    tool: DemoTool
    course: DemoCourse


def begin(kind: str, counter: str, course_id: int, *scopes: str) -> ServiceContext:
    require_user_agent()
    counters.increment(counter)
    faults.inject(kind)
    session = get_session()
    grant = require_bearer(session, *scopes)
    type_id = request.args.get("type_id")
    if type_id is not None and type_id != str(grant.tool.id):
        raise ServiceError(401, "invalid_token", "this URL belongs to another tool (type_id) than the access token")
    course = session.get(DemoCourse, course_id)
    if course is None:
        raise ServiceError(404, "not_found", f"no course {course_id}")
    return ServiceContext(session, get_platform(session), urls(session), grant.tool, course)


def require_json_body(media_type: str) -> dict[str, Any]:
    content_type = request.mimetype
    if content_type != media_type:
        raise ServiceError(415, "unsupported_media_type", f"Content-Type must be {media_type}, got {content_type or 'none'}")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(400, "invalid_request", "the body must be a JSON object")
    return body


def json_response(document: Any, media_type: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(document), status=status, mimetype=media_type)
    response.headers.update(headers or {})
    return response


def paging(default_limit: int | None, max_limit: int | None) -> tuple[int | None, int]:
    """``limit`` and 1-based ``page`` from the query string; 400 on nonsense."""
    try:
        limit = int(request.args["limit"]) if "limit" in request.args else default_limit
        page = int(request.args.get("page", "1"))
    except ValueError as exc:
        raise ServiceError(400, "invalid_request", "limit and page must be positive integers") from exc
    if (limit is not None and limit < 1) or page < 1:
        raise ServiceError(400, "invalid_request", "limit and page must be positive integers")
    if limit is not None and max_limit is not None:
        limit = min(limit, max_limit)
    return limit, page


def link_header(make_url, *, page: int, limit: int | None, total: int) -> dict[str, str]:  # noqa: ANN001
    """RFC 8288 ``Link`` header with next/prev/first/last, only when paging is in effect."""
    if limit is None:
        return {}
    last = max(1, -(-total // limit))
    links = [f'<{make_url(page=1, limit=limit)}>; rel="first"', f'<{make_url(page=last, limit=limit)}>; rel="last"']
    if page < last:
        links.append(f'<{make_url(page=page + 1, limit=limit)}>; rel="next"')
    if page > 1:
        links.append(f'<{make_url(page=page - 1, limit=limit)}>; rel="prev"')
    return {"Link": ", ".join(links)}
