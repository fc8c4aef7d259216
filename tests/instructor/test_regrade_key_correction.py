"""A key correction replayed over submitted attempts (issue 12): the author fixes a key in the bank
file and raises the version; the instructor rescores every attempt against the corrected version.
The new scores are right and reach the gradebook outbox exactly (partial credit as fractions,
rounded once).

Forms are fixed (two single-answer items A and B and one multiple-response item M, "right minus
wrong"), answered and submitted through the attempts service; the corrected bank is the shipped
bank's files copied, M's key given one more option and its version raised, and loaded by the real
loader as the tool would after a restart; the instructor acts over HTTP.

    M's key {k1, k2} becomes {k1, k2, x}        before          after (exact)     of 10 points (≈)
    s1  A B right, M {k1, k2}                    3/3             (2 + 2/3)/3       8.8889
    s2  A right,   M {k1, x}                     (1 + 0)/3       (1 + 2/3)/3       5.5556
    s3  nothing right but M {k1, k2, x}          (1/2)/3         (1)/3             3.3333
    s4  B right,   M unanswered                  1/3             1/3 (unchanged)   3.3333
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from fractions import Fraction
from html import unescape
from pathlib import Path

import pytest
import yaml
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
from lti_tool.services import assessments as assessments_service
from lti_tool.services import attempts as attempts_service
from question_bank.model import ItemType
from question_bank.model import MultipleScoring
from question_bank.replay import snapshot_of
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import deliver_all
from tests.attempts.conftest import gradebook_score
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk
from tests.instructor.conftest import instructor

BANKS = Path(question_bank.__file__).parent / "banks"


def _pick(bank: question_bank.Bank) -> tuple[question_bank.Item, question_bank.Item, question_bank.Item]:
    singles = [i for i in bank.items() if i.type is ItemType.SINGLE and i.points == 1]
    multiple = next(i for i in bank.items() if i.type is ItemType.MULTIPLE and i.points == 1
                    and i.body.scoring is MultipleScoring.RIGHT_MINUS_WRONG and len(i.body.key) == 2
                    and len(i.body.options) >= 4 and not set(i.enemies) & {s.id for s in singles[:2]})
    return singles[0], singles[1], multiple


def _corrected_bank(tmp_path: Path, item: question_bank.Item, extra_key: str) -> question_bank.Bank:
    """The shipped bank files with ``item``'s key corrected (one more keyed option) and its version
    raised, as an author would edit them; loaded (and so validated, lock included) for real."""
    copy = tmp_path / "banks"
    shutil.copytree(BANKS, copy)
    for path in copy.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = data.get("items", []) if isinstance(data, dict) else []
        for entry in entries:
            if entry.get("id") == item.id:
                entry["version"] = item.version + 1
                entry["key"] = sorted([*item.body.key, extra_key])
                path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
                return question_bank.load_bank([copy])
    raise AssertionError(f"{item.id} not found in the bank files")


def _submit_fixed(stack, people, items, answers) -> dict[int, tuple[int, int]]:  # noqa: ANN001
    """One submitted attempt per student at ``items`` answered with ``answers``;
    attempt id -> (the tool's user pk, the demo LMS's user id)."""
    with session_scope(stack.app) as session:
        extra = DemoUser(sub="s4-" + "0" * 8, given_name="Dana", family_name="Fourth", email="dana@example.edu")
        session.add(extra)
        session.flush()
        session.add(DemoEnrollment(course_id=1, user_id=extra.id, role="learner"))
        extra_id = extra.id
    students = [launch(stack, lms_id) for lms_id in [*people["learners"], extra_id]]
    base = utcnow() - timedelta(days=1)
    owners = {}
    with session_scope(stack.app) as session:
        assessment = session.scalars(select(Assessment)).one()
        for n, (student, responses) in enumerate(zip(students, answers)):
            seed = f"fixed-{n}"
            form = question_bank.Form(seed, tuple(
                question_bank.FormSlot(i.id, i.version, i.pool, question_bank.layout_for(i, seed)) for i in items))
            attempt = Attempt(assessment_id=assessment.id, user_id=tool_user_pk(stack, student), number=1, seed=seed,
                              form=form.to_json(), items={i.ref: snapshot_of(i) for i in items},
                              started_at=base + timedelta(hours=n))
            session.add(attempt)
            session.flush()
            for slot, response in enumerate(responses, start=1):
                if response is not None:
                    attempts_service.save_answer(session, attempt, slot, response, now=base + timedelta(hours=n, minutes=5))
            attempts_service.submit(session, attempt, now=base + timedelta(hours=n, minutes=10))
            owners[attempt.id] = (attempt.user_id, student.lms_user_id)
    return owners


def test_a_corrected_key_is_replayed_over_submitted_attempts_and_reaches_the_outbox_exactly(
        demo_stack, people, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    shipped = assessments_service.shipped_bank()
    a, b, m = _pick(shipped)
    k1, k2 = sorted(m.body.key)
    x = next(o.id for o in m.body.options if o.id not in m.body.key)
    wrong_a = next(o.id for o in a.body.options if o.id != a.body.key)
    wrong_b = next(o.id for o in b.body.options if o.id != b.body.key)
    answers = [
        (a.body.key, b.body.key, [k1, k2]),
        (a.body.key, wrong_b, [k1, x]),
        (wrong_a, wrong_b, [k1, k2, x]),
        (wrong_a, b.body.key, None),
    ]
    configure_link(demo_stack, {"pools": "components:3(single)", "points": "10"})
    owners = _submit_fixed(demo_stack, people, (a, b, m), answers)
    before = {1: Fraction(1), 2: Fraction(1, 3), 3: Fraction(1, 6), 4: Fraction(1, 3)}
    with session_scope(demo_stack.app) as session:
        stored = {row.id: row.score for row in session.scalars(select(Attempt).order_by(Attempt.id))}
        first_outbox = session.scalars(select(ScoreSubmission.id)).all()
    assert [Fraction(s).limit_denominator(1000) for s in stored.values()] == list(before.values())

    corrected = _corrected_bank(tmp_path, m, x)  # the author's fix, then the tool restarted with it
    new_m = corrected.item(m.id)
    assert new_m.version == m.version + 1 and new_m.body.key == frozenset({k1, k2, x})
    monkeypatch.setattr(assessments_service, "_bank", corrected)

    teacher = instructor(demo_stack)
    page = unescape(teacher.get(f"instructor/items/{m.id}/regrade").text)
    assert f"Score every attempt against version {new_m.version}" in page
    done = teacher.post(f"instructor/items/{m.id}/regrade", {"version": str(new_m.version)})
    assert done.status_code == 200, done.text[:500]
    message = unescape(done.text)
    assert "4 submitted attempt(s) rescored, 3 changed; 3 changed grade(s) queued" in message
    assert f"3 answer(s) given on older versions were scored against version {new_m.version}" in message

    after = {1: Fraction(8, 9), 2: Fraction(5, 9), 3: Fraction(1, 3), 4: Fraction(1, 3)}
    with session_scope(demo_stack.app) as session:
        rows = session.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert [Fraction(r.score).limit_denominator(1000) for r in rows] == list(after.values())
        assert [r.score for r in rows] == [float(f) for f in after.values()]  # one rounding: the float of the fraction
        m_slots = session.scalars(select(AttemptSlotScore).where(AttemptSlotScore.item_id == m.id)).all()
        assert {s.version for s in m_slots} == {new_m.version}  # scored against the corrected version
        queued = session.scalars(select(ScoreSubmission).where(ScoreSubmission.id.not_in(first_outbox))
                                 .order_by(ScoreSubmission.user_pk)).all()
        submitted = {r.user_id: r.submitted_at for r in rows}
        assessment = session.scalars(select(Assessment)).one()
        assert assessment.regrade["versions"][m.id]["data"]["version"] == new_m.version
    user_of = [user_pk for user_pk, _lms in owners.values()]
    expected = {user_of[i - 1]: float(after[i] * 10) for i in (1, 2, 3)}  # full precision, one rounding
    assert {r.user_pk: r.score_given for r in queued} == expected
    assert expected == {user_of[0]: 80 / 9, user_of[1]: 50 / 9, user_of[2]: 10 / 3}
    assert all(r.resend and r.score_maximum == 10 and r.submitted_at == submitted[r.user_pk] for r in queued)

    deliver_all(demo_stack)  # and into the LMS gradebook, on its line item's 100 points
    lms_of = [lms for _user, lms in owners.values()]
    assert [gradebook_score(demo_stack, lms_of[i]) for i in range(4)] == [
        pytest.approx(float(after[i + 1] * 100), abs=1e-3) for i in range(4)]

    # the rule holds for what comes later: the analysis reads the corrected version, a page that
    # scores again (the instructor's view of a student) shows the same score
    analysis = teacher.get("instructor/analysis")
    assert analysis.status_code == 200 and m.id in analysis.text
    detail = unescape(teacher.get(f"instructor/students/{user_of[1]}").text)
    assert "Attempt 1: 1.67 of 3 points" in detail  # shown with two decimals (the outbox keeps the exact value)

    # undone: the versions drawn count again
    undone = teacher.post(f"instructor/items/{m.id}/regrade", {})
    assert undone.status_code == 200
    with session_scope(demo_stack.app) as session:
        rows = session.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert [Fraction(r.score).limit_denominator(1000) for r in rows] == list(before.values())


def test_a_corrected_version_that_lost_an_answer_id_is_refused(demo_stack, people, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    shipped = assessments_service.shipped_bank()
    a, b, m = _pick(shipped)
    k1, k2 = sorted(m.body.key)
    x = next(o.id for o in m.body.options if o.id not in m.body.key)
    configure_link(demo_stack, {"pools": "components:3(single)", "points": "10"})
    _submit_fixed(demo_stack, people, (a, b, m), [(a.body.key, b.body.key, [k1, x])])
    copy = tmp_path / "banks"
    shutil.copytree(BANKS, copy)
    for path in copy.glob("*.yaml"):  # the corrected version renames option x: the stored ticks name nothing
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data.get("items", []) if isinstance(data, dict) else []:
            if entry.get("id") == m.id:
                entry["version"] = m.version + 1
                entry["options"] = [{**o, "id": "z"} if o["id"] == x else o for o in entry["options"]]
                path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(assessments_service, "_bank", question_bank.load_bank([copy]))
    teacher = instructor(demo_stack)
    refused = teacher.post(f"instructor/items/{m.id}/regrade", {"version": str(m.version + 1)})
    assert refused.status_code == 400
    assert (f"Version {m.version + 1} cannot read 1 submitted answer(s) ('{x}' is not one of this question's options)"
            in unescape(refused.text))
    stale = teacher.post(f"instructor/items/{m.id}/regrade", {"version": str(m.version + 7)})
    assert stale.status_code == 400 and f"There is no version {m.version + 7}" in unescape(stale.text)
