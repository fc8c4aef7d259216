"""Item analysis on a fixed set of attempts (against values worked out by hand), its CSV exports,
and regrades that reach the demo LMS's gradebook with the original submission times.

The attempts are given fixed forms (three single-answer questions A, B, C of the shipped bank)
and fixed answers through the attempts service, then submitted by it; everything the instructor
does happens over HTTP.

Right (1) or wrong (0) per student, and the hand-computed statistics (item-rest correlation):

    student  A B C  total    A: facility .5,  rest [2,1,1,1] -> r = .5 / sqrt(.75)  =  0.5774
    s1       1 1 1  3        B: facility .75, rest [2,1,0,1] -> r = 0 / ...          =  0
    s2       1 1 0  2        C: facility .5,  rest [2,2,1,0] -> r = -.5 / sqrt(2.75) = -0.3015
    s3       0 1 0  1
    s4       0 0 1  1        scores 100%, 67%, 33%, 33%: bands 30-40% (2), 60-70% (1), 90-100% (1)
"""

from __future__ import annotations

import csv
import io
import math
from datetime import timedelta
from html import unescape

import pytest
import requests
from sqlalchemy import delete
from sqlalchemy import select

import question_bank
from lti_tool.db import session_scope
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.assessment import AttemptSlotScore
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoEnrollment
from lti_tool.models.demo_lms import DemoUser
from lti_tool.models.grade_sync import ScoreSubmission
from lti_tool.services import attempts as attempts_service
from lti_tool.services.assessments import shipped_bank
from question_bank.model import ItemType
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import deliver_all
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk
from tests.instructor.conftest import instructor

RIGHT = [(1, 1, 1), (1, 1, 0), (0, 1, 0), (0, 0, 1)]


def _items() -> list[question_bank.Item]:
    singles = [i for i in shipped_bank().pools["components"].items if i.type is ItemType.SINGLE]
    return singles[:3]


def _wrong(item: question_bank.Item) -> str:
    return next(o.id for o in item.body.options if o.id != item.body.key)


def _fixed_attempts(stack, people) -> dict[str, int]:  # noqa: ANN001
    """Four students, each with one submitted attempt at A, B, C answered as RIGHT says."""
    with session_scope(stack.app) as session:
        extra = DemoUser(sub="s4-" + "0" * 8, given_name="Dana", family_name="Fourth", email="dana@example.edu")
        session.add(extra)
        session.flush()
        session.add(DemoEnrollment(course_id=1, user_id=extra.id, role="learner"))
        extra_id = extra.id
    students = [launch(stack, lms_id) for lms_id in [*people["learners"], extra_id]]
    items = _items()
    ids = {}
    base = utcnow() - timedelta(days=2)
    with session_scope(stack.app) as session:
        assessment = session.scalars(select(Assessment)).one()
        for n, (student, right) in enumerate(zip(students, RIGHT)):
            form = question_bank.Form(f"fixed-{n}", tuple(
                question_bank.FormSlot(i.id, i.version, i.pool, question_bank.layout_for(i, f"fixed-{n}")) for i in items))
            attempt = Attempt(assessment_id=assessment.id, user_id=tool_user_pk(stack, student), number=1, seed=form.seed,
                              form=form.to_json(), items={i.ref: {"pool": i.pool, "data": attempts_service._snapshot(i)} for i in items},
                              started_at=base + timedelta(hours=n))
            session.add(attempt)
            session.flush()
            for slot, (item, ok) in enumerate(zip(items, right), start=1):
                attempts_service.save_answer(session, attempt, slot, item.body.key if ok else _wrong(item),
                                             now=base + timedelta(hours=n, minutes=5))
            attempts_service.submit(session, attempt, now=base + timedelta(hours=n, minutes=10))
            ids[student.base] = attempt.id
    return ids


def test_item_statistics_on_fixed_attempts_equal_the_hand_computed_values_and_the_csv_parses(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:3(single)", "points": "3"})
    _fixed_attempts(demo_stack, people)
    teacher = instructor(demo_stack)
    page = teacher.get("instructor/analysis")
    assert page.status_code == 200
    text = unescape(page.text)
    assert "4 submitted attempts by 4 students; mean score 58%" in text
    assert "<title id=\"chart-title\">Attempts by score</title>" in page.text and "30–40%: 2" in text

    items = _items()
    rows = list(csv.DictReader(io.StringIO(teacher.get("instructor/analysis/items.csv").text.lstrip("\ufeff"))))
    by_id = {row["item"]: row for row in rows}
    assert set(by_id) == {i.id for i in items}
    a, b, c = (by_id[i.id] for i in items)
    assert (float(a["facility"]), float(b["facility"]), float(c["facility"])) == (0.5, 0.75, 0.5)
    assert float(a["discrimination"]) == pytest.approx(0.5 / math.sqrt(0.75), abs=1e-4)
    assert float(b["discrimination"]) == pytest.approx(0.0, abs=1e-9)
    assert float(c["discrimination"]) == pytest.approx(-0.5 / math.sqrt(2.75), abs=1e-4)
    assert "Negative discrimination" in c["flags"] and "Negative discrimination" not in a["flags"]
    key_a = items[0].body.key
    options = a["options (chosen; * = key)"]
    assert f"{key_a}*: 2" in options and f"{_wrong(items[0])}: 2" in options
    assert "Nobody chose" in a["flags"]  # A has options no one picked

    with session_scope(demo_stack.app) as session:  # attempts scored before their slot scores were kept
        session.execute(delete(AttemptSlotScore))
    again = list(csv.DictReader(io.StringIO(teacher.get("instructor/analysis/items.csv").text.lstrip("\ufeff"))))
    assert again == rows  # the same statistics, from the responses scored again

    results = list(csv.DictReader(io.StringIO(teacher.get("instructor/results.csv").text.lstrip("\ufeff"))))
    kept = {row["student"]: row["kept grade"] for row in results}
    assert kept["Ana Lima"] == "3" and kept["Ben Osei"] == "2" and kept["Dana Fourth"] == "1"
    assert all(row["points possible"] == "3" and row["status"] == "submitted" for row in results if row["student"] != "Chloé Martin")


def test_accepting_another_answer_rescores_and_sends_only_the_changed_grades_with_their_original_times(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:3(single)", "points": "3"})
    _fixed_attempts(demo_stack, people)
    deliver_all(demo_stack)
    items = _items()
    c = items[2]
    with session_scope(demo_stack.app) as session:
        before = {a.id: (a.score, a.submitted_at, a.user_id) for a in session.scalars(select(Attempt))}
        rows_before = session.scalars(select(ScoreSubmission.id)).all()
    teacher = instructor(demo_stack)
    form_page = teacher.get(f"instructor/items/{c.id}/regrade")
    assert form_page.status_code == 200 and "Also accept these answers as correct" in form_page.text
    done = teacher.post(f"instructor/items/{c.id}/regrade", {"accept": _wrong(c)})
    assert done.status_code == 200
    assert "4 submitted attempt(s) rescored, 2 changed; 2 changed grade(s) queued" in unescape(done.text)  # s2 and s3 chose it
    with session_scope(demo_stack.app) as session:
        after = {a.id: a.score for a in session.scalars(select(Attempt))}
        queued = session.scalars(select(ScoreSubmission).where(ScoreSubmission.id.not_in(rows_before))).all()
    changed = {attempt_id for attempt_id in after if after[attempt_id] != before[attempt_id][0]}
    assert len(changed) == 2 and all(after[i] > before[i][0] for i in changed)
    assert sorted(r.user_pk for r in queued) == sorted(before[i][2] for i in changed)
    assert all(r.resend and r.submitted_at == before[i][1] for r in queued for i in changed if before[i][2] == r.user_pk)

    deliver_all(demo_stack)
    book = requests.get(f"{demo_stack.lms_url}/course/1/gradebook.json", timeout=10).json()
    resent = [h for h in book["history"] if h["payload"]["gradingProgress"] == "FullyGraded"]
    assert len(resent) == 4 + 2 and all(h["status"] == 200 for h in resent)
    ben = next(s for s in book["students"] if s["name"] == "Ben Osei")
    assert next(cell for cell in ben["grades"].values() if cell)["score"] == pytest.approx(100.0)  # 3/3 of the column's 100
    # the original submission time went with the resend
    ben_posts = [h for h in resent if h["user_id"] == ben["sub"]]
    assert ben_posts[0]["payload"]["submission"] == ben_posts[1]["payload"]["submission"]

    analysis = teacher.get("instructor/analysis")
    assert "Also accepted" in analysis.text


def test_dropping_an_item_takes_it_out_of_scores_and_of_new_forms(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:3(single)", "points": "3"})
    _fixed_attempts(demo_stack, people)
    a = _items()[0]
    teacher = instructor(demo_stack)
    done = teacher.post(f"instructor/items/{a.id}/regrade", {"drop": "on"})
    assert done.status_code == 200 and "4 submitted attempt(s) rescored" in unescape(done.text)
    with session_scope(demo_stack.app) as session:
        assert sorted(a_.possible for a_ in session.scalars(select(Attempt))) == [2.0] * 4
        assessment = session.scalars(select(Assessment)).one()
        assert a.id in assessment.excluded_items and assessment.regrade["dropped"] == [a.id]
    detail = teacher.get("instructor/analysis")
    assert "<strong>Dropped</strong>" in detail.text
    undone = teacher.post(f"instructor/items/{a.id}/regrade", {})
    assert undone.status_code == 200
    with session_scope(demo_stack.app) as session:
        assert sorted(a_.possible for a_ in session.scalars(select(Attempt))) == [3.0] * 4


def test_regrade_refusals_say_why(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:3(single)", "points": "3"})
    _fixed_attempts(demo_stack, people)
    teacher = instructor(demo_stack)
    a = _items()[0]
    unknown = teacher.post(f"instructor/items/{a.id}/regrade", {"accept": "zz"})
    assert unknown.status_code == 400 and "This question has no answer zz." in unknown.text
    matching = next(i for i in shipped_bank().items() if i.kind is ItemType.MATCHING)
    assert teacher.get(f"instructor/items/{matching.id}/regrade").status_code == 200  # never drawn: the bank's
    refused = teacher.post(f"instructor/items/{matching.id}/regrade", {"accept": "x"})
    assert refused.status_code == 400 and "only for single-answer and true/false questions" in refused.text
    assert teacher.get("instructor/items/no-such-item/regrade").status_code == 404
