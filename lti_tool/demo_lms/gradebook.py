"""The course gradebook as data: one row per student, one cell per line item, with history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResult
from lti_tool.models.demo_lms import DemoScorePost


def gradebook(session: Session, course: DemoCourse) -> dict[str, Any]:
    items = list(session.scalars(select(DemoLineItem).where(DemoLineItem.course_id == course.id).order_by(DemoLineItem.id)))
    students = [
        e.user
        for e in session.scalars(
            select(DemoEnrollment).where(DemoEnrollment.course_id == course.id).order_by(DemoEnrollment.id)
        )
        if e.role == "learner"
    ]
    results = {
        (r.line_item_id, r.user_id): r
        for r in session.scalars(select(DemoResult).where(DemoResult.line_item_id.in_([i.id for i in items])))
    }
    history = list(
        session.scalars(
            select(DemoScorePost)
            .where(DemoScorePost.line_item_id.in_([i.id for i in items]))
            .order_by(DemoScorePost.id)
        )
    )
    return {
        "course": {"id": course.id, "label": course.label, "title": course.title},
        "line_items": [
            {
                "id": i.id,
                "label": i.label,
                "score_maximum": i.score_maximum,
                "resource_link_id": i.resource_link.resource_link_id if i.resource_link else None,
                "resource_id": i.resource_id,
                "tag": i.tag,
            }
            for i in items
        ],
        "students": [
            {
                "sub": s.sub,
                "name": s.name,
                "grades": {
                    str(i.id): _cell(results.get((i.id, s.id)))
                    for i in items
                },
            }
            for s in students
        ],
        "history": [
            {
                "line_item_id": h.line_item_id,
                "user_id": h.user_sub,
                "status": h.status_code,
                "outcome": h.outcome,
                "received_at": h.received_at.isoformat(),
                "payload": h.payload,
            }
            for h in history
        ],
    }


def _cell(result: DemoResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "score": result.result_score,
        "activity_progress": result.activity_progress,
        "grading_progress": result.grading_progress,
        "comment": result.comment,
        "timestamp": result.score_timestamp.isoformat(),
        "updated_at": result.updated_at.isoformat(),
        "submission": result.submission,
    }
