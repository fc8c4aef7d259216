"""Scores reach the demo LMS gradebook: value, line item, token cache, timestamps, Canvas rules."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from lti_tool import grade_sync
from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.models.base import utcnow
from lti_tool.models.grade_sync import DELIVERED
from lti_tool.models.grade_sync import SUPERSEDED
from lti_tool.models.grade_sync import AccessToken
from lti_tool.models.lti import ResourceLink
from lti_tool.models.platform import Platform
from lti_tool.worker import make_publisher
from tests.grades.conftest import deliver_until_settled
from tests.grades.conftest import grade_of
from tests.grades.conftest import gradebook
from tests.grades.conftest import launch_learners
from tests.grades.conftest import outbox
from tests.grades.conftest import posts_of
from tests.grades.conftest import record
from tests.grades.conftest import set_flavour
from tests.grades.conftest import stats


def test_a_recorded_score_lands_in_the_gradebook(demo_stack) -> None:
    ana, ben = launch_learners(demo_stack, 2)
    record(demo_stack, ana, 7.5, 10)
    record(demo_stack, ben, 3, 4)
    deliver_until_settled(demo_stack)
    book = gradebook(demo_stack)
    item_max = book["line_items"][0]["score_maximum"]
    assert grade_of(book, ana.sub)["score"] == 7.5 / 10 * item_max
    assert grade_of(book, ben.sub)["score"] == 3 / 4 * item_max
    payload = posts_of(book, ana.sub)[0]["payload"]
    assert payload["activityProgress"] == "Completed" and payload["gradingProgress"] == "FullyGraded"
    assert payload["scoreGiven"] == 7.5 and payload["scoreMaximum"] == 10
    assert payload["timestamp"].endswith("+00:00") and len(payload["timestamp"].split(".")[1]) == len("123+00:00")
    assert all(r.status == DELIVERED and r.last_status_code == 200 for r in outbox(demo_stack))
    assert len(book["line_items"]) == 1  # the launch's own line item was used


def test_nothing_is_sent_for_a_rolled_back_submit(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    try:
        with session_scope(demo_stack.app) as session:
            grade_sync.record_score(session, resource_link_pk=ana.link_pk, user_pk=ana.user_pk, score_given=1,
                                    score_maximum=1, submitted_at=utcnow())
            raise RuntimeError("the submit failed after recording")
    except RuntimeError:
        pass
    deliver_until_settled(demo_stack)
    assert outbox(demo_stack) == [] and posts_of(gradebook(demo_stack), ana.sub) == []


def test_the_token_is_fetched_once_and_shared_by_workers(demo_stack) -> None:
    students = launch_learners(demo_stack, 3)
    before = stats(demo_stack).get("token_requests", 0)
    first, second = make_publisher(demo_stack.app), make_publisher(demo_stack.app)  # two "workers"
    try:
        for round_number, publisher in enumerate((first, second, first, second)):
            record(demo_stack, students[round_number % 3], round_number + 1)
            deliver_until_settled(demo_stack, publisher=publisher)
    finally:
        first.close()
        second.close()
    assert stats(demo_stack)["token_requests"] - before == 1
    assert all(r.status == DELIVERED for r in outbox(demo_stack))
    with session_scope(demo_stack.app) as session:
        (token,) = session.scalars(select(AccessToken)).all()
        assert token.expires_at > utcnow() + timedelta(minutes=50)
        assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in token.scopes.split()


def test_a_newer_score_supersedes_an_undelivered_older_one(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    old = record(demo_stack, ana, 9)
    new = record(demo_stack, ana, 4)
    deliver_until_settled(demo_stack)
    rows = {r.id: r for r in outbox(demo_stack)}
    assert rows[old].status == SUPERSEDED and rows[new].status == DELIVERED
    book = gradebook(demo_stack)
    assert [p["payload"]["scoreGiven"] for p in posts_of(book, ana.sub)] == [4]


def test_an_older_score_in_flight_never_overwrites_a_newer_one(demo_stack) -> None:
    """The older row is being sent when the newer one is recorded: the newer waits for it, and
    an older retry after that is dropped rather than sent over the newer grade."""
    (ana,) = launch_learners(demo_stack, 1)
    old = record(demo_stack, ana, 9)
    sessions = database(demo_stack.app).sessions
    with sessions() as session:
        ((claimed_id, token),) = grade_sync.claim_due(session, limit=10, lease_seconds=60)
        session.commit()
    assert claimed_id == old
    new = record(demo_stack, ana, 4)
    with sessions() as session:
        assert grade_sync.claim_due(session, limit=10, lease_seconds=60) == []  # one row per user in flight
        session.commit()
    with sessions() as session:  # the old send ends with a 503: it must not be retried
        grade_sync._record_outcome(session, old, token, grade_sync.PublishResult("retry", 503, "down"),
                                   grade_sync.DeliveryPolicy())
        session.commit()
    deliver_until_settled(demo_stack)
    rows = {r.id: r for r in outbox(demo_stack)}
    assert rows[old].status == SUPERSEDED and rows[new].status == DELIVERED
    assert grade_of(gradebook(demo_stack), ana.sub)["score"] is not None
    assert [p["payload"]["scoreGiven"] for p in posts_of(gradebook(demo_stack), ana.sub)] == [4]


def test_successive_scores_are_a_second_apart_so_moodle_keeps_each(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    for given in (2, 5, 8):
        record(demo_stack, ana, given)
        deliver_until_settled(demo_stack)
    posts = posts_of(gradebook(demo_stack), ana.sub)
    assert [p["status"] for p in posts] == [200, 200, 200]  # no 409
    stamps = [datetime.fromisoformat(p["payload"]["timestamp"]) for p in posts]
    assert all(later - earlier >= timedelta(seconds=1) for earlier, later in zip(stamps, stamps[1:]))
    assert grade_of(gradebook(demo_stack), ana.sub)["score"] == 8 / 10 * gradebook(demo_stack)["line_items"][0]["score_maximum"]


def test_without_a_launch_line_item_one_is_created_then_found_again(demo_stack) -> None:
    """Moodle leaves ``lineitem`` out when a link has several grade items: find by resource link
    id and tag, create when missing, and never create a second one."""
    ana, ben = launch_learners(demo_stack, 2)
    with session_scope(demo_stack.app) as session:
        session.get(ResourceLink, ana.link_pk).ags_lineitem = None
    record(demo_stack, ana, 6)
    deliver_until_settled(demo_stack)
    record(demo_stack, ben, 5)
    deliver_until_settled(demo_stack)
    book = gradebook(demo_stack)
    ours = [i for i in book["line_items"] if i["tag"] == "quiztool-grade"]
    assert len(ours) == 1 and ours[0]["resource_link_id"]
    assert grade_of(book, ana.sub)["score"] is not None and grade_of(book, ben.sub)["score"] is not None
    assert {r.lineitem_url for r in outbox(demo_stack)} == {
        f"{demo_stack.lms_url}/services/{book['course']['id']}/lineitems/{ours[0]['id']}/lineitem?type_id="
        + r.lineitem_url.split("type_id=")[1] for r in outbox(demo_stack)
    }


def test_canvas_gets_the_submission_extension_and_a_resync_keeps_the_original_time(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    set_flavour(demo_stack, "canvas")
    with session_scope(demo_stack.app) as session:
        for platform in session.scalars(select(Platform)):
            platform.product = "canvas"
    submitted = utcnow() - timedelta(days=3)
    record(demo_stack, ana, 6, submitted_at=submitted)
    deliver_until_settled(demo_stack)
    record(demo_stack, ana, 6, submitted_at=submitted, resend=True)  # what a resync records
    deliver_until_settled(demo_stack)
    first, resent = posts_of(gradebook(demo_stack), ana.sub)
    extension = "https://canvas.instructure.com/lti/submission"
    assert first["payload"][extension]["new_submission"] is True
    assert resent["payload"][extension]["new_submission"] is False
    for post in (first, resent):
        assert datetime.fromisoformat(post["payload"][extension]["submitted_at"]) == submitted.replace(
            microsecond=submitted.microsecond // 1000 * 1000)
        assert post["status"] == 200


def test_old_delivered_scores_are_purged_but_the_newest_per_student_stays(demo_stack) -> None:
    from lti_tool.models.grade_sync import FAILED
    from lti_tool.models.grade_sync import ScoreSubmission
    from lti_tool.worker import purge

    ana, ben = launch_learners(demo_stack, 2)
    old_ana = record(demo_stack, ana, 2)
    deliver_until_settled(demo_stack)
    new_ana = record(demo_stack, ana, 3)
    old_ben = record(demo_stack, ben, 4)
    deliver_until_settled(demo_stack)
    with session_scope(demo_stack.app) as session:  # ben's newest score was refused
        refused = ScoreSubmission(resource_link_pk=ben.link_pk, user_pk=ben.user_pk, score_maximum=1,
                                  activity_progress="Completed", grading_progress="FullyGraded",
                                  submitted_at=utcnow(), status=FAILED)
        session.add(refused)
        session.flush()
        refused_id = refused.id
        for row in session.scalars(select(ScoreSubmission)):
            row.updated_at = utcnow() - timedelta(days=400)
    purge(demo_stack.app)
    remaining = {r.id for r in outbox(demo_stack)}
    assert remaining == {new_ana, refused_id}
    assert old_ana < new_ana and old_ben < refused_id


def test_a_line_item_created_earlier_is_found_by_link_and_tag(demo_stack) -> None:
    """The tool forgot where scores went (a restored database): the line item it made is found
    by resource link id and tag instead of a second one being created."""
    from lti_tool.models.grade_sync import ScoreSubmission

    ana, ben = launch_learners(demo_stack, 2)
    with session_scope(demo_stack.app) as session:
        session.get(ResourceLink, ana.link_pk).ags_lineitem = None
    record(demo_stack, ana, 6)
    deliver_until_settled(demo_stack)
    with session_scope(demo_stack.app) as session:
        for row in session.scalars(select(ScoreSubmission)):
            row.lineitem_url = None
    ags_before = stats(demo_stack)["ags_requests"]
    record(demo_stack, ben, 5)
    deliver_until_settled(demo_stack)
    assert stats(demo_stack)["ags_requests"] - ags_before == 2  # GET (found) + score POST
    book = gradebook(demo_stack)
    (ours,) = [i for i in book["line_items"] if i["tag"] == "quiztool-grade"]
    assert {h["line_item_id"] for h in book["history"]} == {ours["id"]}
