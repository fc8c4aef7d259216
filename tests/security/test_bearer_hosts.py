"""Access tokens go only to hosts of the platform's registration. AGS and NRPS URLs arrive in
launches and in the platform's Link headers; a URL on any other host gets no token."""

from __future__ import annotations

import re
from functools import partial

import pytest
from sqlalchemy import select

from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.models.grade_sync import ScoreSubmission
from lti_tool.models.platform import Platform
from tests.attempts.conftest import Student
from tests.attempts.conftest import deliver_all
from tests.lti.test_platform_flows import Browser
from tests.security.fake_lms import FakeLms

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def student_with_grades_to(stack, lineitem: str | None, lineitems: str | None) -> Student:  # noqa: ANN001
    """A launch the platform signed (its real key) whose AGS claim names these URLs."""
    driver = stack.driver()
    login = driver.login()
    # A link needs an assignment before students can start (custom parameters configure one).
    claims = driver.claims(login, claim_custom={"pools": "components:2"},
                           **{AGS: {"scope": [SCORE, LINEITEM], "lineitem": lineitem, "lineitems": lineitems}})
    landed = driver.post_launch(login, stack.sign(claims))
    assert landed.status_code == 303, landed.text[:500]
    base = re.match(r"(.*/s/[^/]+/)", stack.tool_url + landed.headers["Location"]).group(1)
    browser = Browser()
    return Student(browser, base, browser.go("GET", base), 0, stack.app)


@pytest.mark.parametrize("claim", ["lineitem", "lineitems"])
def test_a_grade_is_not_posted_with_a_token_to_a_foreign_host(demo_stack, live_server, claim) -> None:  # noqa: ANN001
    thief = FakeLms().start(live_server)
    urls = {"lineitem": None, "lineitems": None, claim: thief.url.replace("127.0.0.1", "localhost") + "/lineitems/1"}
    student = student_with_grades_to(demo_stack, urls["lineitem"], urls["lineitems"])
    attempt_id, _ = student.start()
    assert student.submit(attempt_id).status_code == 200
    deliver_all(demo_stack, passes=3)
    assert thief.received == []  # not even a request without the token
    with session_scope(demo_stack.app) as session:
        row = session.scalars(select(ScoreSubmission).where(ScoreSubmission.score_given.is_not(None))).one()
        assert row.status == "failed"
        assert "is not a host of this platform's registration" in row.last_error
        assert "--add-host localhost:" in row.last_error


def test_a_host_the_admin_adds_receives_the_grade(demo_stack, live_server) -> None:  # noqa: ANN001
    """The remedy the message names works: once the host is the platform's, the token goes."""
    from lti_tool.services import platforms

    lms = FakeLms().start(live_server)
    other_host = lms.url.replace("127.0.0.1", "localhost")
    with session_scope(demo_stack.app) as session:
        platform = platforms.find_platform(session, demo_stack.facts["issuer"], demo_stack.facts["client_id"])
        platforms.update_platform(session, platform.id, {"add_hosts": [other_host.split("//", 1)[1]]})
    student = student_with_grades_to(demo_stack, other_host + "/lineitems/1", None)
    attempt_id, _ = student.start()
    student.submit(attempt_id)
    deliver_all(demo_stack, passes=3)
    assert [r.path for r in lms.bearer_requests] == ["/lineitems/1/scores"]


def test_a_roster_is_not_asked_of_a_foreign_host_nor_followed_there(demo_stack, live_server) -> None:  # noqa: ANN001
    from lti_tool.lti.nrps import RosterUnavailable
    from lti_tool.lti.nrps import fetch_roster
    from lti_tool.lti.outbound import OutboundPolicy

    lms, thief = FakeLms().start(live_server), FakeLms().start(live_server)
    thief_url = thief.url.replace("127.0.0.1", "localhost")
    with session_scope(demo_stack.app) as session:
        platform = Platform(issuer=lms.url, client_id="c", auth_login_url=lms.url + "/auth",
                            auth_token_url=lms.url + "/token", key_set_url=lms.url + "/jwks")
        session.add(platform)
        session.flush()
        session.expunge(platform)
    sessions = partial(database(demo_stack.app).sessions)
    policy = OutboundPolicy(development=True)
    with pytest.raises(RosterUnavailable, match="not a host of this platform"):
        fetch_roster(sessions, platform, thief_url + "/memberships", policy=policy)
    lms.next_page = thief_url + "/memberships?page=2"
    with pytest.raises(RosterUnavailable, match="not a host of this platform"):
        fetch_roster(sessions, platform, lms.url + "/memberships", policy=policy)
    assert [r.path for r in lms.bearer_requests] == ["/memberships"]  # its own page, with its token
    assert thief.received == []
