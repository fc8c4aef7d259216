"""The course roster over NRPS 2.0 from the demo LMS: paging through case-sensitive next links."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select

from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.lti.nrps import RosterUnavailable
from lti_tool.lti.nrps import fetch_roster
from lti_tool.lti.nrps import next_page_url
from lti_tool.models.lti import ResourceLink
from lti_tool.models.platform import Platform
from lti_tool.lti.outbound import OutboundPolicy
from tests.lti.test_platform_flows import Browser

#: The demo LMS is on loopback over http: development mode allows exactly that.
POLICY = OutboundPolicy(development=True)


def _launch_instructor(stack) -> None:  # noqa: ANN001
    browser = Browser()
    browser.go("POST", f"{stack.lms_url}/course/1/whoami", {"user_id": "1", "storage": "0"})
    page = browser.go("GET", f"{stack.lms_url}/course/1/links/1/launch?storage=0")
    assert "Instructor view" in page.text


def _link_and_platform(stack):  # noqa: ANN001, ANN202
    with session_scope(stack.app) as session:
        link = session.scalars(select(ResourceLink)).one()
        platform = session.get(Platform, link.platform_id)
        session.expunge_all()
        return link, platform


def test_roster_pages_through_mixed_case_next_links(demo_stack) -> None:
    _launch_instructor(demo_stack)
    link, platform = _link_and_platform(demo_stack)
    assert "/CourseSection/" in link.nrps_url
    sessions = partial(database(demo_stack.app).sessions)
    roster = fetch_roster(sessions, platform, link.nrps_url, policy=POLICY, page_size=2)
    assert roster.pages == 3  # 5 members, 2 a page: pages 2 and 3 come from Link headers
    names = {m.name for m in roster.members}
    assert {"Ana Lima", "Ben Osei", "Ines Moreau"} <= names
    learners = [m for m in roster.members if m.is_learner]
    assert len(learners) == 3
    again = fetch_roster(sessions, platform, link.nrps_url, policy=POLICY)
    assert again.pages == 1 and len(again.members) == 5


def test_roster_failure_is_a_clear_error(demo_stack) -> None:
    _launch_instructor(demo_stack)
    link, platform = _link_and_platform(demo_stack)
    sessions = partial(database(demo_stack.app).sessions)
    with pytest.raises(RosterUnavailable, match="answered 404"):
        fetch_roster(sessions, platform, link.nrps_url.replace("/CourseSection/", "/coursesection/"), policy=POLICY)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://m.example/CourseSection/2/bindings/3/memberships?page=2>; rel="next"',
         "https://m.example/CourseSection/2/bindings/3/memberships?page=2"),
        ('<https://c.example/a?page=1>; rel="first", <https://c.example/a?page=3>; rel=next', "https://c.example/a?page=3"),
        ('<https://c.example/a?page=1>; rel="prev"', None),
        (None, None),
    ],
)
def test_next_page_url_is_taken_as_sent(header, expected) -> None:
    assert next_page_url(header) == expected
