"""Whole flows against the demo LMS over HTTP: the platform starts them, signs them, receives them.

Nothing here signs a token itself: the demo LMS does, as Canvas or Moodle would.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Assessment
from lti_tool.models.demo_lms import DemoCourse
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from lti_tool.models.demo_lms import DemoUser
from lti_tool.models.platform import Platform


class Browser:
    """Follows redirects and auto-submitting forms the way a browser without JS would.

    ``requests`` refuses to send Secure cookies over http; browsers send them on loopback, so
    cookies are kept per host by hand.
    """

    def __init__(self) -> None:
        self.http = requests.Session()
        self.jar: dict[str, dict[str, str]] = {}

    def _send(self, method: str, url: str, data: dict[str, str] | None = None) -> requests.Response:
        host = urlsplit(url).netloc
        response = self.http.request(method, url, data=data, cookies=self.jar.get(host, {}),
                                     allow_redirects=False, timeout=15)
        self.jar.setdefault(host, {}).update({c.name: c.value for c in response.cookies})
        return response

    def go(self, method: str, url: str, data: dict[str, str] | None = None, max_hops: int = 12) -> requests.Response:
        for _ in range(max_hops):
            response = self._send(method, url, data)
            if response.status_code in (301, 302, 303, 307):
                url = requests.compat.urljoin(url, response.headers["Location"])
                method, data = ("GET", None) if response.status_code != 307 else (method, data)
                continue
            auto_post = 'name="id_token"' in response.text or 'name="JWT"' in response.text
            form_tag = re.search(r"<form\b[^>]*>", response.text)
            action = re.search(r'action="([^"]+)"', form_tag.group(0)) if form_tag else None
            if response.status_code == 200 and auto_post and action:
                url = unescape(action.group(1))
                data = {unescape(n): unescape(v) for n, v in
                        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text)}
                method = "POST"
                continue
            return response
        raise AssertionError("too many redirects")


def _demo(stack, user_role: str) -> tuple[int, int, int]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        course = session.scalars(select(DemoCourse)).first()
        enrollment = session.scalars(
            select(DemoEnrollment).where(DemoEnrollment.course_id == course.id, DemoEnrollment.role == user_role)
        ).first()
        link = session.scalars(select(DemoResourceLink).where(DemoResourceLink.course_id == course.id)).first()
        return course.id, enrollment.user_id, link.id


def _become(browser: Browser, stack, course_id: int, user_id: int) -> None:  # noqa: ANN001
    page = browser.go("POST", f"{stack.lms_url}/course/{course_id}/whoami", {"user_id": str(user_id), "storage": "0"})
    assert page.status_code == 200


def test_student_launch_through_the_demo_lms(demo_stack) -> None:
    course_id, user_id, link_id = _demo(demo_stack, "learner")
    browser = Browser()
    _become(browser, demo_stack, course_id, user_id)
    landing = browser.go("GET", f"{demo_stack.lms_url}/course/{course_id}/links/{link_id}/launch?storage=0")
    assert landing.status_code == 200, landing.text[:800]
    assert landing.url.startswith(demo_stack.tool_url + "/s/")
    assert "Your quiz" in landing.text
    with session_scope(demo_stack.app) as session:
        user = session.get(DemoUser, user_id)
        assert user.given_name in landing.text


def test_instructor_launch_and_the_stored_service_endpoints(demo_stack) -> None:
    from lti_tool.models.lti import ResourceLink

    course_id, user_id, link_id = _demo(demo_stack, "instructor")
    browser = Browser()
    _become(browser, demo_stack, course_id, user_id)
    landing = browser.go("GET", f"{demo_stack.lms_url}/course/{course_id}/links/{link_id}/launch?storage=0")
    assert "Instructor view" in landing.text
    with session_scope(demo_stack.app) as session:
        link = session.scalars(select(ResourceLink)).one()
        assert link.ags_lineitems and link.ags_lineitems.startswith(demo_stack.lms_url)
        assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in link.ags_scopes
        assert link.nrps_url and "/memberships" in link.nrps_url
        assert link.custom.get("pools")


def test_students_cannot_open_instructor_pages(demo_stack) -> None:
    course_id, user_id, link_id = _demo(demo_stack, "learner")
    browser = Browser()
    _become(browser, demo_stack, course_id, user_id)
    landing = browser.go("GET", f"{demo_stack.lms_url}/course/{course_id}/links/{link_id}/launch?storage=0")
    token_path = urlsplit(landing.url).path  # /s/<token>/
    forbidden = browser.go("GET", demo_stack.tool_url + token_path + "deep-link")
    assert forbidden.status_code == 403
    assert "for instructors" in forbidden.text
    bad_token = browser.go("GET", demo_stack.tool_url + "/s/not-a-session/")
    assert bad_token.status_code == 401 and "Go back to your course" in bad_token.text


def test_deep_linking_creates_a_configured_quiz_in_the_course(demo_stack) -> None:
    course_id, user_id, _ = _demo(demo_stack, "instructor")
    with session_scope(demo_stack.app) as session:
        tool_id = session.scalars(select(DemoTool)).first().id
    browser = Browser()
    _become(browser, demo_stack, course_id, user_id)
    chooser = browser.go("GET", f"{demo_stack.lms_url}/course/{course_id}/tools/{tool_id}/deep-link?storage=0")
    assert chooser.status_code == 200 and "Add a quiz" in chooser.text, chooser.text[:500]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', chooser.text).group(1)
    form = {"csrf_token": csrf, "title": "Week 3 quiz", "count.components": "3", "count.phases": "2",
            "count.barriers": "0", "count.comparison": "0", "attempts": "3", "time_limit": "15", "points": "20",
            "grading": "latest", "review": "after_due", "layout": "paged"}
    refused = browser.go("POST", chooser.url, {**form, "count.components": "three"})
    assert refused.status_code == 400 and "a whole number from 0 to" in unescape(refused.text)
    forged = browser.go("POST", chooser.url, {**form, "csrf_token": "forged"})
    assert forged.status_code == 400
    done = browser.go("POST", chooser.url, form)
    assert done.status_code == 200, done.text[:800]
    with session_scope(demo_stack.app) as session:
        link = session.scalars(select(DemoResourceLink).where(DemoResourceLink.title == "Week 3 quiz")).one()
        assessment = session.scalars(select(Assessment).where(Assessment.key == link.custom["assignment"])).one()
        assert assessment.blueprint_text == "components:3, phases:2"
        assert (assessment.attempts_allowed, assessment.grading, assessment.points) == (3, "latest", 20)


def test_dynamic_registration_with_the_demo_lms(demo_stack) -> None:
    browser = Browser()
    admin = browser.go("GET", f"{demo_stack.lms_url}/admin/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.text).group(1)
    page = browser.go("POST", f"{demo_stack.lms_url}/admin/register-by-url",
                      {"registration_url": demo_stack.tool_url + "/lti/register", "csrf_token": csrf})
    frame = re.search(r'src="([^"]+/lti/register\?[^"]+)"', page.text)
    assert frame, page.text[:800]
    register_url = unescape(frame.group(1))
    confirm = browser.go("GET", register_url)
    assert confirm.status_code == 200 and "asks to register this tool" in confirm.text
    form = hidden_fields(confirm.text)
    assert set(form) == {"openid_configuration", "registration_token", "form_token"}
    done = browser.go("POST", demo_stack.tool_url + "/lti/register", form)
    assert done.status_code == 200, done.text[:800]
    assert "registration_close.js" in done.text
    with session_scope(demo_stack.app) as session:
        platforms = session.scalars(select(Platform).where(Platform.issuer == demo_stack.facts["issuer"])).all()
        assert len(platforms) == 2  # the demo's own registration and the new one: same issuer, two client ids
        registered = {t.client_id for t in session.scalars(select(DemoTool))}
        assert {p.client_id for p in platforms} <= registered
    reused = browser.go("POST", demo_stack.tool_url + "/lti/register", form)
    assert reused.status_code == 400 and "refused the registration" in reused.text


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's form, as a browser would post them."""
    return {unescape(name): unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def test_dynamic_registration_explains_bad_input(demo_stack) -> None:
    browser = Browser()
    bare = browser.go("GET", demo_stack.tool_url + "/lti/register")
    assert bare.status_code == 400 and "opened by your LMS" in bare.text
    not_json = browser.go("GET", demo_stack.tool_url + "/lti/register?openid_configuration="
                          + demo_stack.tool_url + "/healthz-missing")
    assert not_json.status_code == 400 and "answered 404" in not_json.text
    wrong_doc = browser.go("GET", demo_stack.tool_url + "/lti/register?openid_configuration="
                           + demo_stack.tool_url + "/lti/jwks")
    assert wrong_doc.status_code == 400 and "issuer" in wrong_doc.text
