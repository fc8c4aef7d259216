"""Assignment and Grade Services 2.0, platform side, with Moodle's rules (Canvas's on request).

Score rules (Moodle ``mod/lti/service/gradebookservices``, see LTI-NOTES §4.2–4.3):
- ``userId`` must be a student of the course: 400 (Canvas: 422).
- ``timestamp`` is required; a score whose timestamp is not later, *at one-second resolution*,
  than the stored one is refused with 409 (Canvas: 400 only if strictly earlier).
- Only ``FullyGraded`` keeps ``scoreGiven``; any other grading progress clears the grade
  (Canvas keeps FullyGraded and PendingManual and otherwise leaves the grade alone).
- ``scoreGiven`` is rescaled to the line item's ``scoreMaximum``.
Every score POST, accepted or not, is kept in the history shown on the gradebook.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import ValidationError
from sqlalchemy import select

from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoResult
from lti_tool.models.demo_lms import DemoScorePost
from lti_tool.models.demo_lms import DemoUser
from lti_tool.demo_lms import counters
from lti_tool.demo_lms.blueprint import ServiceError
from lti_tool.demo_lms.blueprint import bp
from lti_tool.demo_lms.schemas import CANVAS_SUBMISSION
from lti_tool.demo_lms.schemas import LineItemSchema
from lti_tool.demo_lms.schemas import ScoreSchema
from lti_tool.demo_lms.schemas import first_error
from lti_tool.demo_lms.schemas import uri_members
from lti_tool.demo_lms.service_request import ServiceContext
from lti_tool.demo_lms.service_request import begin
from lti_tool.demo_lms.service_request import json_response
from lti_tool.demo_lms.service_request import link_header
from lti_tool.demo_lms.service_request import paging
from lti_tool.demo_lms.service_request import require_json_body
from lti_tool.demo_lms.setup import AGS_LINEITEM
from lti_tool.demo_lms.setup import AGS_LINEITEM_READONLY
from lti_tool.demo_lms.setup import AGS_RESULT_READONLY
from lti_tool.demo_lms.setup import AGS_SCORE

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULT_CONTAINER_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
READ_LINEITEMS = (AGS_LINEITEM, AGS_LINEITEM_READONLY)


def _begin(course_id: int, *scopes: str) -> ServiceContext:
    return begin("ags", counters.AGS_REQUESTS, course_id, *scopes)


def _bad_request(exc: ValidationError) -> ServiceError:
    return ServiceError(400, "invalid_request", first_error(exc))


def dump_line_item(ctx: ServiceContext, item: DemoLineItem) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": ctx.endpoints.lineitem(ctx.course.id, item.id, item.tool_id),
        "scoreMaximum": item.score_maximum,
        "label": item.label,
    }
    if item.resource_id is not None:
        document["resourceId"] = item.resource_id
    if item.tag is not None:
        document["tag"] = item.tag
    if item.resource_link is not None:
        document["resourceLinkId"] = item.resource_link.resource_link_id
    if item.start_date_time is not None:
        document["startDateTime"] = item.start_date_time.isoformat()
    if item.end_date_time is not None:
        document["endDateTime"] = item.end_date_time.isoformat()
    if item.grades_released is not None:
        document["gradesReleased"] = item.grades_released
    document.update(item.extensions or {})
    return document


def _line_item(ctx: ServiceContext, item_id: int) -> DemoLineItem:
    item = ctx.session.get(DemoLineItem, item_id)
    if item is None or item.course_id != ctx.course.id or item.tool_id != ctx.tool.id:
        raise ServiceError(404, "not_found", f"no line item {item_id} for this tool in this course")
    return item


@bp.get("/services/<int:course_id>/lineitems")
def list_line_items(course_id: int):  # noqa: ANN201
    ctx = _begin(course_id, *READ_LINEITEMS)
    query = (
        select(DemoLineItem)
        .where(DemoLineItem.course_id == course_id, DemoLineItem.tool_id == ctx.tool.id)
        .order_by(DemoLineItem.id)
    )
    filters = {name: request.args.get(name) for name in ("resource_link_id", "resource_id", "tag")}
    if filters["resource_link_id"] is not None:
        query = query.join(DemoResourceLink).where(DemoResourceLink.resource_link_id == filters["resource_link_id"])
    if filters["resource_id"] is not None:
        query = query.where(DemoLineItem.resource_id == filters["resource_id"])
    if filters["tag"] is not None:
        query = query.where(DemoLineItem.tag == filters["tag"])
    items = list(ctx.session.scalars(query))
    limit, page = paging(None, None)
    shown = items[(page - 1) * limit : page * limit] if limit else items

    def page_url(**paging_args: object) -> str:
        return ctx.endpoints.lineitems(course_id, ctx.tool.id, **filters, **paging_args)

    headers = link_header(page_url, page=page, limit=limit, total=len(items))
    return json_response([dump_line_item(ctx, i) for i in shown], LINEITEM_CONTAINER_TYPE, headers=headers)


def _apply_line_item(ctx: ServiceContext, item: DemoLineItem, body: dict[str, Any]) -> None:
    try:
        data = LineItemSchema().load(body)
    except ValidationError as exc:
        raise _bad_request(exc) from exc
    link = None
    if data.get("resourceLinkId"):
        link = ctx.session.scalars(
            select(DemoResourceLink).where(
                DemoResourceLink.resource_link_id == data["resourceLinkId"],
                DemoResourceLink.course_id == ctx.course.id,
                DemoResourceLink.tool_id == ctx.tool.id,
            )
        ).first()
        if link is None:
            raise ServiceError(400, "invalid_request", "resourceLinkId is not a link of this tool in this course")
    if data.get("startDateTime") and data.get("endDateTime") and data["endDateTime"] < data["startDateTime"]:
        raise ServiceError(400, "invalid_request", "endDateTime is before startDateTime")
    item.label = data["label"]
    item.score_maximum = data["scoreMaximum"]
    item.resource_id = data.get("resourceId")
    item.tag = data.get("tag")
    item.resource_link_pk = link.id if link else None
    item.start_date_time = data.get("startDateTime")
    item.end_date_time = data.get("endDateTime")
    item.grades_released = data.get("gradesReleased")
    item.extensions = uri_members(body)


@bp.post("/services/<int:course_id>/lineitems")
def create_line_item(course_id: int):  # noqa: ANN201
    ctx = _begin(course_id, AGS_LINEITEM)
    body = require_json_body(LINEITEM_TYPE)
    item = DemoLineItem(course_id=course_id, tool_id=ctx.tool.id, created_at=utcnow())
    _apply_line_item(ctx, item, body)
    ctx.session.add(item)
    ctx.session.flush()
    document = dump_line_item(ctx, item)
    ctx.session.commit()
    return json_response(document, LINEITEM_TYPE, 201, {"Location": document["id"]})


@bp.get("/services/<int:course_id>/lineitems/<int:item_id>/lineitem")
def get_line_item(course_id: int, item_id: int):  # noqa: ANN201
    ctx = _begin(course_id, *READ_LINEITEMS)
    return json_response(dump_line_item(ctx, _line_item(ctx, item_id)), LINEITEM_TYPE)


@bp.put("/services/<int:course_id>/lineitems/<int:item_id>/lineitem")
def update_line_item(course_id: int, item_id: int):  # noqa: ANN201
    ctx = _begin(course_id, AGS_LINEITEM)
    item = _line_item(ctx, item_id)
    _apply_line_item(ctx, item, require_json_body(LINEITEM_TYPE))
    ctx.session.flush()
    document = dump_line_item(ctx, item)
    ctx.session.commit()
    return json_response(document, LINEITEM_TYPE)


@bp.delete("/services/<int:course_id>/lineitems/<int:item_id>/lineitem")
def delete_line_item(course_id: int, item_id: int):  # noqa: ANN201
    ctx = _begin(course_id, AGS_LINEITEM)
    ctx.session.delete(_line_item(ctx, item_id))
    ctx.session.commit()
    return "", 204


@bp.post("/services/<int:course_id>/lineitems/<int:item_id>/lineitem/scores")
def post_score(course_id: int, item_id: int):  # noqa: ANN201
    ctx = _begin(course_id, AGS_SCORE)
    item = _line_item(ctx, item_id)
    body = require_json_body(SCORE_TYPE)
    try:
        status, outcome, result = _record_score(ctx, item, body)
    except ServiceError as exc:
        ctx.session.rollback()
        _history(ctx, item_id, body, exc.status, exc.description or exc.error)
        ctx.session.commit()
        raise
    _history(ctx, item_id, body, status, outcome)
    ctx.session.commit()
    if ctx.platform.flavour == "canvas":
        result_url = ctx.endpoints.lineitem(course_id, item_id, ctx.tool.id, f"/results/{result.id}")
        return json_response({"resultUrl": result_url}, "application/json")
    return "", 200


def _history(ctx: ServiceContext, item_id: int, body: dict[str, Any], status: int, outcome: str) -> None:
    ctx.session.add(
        DemoScorePost(
            line_item_id=item_id,
            user_sub=str(body.get("userId"))[:255] if body.get("userId") is not None else None,
            payload=body,
            status_code=status,
            outcome=outcome[:500],
            received_at=utcnow(),
        )
    )


def _record_score(ctx: ServiceContext, item: DemoLineItem, body: dict[str, Any]) -> tuple[int, str, DemoResult]:
    canvas = ctx.platform.flavour == "canvas"
    try:
        score = ScoreSchema().load(body)
    except ValidationError as exc:
        raise _bad_request(exc) from exc
    user = _student(ctx, score["userId"], canvas=canvas)
    result = ctx.session.scalars(
        select(DemoResult).where(DemoResult.line_item_id == item.id, DemoResult.user_id == user.id)
    ).first()
    new_time = score["timestamp"]
    if result is not None:
        stored = result.score_timestamp
        if canvas and new_time < stored:
            raise ServiceError(400, "invalid_request", f"timestamp {new_time.isoformat()} is earlier than the stored result's {stored.isoformat()}")
        if not canvas and int(stored.timestamp()) >= int(new_time.timestamp()):
            raise ServiceError(
                409,
                "conflict",
                f"a score with timestamp {stored.isoformat()} is already recorded; a new score needs a "
                "later timestamp (compared to the second)",
            )
    if result is None:
        result = DemoResult(line_item_id=item.id, user_id=user.id, result_score=None, submission={})
        ctx.session.add(result)
    keeps_score = score["gradingProgress"] in (("FullyGraded", "PendingManual") if canvas else ("FullyGraded",))
    if keeps_score and score.get("scoreGiven") is not None:
        result.result_score = score["scoreGiven"] * item.score_maximum / score["scoreMaximum"]
        outcome = f"recorded {result.result_score:g}/{item.score_maximum:g}"
    elif canvas:
        outcome = "progress recorded, grade unchanged"
    else:
        result.result_score = None
        outcome = "progress recorded, grade cleared"
    result.activity_progress = score["activityProgress"]
    result.grading_progress = score["gradingProgress"]
    result.comment = score.get("comment")
    result.score_timestamp = new_time
    submission = {}
    if body.get("submission") is not None:
        submission["submission"] = body["submission"]
    if CANVAS_SUBMISSION in body:
        submission[CANVAS_SUBMISSION] = body[CANVAS_SUBMISSION]
    result.submission = submission
    result.updated_at = utcnow()
    ctx.session.flush()
    return 200, outcome, result


def _student(ctx: ServiceContext, user_id: str, *, canvas: bool) -> DemoUser:
    row = ctx.session.execute(
        select(DemoUser, DemoEnrollment)
        .join(DemoEnrollment, DemoEnrollment.user_id == DemoUser.id)
        .where(DemoUser.sub == user_id, DemoEnrollment.course_id == ctx.course.id)
    ).first()
    if row is None or row[1].role != "learner":
        if canvas:
            raise ServiceError(422, "unprocessable_entity", "User not found in course or is not a student")
        raise ServiceError(400, "invalid_request", "Incorrect score received: the user is not a student (gradable) in this course")
    return row[0]


def dump_result(ctx: ServiceContext, item: DemoLineItem, result: DemoResult) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": ctx.endpoints.lineitem(ctx.course.id, item.id, item.tool_id, f"/results/{result.id}"),
        "scoreOf": ctx.endpoints.lineitem(ctx.course.id, item.id, item.tool_id),
        "userId": result.user.sub,
    }
    if result.result_score is not None:
        document.update(
            resultScore=result.result_score,
            resultMaximum=item.score_maximum,
            timestamp=result.score_timestamp.isoformat(),
        )
        if result.comment:
            document["comment"] = result.comment
    return document


@bp.get("/services/<int:course_id>/lineitems/<int:item_id>/lineitem/results")
def list_results(course_id: int, item_id: int):  # noqa: ANN201
    ctx = _begin(course_id, AGS_RESULT_READONLY)
    item = _line_item(ctx, item_id)
    query = select(DemoResult).where(DemoResult.line_item_id == item.id).order_by(DemoResult.id)
    user_filter = request.args.get("user_id")
    if user_filter is not None:
        query = query.join(DemoUser, DemoUser.id == DemoResult.user_id).where(DemoUser.sub == user_filter)
    results = list(ctx.session.scalars(query))
    limit, page = paging(None, None)
    shown = results[(page - 1) * limit : page * limit] if limit else results

    def page_url(**paging_args: object) -> str:
        path = f"/services/{course_id}/lineitems/{item_id}/lineitem/results"
        return ctx.endpoints.at(path, type_id=ctx.tool.id, user_id=user_filter, **paging_args)

    headers = link_header(page_url, page=page, limit=limit, total=len(results))
    return json_response([dump_result(ctx, item, r) for r in shown], RESULT_CONTAINER_TYPE, headers=headers)


@bp.get("/services/<int:course_id>/lineitems/<int:item_id>/lineitem/results/<int:result_id>")
def get_result(course_id: int, item_id: int, result_id: int):  # noqa: ANN201
    ctx = _begin(course_id, AGS_RESULT_READONLY)
    item = _line_item(ctx, item_id)
    result = ctx.session.get(DemoResult, result_id)
    if result is None or result.line_item_id != item.id:
        raise ServiceError(404, "not_found", "no such result")
    return json_response([dump_result(ctx, item, result)], RESULT_CONTAINER_TYPE)
