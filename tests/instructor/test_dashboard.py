"""The instructor's dashboard against the demo LMS over HTTP: the roster through NRPS paging,
merged with attempts and grade deliveries; one student's attempts; accommodations that change
what the student gets; resending a grade with its original submission time."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

import requests
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.demo_lms import faults
from lti_tool.models.assessment import Attempt
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoUser
from lti_tool.models.grade_sync import ScoreSubmission
from tests.attempts.conftest import attempt_row
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import deliver_all
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk
from tests.attempts.test_policies import take
from tests.instructor.conftest import HtmlForm
from tests.instructor.conftest import instructor
from tests.instructor.conftest import post_form

POOLS = "components:3(single),barriers:3(single)"


def _enrol_learners(stack, count: int) -> None:  # noqa: ANN001
    with session_scope(stack.app) as session:
        for n in range(count):
            user = DemoUser(sub=uuid.uuid4().hex, given_name=f"Learner{n:02d}", family_name="Roster", email=f"l{n}@example.edu")
            session.add(user)
            session.flush()
            session.add(DemoEnrollment(course_id=1, user_id=user.id, role="learner"))


def _nrps_requests(stack) -> int:  # noqa: ANN001
    return requests.get(f"{stack.lms_url}/admin/stats", timeout=10).json()["counters"]["nrps_requests"]


def _rows(page: str) -> dict[str, str]:
    """Dashboard rows by student name: the row's text."""
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]*>([^<]+)</a>(.*?)</tr>", page, re.S)
    return {unescape(name): " ".join(re.sub(r"<[^>]+>", " ", unescape(rest)).split()) for name, rest in rows}


def test_the_roster_comes_through_nrps_paging_and_is_merged_with_attempts(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "attempts": "2", "time_limit": "30", "points": "12"})
    _enrol_learners(demo_stack, 60)  # 63 learners: two pages of 50
    ana = launch(demo_stack, people["learners"][0])
    take(ana, demo_stack, "all")
    ben = launch(demo_stack, people["learners"][1])
    ben.start()
    requests.post(f"{demo_stack.lms_url}/admin/stats/reset", json={}, timeout=10)

    teacher = instructor(demo_stack)
    page = teacher.get("instructor/")
    assert page.status_code == 200
    assert _nrps_requests(demo_stack) == 2  # page 2 came from the Link header (with Moodle's mixed case)
    rows = _rows(page.text)
    assert len(rows) == 63 and "Learner59 Roster" in rows and "Chloé Martin" in rows  # never launched, still listed
    assert rows["Chloé Martin"].startswith("not started 0 of 2")
    assert rows["Ana Lima"].startswith("submitted 1 of 2 6 / 6 12 / 12 queued")
    assert re.match(r"in progress \((29|30) min left\) 1 of 2", rows["Ben Osei"])
    assert "63</strong> students" in page.text and "61</strong> not started" in page.text

    seen = _nrps_requests(demo_stack)
    teacher.get("instructor/")
    assert _nrps_requests(demo_stack) == seen  # cached
    refreshed = teacher.post("instructor/roster")
    assert "The roster was read again from the LMS." in refreshed.text and _nrps_requests(demo_stack) > seen

    deliver_all(demo_stack)
    assert re.search(r"12 / 12 delivered \w{3} \d{1,2}, \d{4}, .* Coordinated Universal Time", _rows(teacher.get("instructor/").text)["Ana Lima"])


def test_the_lms_refusing_the_roster_is_shown_plainly(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS})
    launch(demo_stack, people["learners"][0])
    with session_scope(demo_stack.app) as session:
        faults.set_fault(session, "503", endpoints=["nrps"])
    page = instructor(demo_stack).get("instructor/")
    text = unescape(page.text)
    assert page.status_code == 200
    assert "The LMS did not give the course roster." in text and "answered 503" in text
    assert set(_rows(page.text)) == {"Ana Lima"}  # who launched is still there


def test_extra_time_moves_the_attempt_in_progress_and_an_extra_attempt_opens_another(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "attempts": "1", "time_limit": "10"})
    ana = launch(demo_stack, people["learners"][0])
    attempt_id, _ = ana.start()
    started = attempt_row(demo_stack, attempt_id)
    teacher = instructor(demo_stack)
    user_pk = tool_user_pk(demo_stack, ana)

    refused = teacher.post(f"instructor/students/{user_pk}/accommodation", {"extra_minutes": "-3", "extra_percent": "x"})
    assert refused.status_code == 400
    assert "Extra minutes: a whole number from 0 to 1440." in refused.text and "Extra time in percent: a whole number" in refused.text

    saved = teacher.post(f"instructor/students/{user_pk}/accommodation", {"extra_minutes": "5", "extra_percent": "50", "extra_attempts": "1"})
    assert saved.status_code == 200 and "The attempt in progress now ends" in saved.text
    moved = attempt_row(demo_stack, attempt_id)["deadline_at"]
    assert moved - started["deadline_at"] == timedelta(minutes=10)  # 10 × 1.5 + 5 = 20 minutes from its start
    question = ana.get(f"attempts/{attempt_id}/questions/1")
    assert f'data-deadline="{moved.isoformat()}"' in question.text  # the student's timer shows it

    ana.submit(attempt_id)
    landing = launch(demo_stack, people["learners"][0]).landing.text
    assert "1 used of 2 allowed" in landing and "Start attempt 2" in landing and "with your extra time: 20 minutes" in landing
    second, _ = ana.start()
    row = attempt_row(demo_stack, second)
    assert row["number"] == 2 and row["deadline_at"] is not None
    with session_scope(demo_stack.app) as session:
        attempt = session.get(Attempt, second)
        assert attempt.deadline_at - attempt.started_at == timedelta(minutes=20)
    dashboard = _rows(teacher.get("instructor/").text)["Ana Lima"]
    assert "2 of 2" in dashboard and "+5 min +50% time +1 attempt" in dashboard


def test_a_student_page_shows_answers_and_keys_and_resends_the_grade_with_its_original_time(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS, "attempts": "1", "points": "6"})
    ana = launch(demo_stack, people["learners"][0])
    attempt_id = take(ana, demo_stack, 2)
    submitted_at = attempt_row(demo_stack, attempt_id)["submitted_at"]
    deliver_all(demo_stack)
    teacher = instructor(demo_stack)
    user_pk = tool_user_pk(demo_stack, ana)
    page = teacher.get(f"instructor/students/{user_pk}")
    text = unescape(page.text)
    assert page.status_code == 200 and "Attempt 1: 2 of 6 points" in text
    assert text.count("— their answer") >= 2 and text.count("— correct") == 6 and "Why:" in text
    assert "Question 3: 0 of 1" in text

    resent = post_form(teacher.browser, teacher.base + f"instructor/students/{user_pk}/resend",
                       HtmlForm(page.text, None).fields)
    assert "The grade is queued for the LMS gradebook, with its original submission time." in resent.text
    with session_scope(demo_stack.app) as session:
        newest = session.scalars(select(ScoreSubmission).order_by(ScoreSubmission.id.desc())).first()
        assert newest.resend and newest.score_given == 2 and newest.submitted_at == submitted_at
    deliver_all(demo_stack)
    book = requests.get(f"{demo_stack.lms_url}/course/1/gradebook.json", timeout=10).json()
    graded = [h for h in book["history"] if h["payload"]["gradingProgress"] == "FullyGraded"]
    assert len(graded) == 2 and all(h["status"] == 200 for h in graded)
    assert graded[0]["payload"]["submission"]["submittedAt"] == graded[1]["payload"]["submission"]["submittedAt"]


def test_another_courses_student_is_not_found(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": POOLS})
    teacher = instructor(demo_stack)
    assert teacher.get("instructor/students/999999").status_code == 404


def test_a_newcomer_adds_a_quiz_a_student_takes_it_and_the_dashboard_fills_in(demo_stack, people) -> None:
    from tests.instructor.conftest import demo_link
    from tests.instructor.conftest import open_chooser

    added = open_chooser(demo_stack).submit(title="Newcomer quiz", count__barriers=0, count__comparison=0,
                                            count__phases=0, count__components=2, points=4)
    assert "Activity added to NURS 101" in added.text
    link_id = demo_link(demo_stack, "Newcomer quiz")["id"]
    teacher = instructor(demo_stack, link_id)
    assert _rows(teacher.get("instructor/").text)["Ana Lima"].startswith("not started")
    ana = launch(demo_stack, people["learners"][0], link_id)
    take(ana, demo_stack, "all")
    deliver_all(demo_stack)
    row = _rows(teacher.get("instructor/").text)["Ana Lima"]
    assert row.startswith("submitted 1 of 1 2 / 2 4 / 4 delivered")
    book = requests.get(f"{demo_stack.lms_url}/course/1/gradebook.json", timeout=10).json()
    column = next(item for item in book["line_items"] if item["label"] == "Newcomer quiz")
    assert column["score_maximum"] == 4
    ana_row = next(s for s in book["students"] if s["name"] == "Ana Lima")
    assert ana_row["grades"][str(column["id"])]["score"] == 4
