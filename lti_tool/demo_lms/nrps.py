"""Names and Role Provisioning Services 2.0, platform side.

The memberships URL has Moodle's mixed-case segments (``/CourseSection/``) and so has every
``Link: rel="next"`` URL: a client that lowercases the header before following it (pylti1p3
2.0.0 does) gets a 404 on page two. ``limit`` pages the roster (Canvas: 10 by default, at most
50); ``role`` filters by full role URI or short name; ``rlid`` must name a link of the course.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select

from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.demo_lms import counters
from lti_tool.demo_lms.blueprint import ServiceError
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.roles import matches_role_filter
from lti_tool.demo_lms.roles import membership_roles
from lti_tool.demo_lms.service_request import begin
from lti_tool.demo_lms.service_request import json_response
from lti_tool.demo_lms.service_request import link_header
from lti_tool.demo_lms.service_request import paging
from lti_tool.demo_lms.setup import NRPS_READONLY

MEMBERSHIP_CONTAINER_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
CANVAS_DEFAULT_PAGE, CANVAS_MAX_PAGE = 10, 50


@bp.get("/services/CourseSection/<int:course_id>/bindings/<int:tool_id>/memberships")
def memberships(course_id: int, tool_id: int):  # noqa: ANN201
    ctx = begin("nrps", counters.NRPS_REQUESTS, course_id, NRPS_READONLY)
    if tool_id != ctx.tool.id:
        raise ServiceError(401, "invalid_token", "this memberships URL belongs to another tool than the access token")
    rlid = request.args.get("rlid")
    if rlid is not None:
        link = ctx.session.scalars(
            select(DemoResourceLink).where(DemoResourceLink.resource_link_id == rlid, DemoResourceLink.course_id == course_id)
        ).first()
        if link is None:
            raise ServiceError(400, "invalid_request", "rlid is not a resource link of this course")
    role = request.args.get("role")
    canvas = ctx.platform.flavour == "canvas"
    limit, page = paging(CANVAS_DEFAULT_PAGE if canvas else None, CANVAS_MAX_PAGE if canvas else None)
    enrollments = [
        e
        for e in ctx.session.scalars(
            select(DemoEnrollment).where(DemoEnrollment.course_id == course_id).order_by(DemoEnrollment.id)
        )
        if role is None or matches_role_filter(e.role, role)
    ]
    shown = enrollments[(page - 1) * limit : page * limit] if limit else enrollments
    options = ctx.platform.launch_options or {}

    def page_url(**paging_args: object) -> str:
        return ctx.endpoints.memberships(course_id, tool_id, role=role, rlid=rlid, **paging_args)

    document = {
        "id": page_url(page=page if page > 1 else None, limit=request.args.get("limit")),
        "context": {"id": ctx.course.context_id, "label": ctx.course.label, "title": ctx.course.title},
        "members": [_member(e, options) for e in shown],
    }
    headers = link_header(page_url, page=page, limit=limit, total=len(enrollments))
    return json_response(document, MEMBERSHIP_CONTAINER_TYPE, headers=headers)


def _member(enrollment: DemoEnrollment, options: dict[str, Any]) -> dict[str, Any]:
    user = enrollment.user
    member: dict[str, Any] = {
        "status": "Active",
        "user_id": user.sub,
        "roles": membership_roles(enrollment.role),
    }
    if options.get("include_name", True):
        member.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
    if options.get("include_email", True):
        member["email"] = user.email
    return member
