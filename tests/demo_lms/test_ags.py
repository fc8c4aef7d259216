"""AGS 2.0, platform side: line items, scores with Moodle's (and Canvas's) rules, results."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest

from lti_tool.demo_lms.setup import AGS_LINEITEM
from lti_tool.demo_lms.setup import AGS_LINEITEM_READONLY
from lti_tool.demo_lms.setup import AGS_RESULT_READONLY
from lti_tool.demo_lms.setup import AGS_SCORE
from tests.demo_lms.conftest import NO_USER_AGENT

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
RESULTS = "application/vnd.ims.lis.v2.resultcontainer+json"


def with_path(url: str, suffix: str) -> str:
    """Insert a path suffix before the query string (what a correct AGS client does)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + suffix))


def score(user: str, given: float | None = 8, maximum: float = 10, *, at: datetime, progress: str = "FullyGraded", **extra) -> dict:  # noqa: ANN003
    body = {
        "userId": user,
        "scoreGiven": given,
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": progress,
        "timestamp": at.isoformat(),
        **extra,
    }
    return {k: v for k, v in body.items() if v is not None}


def post_score(lms, token, url, body, content_type=SCORE):  # noqa: ANN001, ANN201
    return lms.post(with_path(url, "/scores"), token, data=json.dumps(body), headers={"Content-Type": content_type})


@pytest.fixture
def token(lms) -> str:  # noqa: ANN001
    return lms.token()


def test_line_items_list_create_and_filter(lms, course, token) -> None:  # noqa: ANN001
    listed = lms.get(course.lineitems_url, token)
    assert listed.status_code == 200
    assert listed.headers["Content-Type"] == CONTAINER
    [quiz] = listed.json()
    assert quiz == {"id": course.quiz_lineitem_url, "scoreMaximum": 100.0, "label": "Quiz: the therapeutic relationship", "resourceLinkId": course.quiz_link_id}

    created = lms.post(
        course.lineitems_url,
        token,
        data=json.dumps({"scoreMaximum": 15, "label": "Barriers", "resourceId": "pool-barriers", "tag": "practice", "resourceLinkId": course.quiz_link_id, "https://canvas.instructure.com/lti/submission_type": {"type": "external_tool"}}),
        headers={"Content-Type": LINEITEM},
    )
    assert created.status_code == 201, created.text
    assert created.headers["Content-Type"] == LINEITEM
    item = created.json()
    assert item["id"] == created.headers["Location"]
    assert item["https://canvas.instructure.com/lti/submission_type"] == {"type": "external_tool"}
    assert lms.get(item["id"], token).json() == item

    by_tag = lms.get(course.lineitems_url, token, params={"tag": "practice"}).json()
    assert [i["label"] for i in by_tag] == ["Barriers"]
    by_resource = lms.get(course.lineitems_url, token, params={"resource_id": "pool-barriers"}).json()
    assert [i["id"] for i in by_resource] == [item["id"]]
    by_link = lms.get(course.lineitems_url, token, params={"resource_link_id": course.quiz_link_id}).json()
    assert len(by_link) == 2
    assert lms.get(course.lineitems_url, token, params={"resource_link_id": "nope"}).json() == []


def test_line_item_paging_uses_link_headers(lms, course, token) -> None:  # noqa: ANN001
    for n in range(3):
        lms.post(course.lineitems_url, token, data=json.dumps({"scoreMaximum": 1, "label": f"Extra {n}"}), headers={"Content-Type": LINEITEM}).raise_for_status()
    first = lms.get(course.lineitems_url, token, params={"limit": 3})
    assert len(first.json()) == 3
    next_url = first.links["next"]["url"]
    second = lms.get(next_url, token)
    assert [i["label"] for i in second.json()] == ["Extra 2"]
    assert "next" not in second.links
    assert lms.get(course.lineitems_url, token, params={"limit": 0}).status_code == 400


def test_line_item_update_and_delete(lms, course, token) -> None:  # noqa: ANN001
    item = lms.post(course.lineitems_url, token, data=json.dumps({"scoreMaximum": 5, "label": "Temp"}), headers={"Content-Type": LINEITEM}).json()
    updated = lms.http.put(item["id"], data=json.dumps({"scoreMaximum": 6, "label": "Renamed"}), headers={"Content-Type": LINEITEM, "Authorization": f"Bearer {token}", "User-Agent": "t"}, timeout=10)
    assert updated.status_code == 200
    assert updated.json()["label"] == "Renamed"
    deleted = lms.http.delete(item["id"], headers={"Authorization": f"Bearer {token}", "User-Agent": "t"}, timeout=10)
    assert deleted.status_code == 204
    assert lms.get(item["id"], token).status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status", "fragment"),
    [
        ({"label": "No maximum"}, LINEITEM, 400, "scoreMaximum"),
        ({"scoreMaximum": 0, "label": "Zero"}, LINEITEM, 400, "scoreMaximum"),
        ({"scoreMaximum": 1}, LINEITEM, 400, "label"),
        ({"scoreMaximum": 1, "label": "x", "resourceLinkId": "unknown"}, LINEITEM, 400, "resourceLinkId"),
        ({"scoreMaximum": 1, "label": "x"}, "application/json", 415, "Content-Type"),
        ([1, 2], LINEITEM, 400, "JSON object"),
    ],
)
def test_bad_line_items_are_refused_clearly(lms, course, token, body, content_type, status, fragment) -> None:  # noqa: ANN001
    response = lms.post(course.lineitems_url, token, data=json.dumps(body), headers={"Content-Type": content_type})
    assert response.status_code == status
    assert fragment in response.json()["error_description"]


def test_bearer_token_and_scope_are_required(lms, course) -> None:  # noqa: ANN001
    assert lms.get(course.lineitems_url).status_code == 401
    assert lms.get(course.lineitems_url, "made-up-token").status_code == 401
    score_only = lms.token(scope=AGS_SCORE)
    refused = lms.get(course.lineitems_url, score_only)
    assert refused.status_code == 401
    assert refused.json()["error"] == "insufficient_scope"
    readonly = lms.token(scope=AGS_LINEITEM_READONLY)
    assert lms.get(course.lineitems_url, readonly).status_code == 200
    assert lms.post(course.lineitems_url, readonly, data=json.dumps({"scoreMaximum": 1, "label": "x"}), headers={"Content-Type": LINEITEM}).status_code == 401
    assert lms.get(with_path(course.quiz_lineitem_url, "/results"), readonly).status_code == 401
    assert lms.get(with_path(course.quiz_lineitem_url, "/results"), lms.token(scope=AGS_RESULT_READONLY)).status_code == 200
    assert AGS_LINEITEM  # full scope tested above through the default token


def test_user_agent_is_required_on_service_calls(lms, course, token) -> None:  # noqa: ANN001
    response = lms.http.get(course.lineitems_url, headers={"Authorization": f"Bearer {token}", **NO_USER_AGENT}, timeout=10)
    assert response.status_code == 403
    assert "User-Agent" in response.json()["error_description"]


def test_fully_graded_score_is_rescaled_and_shown_in_results(lms, course, token) -> None:  # noqa: ANN001
    student = course.students[0]
    at = datetime.now(UTC)
    canvas_extension = {"https://canvas.instructure.com/lti/submission": {"submitted_at": at.isoformat()}}
    response = post_score(lms, token, course.quiz_lineitem_url, score(student, 8, 10, at=at, comment="Well done", **canvas_extension))
    assert response.status_code == 200, response.text
    results = lms.get(with_path(course.quiz_lineitem_url, "/results"), token)
    assert results.headers["Content-Type"] == RESULTS
    [result] = results.json()
    assert result["userId"] == student
    assert result["resultScore"] == pytest.approx(80.0)
    assert result["resultMaximum"] == 100.0
    assert result["comment"] == "Well done"
    assert result["scoreOf"] == course.quiz_lineitem_url
    assert lms.get(result["id"], token).json() == [result]
    book = lms.get(f"{lms.url}/course/{course.course_id}/gradebook.json").json()
    cell = book["students"][0]["grades"][str(course.quiz_line_item_id)]
    assert cell["score"] == pytest.approx(80.0)
    assert cell["submission"] == canvas_extension
    assert [h["status"] for h in book["history"]] == [200]


def test_moodle_refuses_a_second_score_in_the_same_second_with_409(lms, course, token) -> None:  # noqa: ANN001
    student = course.students[0]
    first = datetime.now(UTC).replace(microsecond=100_000)
    assert post_score(lms, token, course.quiz_lineitem_url, score(student, 5, at=first)).status_code == 200
    same_second = first.replace(microsecond=900_000)
    conflict = post_score(lms, token, course.quiz_lineitem_url, score(student, 6, at=same_second))
    assert conflict.status_code == 409
    older = post_score(lms, token, course.quiz_lineitem_url, score(student, 6, at=first - timedelta(seconds=5)))
    assert older.status_code == 409
    later = post_score(lms, token, course.quiz_lineitem_url, score(student, 6, at=first + timedelta(seconds=1)))
    assert later.status_code == 200
    [result] = lms.get(with_path(course.quiz_lineitem_url, "/results"), token).json()
    assert result["resultScore"] == pytest.approx(60.0)
    history = lms.get(f"{lms.url}/course/{course.course_id}/gradebook.json").json()["history"]
    assert [h["status"] for h in history] == [200, 409, 409, 200]


def test_moodle_clears_the_grade_unless_fully_graded(lms, course, token) -> None:  # noqa: ANN001
    student = course.students[1]
    at = datetime.now(UTC)
    post_score(lms, token, course.quiz_lineitem_url, score(student, 9, at=at)).raise_for_status()
    pending = post_score(lms, token, course.quiz_lineitem_url, score(student, 9, at=at + timedelta(seconds=2), progress="PendingManual"))
    assert pending.status_code == 200
    [result] = lms.get(with_path(course.quiz_lineitem_url, "/results"), token, params={"user_id": student}).json()
    assert "resultScore" not in result


def test_canvas_keeps_pending_manual_scores_and_answers_422_for_non_students(lms, course, token) -> None:  # noqa: ANN001
    lms.post(lms.url + "/admin/settings", json={"flavour": "canvas"}).raise_for_status()
    student = course.students[1]
    at = datetime.now(UTC)
    response = post_score(lms, token, course.quiz_lineitem_url, score(student, 7, at=at, progress="PendingManual"))
    assert response.status_code == 200
    assert "resultUrl" in response.json()
    same_second = post_score(lms, token, course.quiz_lineitem_url, score(student, 8, at=at))
    assert same_second.status_code == 200  # Canvas only refuses strictly older timestamps
    older = post_score(lms, token, course.quiz_lineitem_url, score(student, 8, at=at - timedelta(seconds=1)))
    assert older.status_code == 400
    teacher = post_score(lms, token, course.quiz_lineitem_url, score(course.instructor, 8, at=at))
    assert teacher.status_code == 422


@pytest.mark.parametrize("who", ["instructor", "teaching_assistant", "stranger"])
def test_moodle_refuses_scores_for_non_students_with_400(lms, course, token, who) -> None:  # noqa: ANN001
    user = {"instructor": course.instructor, "teaching_assistant": course.teaching_assistant, "stranger": "no-such-user"}[who]
    response = post_score(lms, token, course.quiz_lineitem_url, score(user, at=datetime.now(UTC)))
    assert response.status_code == 400
    assert "student" in response.json()["error_description"]


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda b: b.pop("timestamp"), "timestamp"),
        (lambda b: b.update(timestamp="2025-01-01T10:00:00"), "time zone"),
        (lambda b: b.update(timestamp="yesterday"), "timestamp"),
        (lambda b: b.pop("scoreMaximum"), "scoreMaximum"),
        (lambda b: b.update(gradingProgress="Done"), "gradingProgress"),
        (lambda b: b.pop("activityProgress"), "activityProgress"),
        (lambda b: b.update(scoreGiven=-1), "scoreGiven"),
    ],
)
def test_malformed_scores_are_400_with_the_reason(lms, course, token, mutate, fragment) -> None:  # noqa: ANN001
    body = score(course.students[0], at=datetime.now(UTC))
    mutate(body)
    response = post_score(lms, token, course.quiz_lineitem_url, body)
    assert response.status_code == 400
    assert fragment in response.json()["error_description"]


def test_score_needs_the_score_media_type_and_scope(lms, course, token) -> None:  # noqa: ANN001
    body = score(course.students[0], at=datetime.now(UTC))
    assert post_score(lms, token, course.quiz_lineitem_url, body, content_type="application/json").status_code == 415
    readonly = lms.token(scope=AGS_LINEITEM_READONLY)
    assert post_score(lms, readonly, course.quiz_lineitem_url, body).status_code == 401


def test_urls_of_another_tool_are_refused(lms, course, token) -> None:  # noqa: ANN001
    foreign = course.lineitems_url.replace(f"type_id={course.tool_id}", f"type_id={course.tool_id + 1}")
    assert lms.get(foreign, token).status_code == 401
