"""The NGN item types over HTTP in the demo LMS: the plain form (no JavaScript), the autosave of
form fields (what quiz.js sends for them), partial credit reaching the gradebook exactly, and a
review that marks each part. The keyboard and axe checks are in test_ngn_types_browser.py."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.grade_sync import ScoreSubmission
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import deliver_all
from tests.attempts.conftest import gradebook_score
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk
from tests.instructor.conftest import instructor

#: Per type: the form fields of the shipped example's full answer, of a partial one, and what
#: the partial one earns.
CASES = {
    "matrix": (
        {"r1": ["hinders"], "r2": ["supports"], "r3": ["hinders"], "r4": ["hinders"]},
        {"r1": ["hinders"], "r2": ["hinders"], "r3": ["hinders"], "r4": ["hinders"]},
        Fraction(3, 4),
    ),
    "extended_multiple": (
        {"": ["a", "c", "e"]},
        {"": ["a", "b", "c"]},  # +/-: two right, one wrong, over three keyed
        Fraction(1, 3),
    ),
    "cloze": (
        {"g1": ["g1a"], "g2": ["g2b"]},
        {"g1": ["g1a"], "g2": ["g2a"]},  # a dyad: one of the pair right earns nothing
        Fraction(0),
    ),
    "bowtie": (
        {"condition": ["c1"], "actions": ["a1", "a2"], "parameters": ["p1", "p2"]},
        {"condition": ["c1"], "actions": ["a1", "a3"], "parameters": ["p1", "p2"]},
        Fraction(4, 5),
    ),
    "highlight": (
        {"": ["p1", "p2"]},
        {"": ["p1", "p3"]},  # +/-: one right, one wrong, over two keyed
        Fraction(0),
    ),
}


def slot_of(html: str, kind: str) -> int:
    found = re.search(rf'data-slot="(\d+)" data-kind="{kind}"', html)
    assert found, f"no {kind} question on the page"
    return int(found.group(1))


def pairs(slot: int, fields: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(f"q{slot}.{name}" if name else f"q{slot}", value)
            for name, values in fields.items() for value in values]


@pytest.fixture
def ngn_link(demo_stack):  # noqa: ANN001, ANN201
    configure_link(demo_stack, {"pools": f"ngn_examples:{len(CASES)}", "attempts": "3", "points": "10"})
    return demo_stack


@pytest.mark.parametrize("kind", sorted(CASES))
def test_plain_form_then_autosaved_fields_score_exactly(ngn_link, people, kind) -> None:
    full, partial, earned = CASES[kind]
    student = launch(ngn_link, people["learners"][0])
    attempt_id, _ = student.start()
    slot = slot_of(student.get(f"attempts/{attempt_id}/questions").text, kind)
    shown = student.get(f"attempts/{attempt_id}/questions/{slot}")
    assert shown.status_code == 200, shown.text[:500]
    html = shown.text
    # No key and no rationale reaches the student's page.
    assert "rationale" not in html.lower() and "Hinders: this is sympathy" not in html
    saved = student.post_multi(f"attempts/{attempt_id}/questions",
                               [("shown", str(slot)), ("go", str(slot)), *pairs(slot, partial)])
    assert saved.status_code == 200, saved.text[:800]
    # The same answer comes back checked in the plain form.
    for name, values in partial.items():
        field = f"q{slot}.{name}" if name else f"q{slot}"
        for value in values:
            ticked = rf'name="{re.escape(field)}" value="{re.escape(value)}"[^>]*checked'
            chosen = rf'name="{re.escape(field)}"[^>]*>(?:(?!</select>).)*value="{re.escape(value)}" selected'
            assert re.search(ticked, saved.text) or re.search(chosen, saved.text, re.S), (field, value)
    # quiz.js sends the question's form fields; the server reads them the same way.
    fields = {f"q{slot}.{name}" if name else f"q{slot}": values for name, values in partial.items()}
    answer = student.browser.http.post(f"{student.base}attempts/{attempt_id}/answers",
                                       json={"slot": slot, "fields": fields},
                                       headers={"X-CSRF-Token": student.csrf}, timeout=15)
    assert answer.status_code == 200, answer.text
    bad = student.browser.http.post(f"{student.base}attempts/{attempt_id}/answers",
                                    json={"slot": slot, "fields": {f"q{slot}.zz": ["nope"]}, "response": None},
                                    headers={"X-CSRF-Token": student.csrf}, timeout=15)
    assert bad.status_code == 400
    results = student.submit(attempt_id)
    assert results.status_code == 200
    # The review marks each part of this question right or wrong (icon and word).
    section = next(chunk for chunk in results.text.split('<section class="review"')[1:]
                   if chunk.startswith(f' data-kind="{kind}"'))
    assert "✓</span> right" in section and "✗</span> wrong" in section
    user_pk = tool_user_pk(ngn_link, student)
    with session_scope(ngn_link.app) as session:
        last = session.scalars(select(ScoreSubmission).where(ScoreSubmission.user_pk == user_pk)
                               .order_by(ScoreSubmission.id.desc())).first()
        total = len(CASES)
        expected = earned / total * 10  # the other questions unanswered
        # exact fractions throughout, made a float once at the end with nothing cut (services/gradebook.py)
        assert last.score_given == float(expected) and last.score_maximum == 10
    # The instructor's look at the student, the item analysis and the bank browser show the type.
    teacher = instructor(ngn_link)
    looked = teacher.get(f"instructor/students/{user_pk}")
    assert looked.status_code == 200, looked.text[:500]
    section = next(chunk for chunk in looked.text.split('<section class="review"')[1:]
                   if chunk.startswith(f' data-kind="{kind}"'))
    assert "✓</span>" in section and "✗</span>" in section
    for page in ("instructor/analysis", "instructor/bank", "instructor/analysis/items.csv"):
        assert teacher.get(page).status_code == 200, page
    deliver_all(ngn_link)
    # rescaled to the line item's 100 points
    assert gradebook_score(ngn_link, people["learners"][0]) == pytest.approx(float(expected * 10), abs=1e-3)
