"""What a launch leaves in the database: the user, course, resource link and membership (and a
deployment seen for the first time).

``record_launch`` reads the four rows in one query and writes only what changed, with upserts;
these tests hold it to what the pages and grade delivery rely on, on both databases.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool import create_app
from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.lti.tool_conf import DatabaseToolConf
from lti_tool.models.lti import Context
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import Membership
from lti_tool.models.lti import ResourceLink
from lti_tool.models.lti import ToolSession
from lti_tool.models.platform import Deployment
from lti_tool.services import identity
from lti_tool.services.identity import AgsEndpoint
from lti_tool.services.identity import LaunchContext
from lti_tool.services.platforms import add_platform

LIFETIME = identity.SessionLifetime(idle=timedelta(hours=1), maximum=timedelta(hours=8))


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({"ENV": "development", "TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url})
    with app.app_context(), session_scope(app) as session:
        app.config["PLATFORM_PK"] = add_platform(session, {
            "issuer": "https://moodle.example.edu", "client_id": "abc", "auth_login_url": "https://moodle.example.edu/a",
            "auth_token_url": "https://moodle.example.edu/t", "key_set_url": "https://moodle.example.edu/k",
            "deployment_ids": ["1"],
        }).id
    yield app
    database(app).dispose()


def launch_of(app: Flask, **changes: object) -> LaunchContext:
    base = LaunchContext(
        platform_pk=app.config["PLATFORM_PK"], issuer="https://moodle.example.edu", client_id="abc", deployment_id="1",
        message_type="LtiResourceLinkRequest", launch_id="launch-1", sub="student-7", name="Ada Lovelace",
        email="ada@example.edu", roles=("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",),
        is_instructor=False, is_learner=True, context_id="course-1", context_title="Nursing 101",
        context_label="N101", resource_link_id="link-1", resource_link_title="Quiz 1",
        custom={"pools": "components:5"}, ags=AgsEndpoint("https://lms/li/1", "https://lms/li", ("scope-a",)),
        nrps_url="https://lms/nrps",
    )
    return replace(base, **changes)


def record(app: Flask, launch: LaunchContext) -> str:
    with app.app_context(), session_scope(app) as session:
        return identity.record_launch(session, launch, LIFETIME).token


def stored(app: Flask) -> dict[str, list]:
    with app.app_context(), session_scope(app) as session:
        return {
            "users": [(u.sub, u.name, u.email) for u in session.scalars(select(LtiUser))],
            "contexts": [(c.context_id, c.title, c.label) for c in session.scalars(select(Context))],
            "links": [(link.resource_link_id, link.title, link.custom, link.ags_lineitem, link.ags_scopes, link.nrps_url)
                      for link in session.scalars(select(ResourceLink))],
            "memberships": [(m.roles, m.is_instructor, m.is_learner) for m in session.scalars(select(Membership))],
            "sessions": list(session.scalars(select(ToolSession.user_id))),
        }


def run_together(body: Callable[[], None], count: int) -> list[str]:
    """Run ``body`` in ``count`` threads at once (it lines them up itself); the errors raised."""
    failures: list[str] = []

    def guarded() -> None:
        try:
            body()
        except Exception as error:  # noqa: BLE001 - returned to the test, which shows it
            failures.append(repr(error))

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_first_launch_records_everything_and_opens_a_session(app: Flask) -> None:
    token = record(app, launch_of(app))
    rows = stored(app)
    assert rows["users"] == [("student-7", "Ada Lovelace", "ada@example.edu")]
    assert rows["contexts"] == [("course-1", "Nursing 101", "N101")]
    assert rows["links"] == [("link-1", "Quiz 1", {"pools": "components:5"}, "https://lms/li/1", ["scope-a"], "https://lms/nrps")]
    assert rows["memberships"] == [(["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], False, True)]
    with app.app_context(), session_scope(app) as session:
        opened = identity.find_session(session, token)
        assert opened is not None and opened.resource_link_pk is not None and opened.context_pk is not None


def test_a_relaunch_keeps_what_the_platform_withheld_and_takes_what_changed(app: Flask) -> None:
    record(app, launch_of(app))
    record(app, launch_of(app, name=None, email=None, context_title=None, resource_link_title=None,
                          custom={"pools": "barriers:3"}, ags=None, nrps_url=None,
                          roles=("Instructor",), is_instructor=True, is_learner=False))
    rows = stored(app)
    assert rows["users"] == [("student-7", "Ada Lovelace", "ada@example.edu")]
    assert rows["contexts"] == [("course-1", "Nursing 101", "N101")]
    # new custom parameters reconfigure the quiz; endpoints not sent this time are kept
    assert rows["links"] == [("link-1", "Quiz 1", {"pools": "barriers:3"}, "https://lms/li/1", ["scope-a"], "https://lms/nrps")]
    assert rows["memberships"] == [(["Instructor"], True, False)]
    assert len(rows["sessions"]) == 2


def test_a_launch_without_course_or_link_records_only_the_user(app: Flask) -> None:
    record(app, launch_of(app, context_id=None, resource_link_id=None))
    rows = stored(app)
    assert len(rows["users"]) == 1 and rows["contexts"] == [] and rows["links"] == [] and rows["memberships"] == []


def test_simultaneous_first_launches_of_one_person_all_succeed_with_one_row_each(app: Flask) -> None:
    """Several workers handling one student's double-clicked first launch: no 500, no duplicate."""
    barrier = threading.Barrier(4)

    def launch() -> None:
        barrier.wait()
        record(app, launch_of(app))

    assert run_together(launch, 4) == []
    rows = stored(app)
    assert (len(rows["users"]), len(rows["contexts"]), len(rows["links"]), len(rows["memberships"])) == (1, 1, 1, 1)
    assert len(rows["sessions"]) == 4


def test_simultaneous_first_launches_through_a_new_deployment_record_it_once(app: Flask) -> None:
    """A course's first students arriving together through a deployment never seen before: each
    launch gets the one deployment row (recorded by exactly one of them), none a 500."""
    barrier, outcomes = threading.Barrier(4), []

    def first_launch() -> None:
        with app.app_context():
            session = database(app).relaxed_sessions()  # as the launch view's session
            try:
                conf = DatabaseToolConf(session)
                platform = conf.platform("https://moodle.example.edu", "abc", "new-7")
                assert platform is not None and conf.deployment(platform, "new-7") is None
                barrier.wait()  # all four found nothing: now they race to record it
                row, recorded = conf.record_deployment(platform, "new-7", approved=True)
                outcomes.append((row.deployment_id, row.approved, recorded))
                session.commit()
            finally:
                session.close()

    assert run_together(first_launch, 4) == []
    assert sorted(recorded for _, _, recorded in outcomes) == [False, False, False, True]
    assert {name for name, _, _ in outcomes} == {"new-7"} and all(approved for _, approved, _ in outcomes)
    with app.app_context(), session_scope(app) as session:
        assert session.scalars(select(Deployment.deployment_id).order_by(Deployment.deployment_id)).all() == ["1", "new-7"]
