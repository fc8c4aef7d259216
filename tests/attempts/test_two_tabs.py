"""One attempt open in two windows: a save carries the revision of the answer its page showed, and
a save over an answer saved since in the other window is refused (409, said in words), by
autosave and by the plain form alike; a window whose attempt was submitted elsewhere says so."""

from __future__ import annotations

import re
from html import unescape

from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch
from tests.attempts.conftest import wrong_response


def _revision(html: str, slot: int) -> int:
    found = re.search(rf'name="rev" value="(\d+)" data-slot="{slot}"', html)
    assert found, html[:400]
    return int(found.group(1))


def test_a_save_over_an_answer_saved_in_another_window_is_refused(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:2(single)", "attempts": "1"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id, first_page = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    wrong = wrong_response(demo_stack, attempt_id, 1)
    assert _revision(first_page.text, 1) == 0  # both windows showed "no answer yet"

    window_a = student.autosave(attempt_id, 1, keys[1], revision=0)
    assert window_a.status_code == 200 and window_a.json()["revision"] == 1
    window_b = student.autosave(attempt_id, 1, wrong, revision=0)
    assert window_b.status_code == 409
    body = window_b.json()
    assert body["changed"] is True and body["slot"] == 1 and body["revision"] == 1
    assert body["error"].startswith("This attempt changed in another window: question 1")
    again_a = student.autosave(attempt_id, 1, keys[1], revision=1)  # the window that saw it goes on
    assert again_a.status_code == 200 and again_a.json()["revision"] == 2
    assert student.autosave(attempt_id, 1, wrong).status_code == 200  # no revision (an old page): saved

    # The plain form: the stale question is not saved and the page shows what the other window
    # saved, with the reason; the page's other question is saved.
    stale = student.post_multi(f"attempts/{attempt_id}/questions", [
        ("shown", "1"), ("rev", "0"), ("q1", keys[1]), ("shown", "2"), ("rev", "0"), ("q2", keys[2]), ("go", "confirm")])
    assert stale.status_code == 409
    text = unescape(stale.text)
    assert "This attempt changed in another window: question 1 was saved there" in text
    assert _revision(stale.text, 1) == 3 and _revision(stale.text, 2) == 1
    assert re.search(rf'value="{wrong}"\s+checked', stale.text)  # the other window's answer, shown

    reloaded = student.get(f"attempts/{attempt_id}/questions/1?changed=1")
    assert "This attempt changed in another window: question 1 now shows the answer saved there" in unescape(reloaded.text)
    state = student.get(f"attempts/{attempt_id}/state").json()
    assert state == {"open": True, "revisions": {"1": 3, "2": 1}}

    student.submit(attempt_id)  # in window A
    closed = student.autosave(attempt_id, 2, keys[2], revision=1)  # window B saves
    assert closed.status_code == 409 and closed.json()["closed"] is True
    assert "submitted (in another window or tab" in closed.json()["error"]
    results = student.get(closed.json()["results_url"].split("/s/", 1)[1].split("/", 1)[1])
    assert "This attempt is already submitted (perhaps in another window or tab)" in unescape(results.text)
    assert student.get(f"attempts/{attempt_id}/state").json()["open"] is False
