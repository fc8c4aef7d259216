"""NRPS 2.0: the roster, paged with a case-sensitive next link, filtered by role."""

from __future__ import annotations

from lti_tool.demo_lms.setup import NRPS_READONLY

MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def test_roster_pages_follow_the_exact_next_link(lms, course) -> None:  # noqa: ANN001
    token = lms.token(scope=NRPS_READONLY)
    assert "/CourseSection/" in course.memberships_url
    first = lms.get(course.memberships_url, token, params={"limit": 2})
    assert first.status_code == 200
    assert first.headers["Content-Type"] == MEMBERSHIPS
    body = first.json()
    assert body["context"]["label"] == "NURS 101"
    assert len(body["members"]) == 2
    next_url = first.links["next"]["url"]
    assert "/CourseSection/" in next_url
    lowercased = lms.get(next_url.lower(), token)
    assert lowercased.status_code == 404
    seen = [m["user_id"] for m in body["members"]]
    url = next_url
    while url:
        page = lms.get(url, token)
        assert page.status_code == 200
        seen += [m["user_id"] for m in page.json()["members"]]
        url = page.links.get("next", {}).get("url")
    everyone = lms.get(course.memberships_url, token).json()["members"]
    assert seen == [m["user_id"] for m in everyone]
    assert len(everyone) == 5
    ana = next(m for m in everyone if m["given_name"] == "Ana")
    assert ana["status"] == "Active" and ana["roles"] == [LEARNER] and ana["email"].endswith("@example.edu")


def test_role_filter_accepts_full_uris_and_short_names(lms, course) -> None:  # noqa: ANN001
    token = lms.token(scope=NRPS_READONLY)
    by_uri = lms.get(course.memberships_url, token, params={"role": LEARNER}).json()["members"]
    by_name = lms.get(course.memberships_url, token, params={"role": "Learner"}).json()["members"]
    assert {m["user_id"] for m in by_uri} == {m["user_id"] for m in by_name} == set(course.students)
    instructors = lms.get(course.memberships_url, token, params={"role": "Instructor"}).json()["members"]
    assert [m["user_id"] for m in instructors] == [course.instructor]


def test_roster_needs_the_nrps_scope(lms, course) -> None:  # noqa: ANN001
    ags_only = lms.token(scope="https://purl.imsglobal.org/spec/lti-ags/scope/score")
    assert lms.get(course.memberships_url, ags_only).status_code == 401
    assert lms.get(course.memberships_url).status_code == 401


def test_privacy_options_withhold_names_and_email(lms, course) -> None:  # noqa: ANN001
    lms.post(lms.url + "/admin/settings", json={"launch_options": {"include_name": False, "include_email": False}}).raise_for_status()
    members = lms.get(course.memberships_url, lms.token(scope=NRPS_READONLY)).json()["members"]
    assert all(set(m) == {"status", "user_id", "roles"} for m in members)
