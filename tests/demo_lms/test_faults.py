"""Misbehaviour on demand: the tool's failure handling is tested against these."""

from __future__ import annotations

import time

import pytest
import requests

from lti_tool.demo_lms.faults import set_fault


def test_503_for_the_next_n_requests_then_recovery(lms, course) -> None:  # noqa: ANN001
    token = lms.token()
    answer = lms.post(lms.url + "/admin/faults", json={"mode": "503", "count": 2})
    assert answer.json() == {"mode": "503", "count": 2, "retry_after": None, "delay": None, "endpoints": ["token", "ags"]}
    assert [lms.get(course.lineitems_url, token).status_code for _ in range(3)] == [503, 503, 200]
    assert lms.get(lms.url + "/admin/faults").json()["mode"] == "none"


def test_429_carries_retry_after(lms, course) -> None:  # noqa: ANN001
    token = lms.token()
    lms.post(lms.url + "/admin/faults", json={"mode": "429", "retry_after": 7}).raise_for_status()
    for _ in range(2):  # no count: until changed
        response = lms.get(course.lineitems_url, token)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
    lms.post(lms.url + "/admin/faults", json={"mode": "none"}).raise_for_status()
    assert lms.get(course.lineitems_url, token).status_code == 200


def test_canvas_rate_limit_answer(lms, course) -> None:  # noqa: ANN001
    token = lms.token()
    lms.post(lms.url + "/admin/faults", json={"mode": "403_rate_limit", "count": 1}).raise_for_status()
    response = lms.get(course.lineitems_url, token)
    assert response.status_code == 403
    assert response.text == "403 Forbidden (Rate Limit Exceeded)"
    assert response.headers["X-Rate-Limit-Remaining"] == "0.0"
    assert lms.get(course.lineitems_url, token).status_code == 200


def test_token_endpoint_faults_and_endpoint_selection(lms, course) -> None:  # noqa: ANN001
    token = lms.token()
    lms.post(lms.url + "/admin/faults", json={"mode": "503", "endpoints": ["token"]}).raise_for_status()
    assert lms.request_token().status_code == 503
    assert lms.get(course.lineitems_url, token).status_code == 200
    assert lms.get(course.memberships_url, token).status_code == 200


def test_unreachable_drops_the_connection(lms, course) -> None:  # noqa: ANN001
    token = lms.token()
    lms.post(lms.url + "/admin/faults", json={"mode": "unreachable", "count": 1, "endpoints": ["ags"]}).raise_for_status()
    with pytest.raises(requests.ConnectionError):
        requests.get(course.lineitems_url, headers={"Authorization": f"Bearer {token}", "User-Agent": "t"}, timeout=5)
    assert lms.get(course.lineitems_url, token).status_code == 200


def test_slow_answers_after_the_delay(lms, course) -> None:  # noqa: ANN001
    token = lms.token()
    lms.post(lms.url + "/admin/faults", json={"mode": "slow", "delay": 0.6, "count": 1}).raise_for_status()
    started = time.monotonic()
    assert lms.get(course.lineitems_url, token).status_code == 200
    assert time.monotonic() - started >= 0.6
    with pytest.raises(requests.Timeout):
        lms.post(lms.url + "/admin/faults", json={"mode": "slow", "delay": 2, "count": 1}).raise_for_status()
        lms.http.get(course.lineitems_url, headers={"Authorization": f"Bearer {token}", "User-Agent": "t"}, timeout=0.5)


@pytest.mark.parametrize(
    "body",
    [{"mode": "explode"}, {"mode": "503", "count": 0}, {"mode": "slow"}, {"mode": "429", "endpoints": ["everything"]}, {}],
)
def test_bad_fault_settings_are_400(lms, body) -> None:  # noqa: ANN001
    response = lms.post(lms.url + "/admin/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error_description"]


def test_python_helper_for_tests(lms, course) -> None:  # noqa: ANN001
    token = lms.token()
    with lms.db() as session:
        set_fault(session, "503", count=1, endpoints=["ags"])
    assert lms.get(course.lineitems_url, token).status_code == 503
    assert lms.get(course.lineitems_url, token).status_code == 200
    assert lms.get(lms.url + "/admin/stats").json()["counters"]["faults_injected"] == 1
