"""Every instructor route refuses a student with 403, GET and POST alike (with a valid CSRF
token, so the role check is what refuses); an instructor of the course gets through. Routes are
read from the app's URL map: a route added without the role check fails this test."""

from __future__ import annotations

from tests.attempts.conftest import configure_link
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk
from tests.instructor.conftest import instructor

INSTRUCTOR_BLUEPRINTS = ("instructor", "builder")


def _instructor_routes(app) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(endpoint, method, path under /s/<token>/) for every route of the instructor blueprints."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in INSTRUCTOR_BLUEPRINTS:
            continue
        path = rule.rule.split("/s/<token>/", 1)[1]
        path = path.replace("<int:user_pk>", "{user}").replace("<item_id>", "comp-001")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path))
    return routes


def test_every_instructor_route_answers_403_to_a_student(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:2", "attempts": "2"})
    student = launch(demo_stack, people["learners"][0])
    student.start()
    user = tool_user_pk(demo_stack, student)
    routes = _instructor_routes(demo_stack.app)
    assert len(routes) >= 20 and {e.split(".")[0] for e, _, _ in routes} == set(INSTRUCTOR_BLUEPRINTS)
    answers = {}
    for endpoint, method, path in routes:
        url = student.base + path.format(user=user)
        if method == "GET":
            response = student.browser.http.get(url, allow_redirects=False, timeout=15)
        else:
            response = student.browser.http.post(url, data={"csrf_token": student.csrf, "title": "x"},
                                                 allow_redirects=False, timeout=15)
        answers[(endpoint, method)] = response.status_code
    assert {key: status for key, status in answers.items() if status != 403} == {}
    teacher = instructor(demo_stack)
    for path in ("instructor/", f"instructor/students/{user}", "instructor/analysis", "instructor/bank", "settings"):
        assert teacher.get(path).status_code == 200, path
