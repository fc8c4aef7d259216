"""What a student can see and change: only their own attempts, never a key before submitting,
never an answer shape the item did not offer, never a POST without the CSRF token."""

from __future__ import annotations

import json
import re
from html import unescape

import requests

from lti_tool.db import session_scope
from lti_tool.models.assessment import Attempt
from tests.attempts.conftest import attempt_row
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch

MIXED = {"pools": "components:3,barriers:3,comparison:3,phases:3", "attempts": "2"}


def secrets_of(stack, attempt_id: int) -> list[str]:  # noqa: ANN001
    """Every rationale of every drawn item: text that must not reach the browser before submit."""
    with session_scope(stack.app) as session:
        attempt = session.get(Attempt, attempt_id)
        found = []
        for entry in attempt.items.values():
            data = entry["data"]
            found.append(data["rationale"])
            for name in ("options", "premises", "responses", "statements", "categories"):
                found += [c["rationale"] for c in data.get(name, []) if c.get("rationale")]
        return [text for text in found if len(text) > 12]


def assert_no_secrets(body: str, secrets: list[str]) -> None:
    text = unescape(body)
    for secret in secrets:
        assert secret not in text, f"a rationale reached the browser: {secret[:60]}"
    for marker in ("is_key", '"key"', "rationale", "data-key"):
        assert marker not in text, f"{marker} in a pre-submission response"


def test_no_key_or_rationale_before_submission_in_any_html_or_json(demo_stack, people) -> None:
    configure_link(demo_stack, MIXED)
    student = launch(demo_stack, people["learners"][0])
    attempt_id, first = student.start()
    secrets = secrets_of(demo_stack, attempt_id)
    assert secrets
    keys = correct_responses(demo_stack, attempt_id)
    bodies = [student.landing.text, first.text]
    for number in keys:
        bodies.append(student.get(f"attempts/{attempt_id}/questions/{number}").text)
    bodies.append(student.get(f"attempts/{attempt_id}/questions").text)
    for number, response in keys.items():
        saved = student.autosave(attempt_id, number, response)
        assert saved.status_code == 200
        assert set(saved.json()) == {"saved", "slot", "answered", "saved_at", "revision"}
        bodies.append(saved.text)
    bodies.append(student.autosave(attempt_id, 1, "zz").text)  # an error answer
    bodies.append(student.get(f"attempts/{attempt_id}/confirm").text)
    bodies.append(student.get(f"attempts/{attempt_id}/results").text)  # redirects to confirm
    bodies.append(launch(demo_stack, people["learners"][0]).landing.text)
    for body in bodies:
        assert_no_secrets(body, secrets)
    assert attempt_row(demo_stack, attempt_id)["state"] == "in_progress"
    after = student.submit(attempt_id)
    assert any(secret in unescape(after.text) for secret in secrets)  # review after submit shows them


def test_a_student_cannot_see_or_change_another_students_attempt(demo_stack, people) -> None:
    configure_link(demo_stack, MIXED)
    ana = launch(demo_stack, people["learners"][0])
    ben = launch(demo_stack, people["learners"][1])
    attempt_id, _ = ana.start()
    keys = correct_responses(demo_stack, attempt_id)
    for path in (f"attempts/{attempt_id}/questions/1", f"attempts/{attempt_id}/questions",
                 f"attempts/{attempt_id}/confirm", f"attempts/{attempt_id}/results"):
        assert ben.get(path).status_code == 404
    assert ben.autosave(attempt_id, 1, keys[1]).status_code == 404
    assert ben.post(f"attempts/{attempt_id}/submit").status_code == 404
    assert ben.post_multi(f"attempts/{attempt_id}/questions", [("shown", "1"), ("q1", "a")]).status_code == 404
    assert attempt_row(demo_stack, attempt_id)["state"] == "in_progress"
    # Ben's own attempt is a different one, and Ana cannot reach it either
    ben_attempt, _ = ben.start()
    assert ben_attempt != attempt_id
    assert ana.get(f"attempts/{ben_attempt}/questions/1").status_code == 404
    # students cannot open the instructor's results
    assert ana.get("instructor/results").status_code == 403


def test_posts_without_the_csrf_token_are_refused(demo_stack, people) -> None:
    configure_link(demo_stack, MIXED)
    student = launch(demo_stack, people["learners"][0])
    refused = student.browser.go("POST", student.base + "start", {})
    assert refused.status_code == 400 and "out of date" in refused.text
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    assert student.autosave(attempt_id, 1, keys[1], csrf="forged").status_code == 400
    forged = student.browser.go("POST", f"{student.base}attempts/{attempt_id}/submit", {"csrf_token": "x"})
    assert forged.status_code == 400
    assert attempt_row(demo_stack, attempt_id)["state"] == "in_progress"


def test_bad_answer_payloads_get_400_with_a_message(demo_stack, people) -> None:
    configure_link(demo_stack, MIXED)
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    single = next(n for n, r in keys.items() if isinstance(r, str))
    placing = next((n for n, r in keys.items() if isinstance(r, dict)), None)
    cases = [
        (student.autosave(attempt_id, single, "no-such-option"), "not one of this question's options"),
        (student.autosave(attempt_id, 99, "a"), "does not exist"),
        (student.autosave(attempt_id, single, {"a": "b"}), "question"),
        (student.autosave(attempt_id, 0, "a"), "slot"),
        (student.autosave(attempt_id, 1, None, raw="not json"), "JSON"),
        (student.autosave(attempt_id, 1, None, raw=json.dumps({"slot": 1, "response": "a", "key": "a"})), "key"),
        (student.autosave(attempt_id, 1, None, raw=json.dumps({"slot": "1", "response": "a"})), "slot"),
    ]
    if placing is not None:
        cases.append((student.autosave(attempt_id, placing, {"no-such-row": "x"}), "not one of this question's"))
    for response, words in cases:
        assert response.status_code == 400, response.text
        assert words in response.json()["error"], response.json()
    # the plain form path: a damaged form gets a page with the message, not a 500
    page = student.post_multi(f"attempts/{attempt_id}/questions", [("shown", str(single)), (f"q{single}", "zzz")])
    assert page.status_code == 400 and "not one of this question" in unescape(page.text)
    for shown in ("x", "999", "0"):
        junk = student.post_multi(f"attempts/{attempt_id}/questions", [("shown", shown), ("q1", "a")])
        assert junk.status_code == 400 and "Reload the page" in junk.text, (shown, junk.status_code)
    assert student.post_multi(f"attempts/{attempt_id}/questions", [("go", "2")]).status_code == 400
    assert requests.get(f"{student.base}attempts/{attempt_id}/questions/999", timeout=10).status_code == 404
    assert re.search(r"Question \d+ of 12", student.get(f"attempts/{attempt_id}/questions/1").text)
