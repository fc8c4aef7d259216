"""Unfolding cases over HTTP against the demo LMS (issue 12): a student gets the case's questions
together and in order with the stem growing, resumes the same recorded case, submits; the review
and the instructor's pages show the case; the builder asks for cases. Both backends."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import yaml
from sqlalchemy import select

import question_bank
from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import Attempt
from lti_tool.services import assessments as assessments_service
from tests.attempts.conftest import attempt_row
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch
from tests.attempts.conftest import tool_user_pk
from tests.instructor.conftest import HtmlForm
from tests.instructor.conftest import assessment_of
from tests.instructor.conftest import demo_link
from tests.instructor.conftest import instructor
from tests.instructor.conftest import open_chooser

WITH_A_CASE = {"pools": "components:2, cases:1", "attempts": "1", "points": "5"}


def _case_box(html: str) -> str | None:
    """The case box's text as read (tags dropped, spaces collapsed), or None without one."""
    found = re.search(r'<div class="case".*?</div>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split()) if found else None


def _the_case(stack, attempt_id: int) -> dict:  # noqa: ANN001
    with session_scope(stack.app) as session:
        (case,) = session.get(Attempt, attempt_id).form["cases"]
        return case


def test_a_case_is_delivered_together_in_order_with_its_stem_growing(demo_stack, people) -> None:
    configure_link(demo_stack, WITH_A_CASE)
    student = launch(demo_stack, people["learners"][0])
    attempt_id, first = student.start()
    case = _the_case(demo_stack, attempt_id)
    count = case["count"]
    assert case["first"] == 2 and 3 <= count <= 6
    assert f"Question 1 of {2 + count}" in first.text and _case_box(first.text) is None
    keys = correct_responses(demo_stack, attempt_id)
    for number in (1, 2):
        assert student.autosave(attempt_id, number, keys[number]).status_code == 200
    shown = []
    for position in range(1, count + 1):
        number = 2 + position
        page = student.get(f"attempts/{attempt_id}/questions/{number}")
        if position > 1:  # a gate first: nothing of the next part until the student goes on
            gate = unescape(page.text)
            assert 'class="question case-gate"' in page.text and "Go on with the case" in gate
            assert f"Going on closes question {number - 1}" in gate
            assert case["adds"][position - 1] not in gate and _slot_stem(demo_stack, attempt_id, number) not in gate
            page = student.go_on(attempt_id, number)
            assert page.url.endswith(f"/questions/{number}")
        box = _case_box(page.text)
        assert box is not None, page.text[:1500]
        assert f"Case: {case['title']}" in box and f"(question {position} of {count} in this case)" in box
        assert case["stem"] in box
        for earlier in case["adds"][1:position]:
            assert earlier in box  # what earlier questions added stays
        for later in case["adds"][position:]:
            assert later not in box  # nothing of what comes next
        if position > 1:
            assert f"New information: {case['adds'][position - 1]}" in box
        shown.append(box)
        assert student.autosave(attempt_id, number, keys[number]).status_code == 200
    assert all(len(a) < len(b) for a, b in zip(shown, shown[1:]))  # the stem grows

    with session_scope(demo_stack.app) as session:
        slots = session.get(Attempt, attempt_id).form["slots"]
    assert [s["item_id"] for s in slots[2:]] == [f"{case['case_id']}-{n}" for n in range(1, count + 1)]

    results = student.submit(attempt_id)
    assert results.status_code == 200
    assert attempt_row(demo_stack, attempt_id)["score"] == 1.0  # scored per item, as usual
    review = unescape(results.text)
    assert review.count(f"Case: {case['title']}") == count and case["stem"] in review

    teacher = instructor(demo_stack)
    detail = unescape(teacher.get(f"instructor/students/{tool_user_pk(demo_stack, student)}").text)
    assert detail.count(f"Case: {case['title']}") == count
    analysis = teacher.get("instructor/analysis")
    assert analysis.status_code == 200 and f"{case['case_id']}-{count}" in analysis.text  # per item


def test_going_on_with_a_case_closes_the_part_before_and_keeps_its_answer(demo_stack, people) -> None:
    """The new information of a case's next part could give the part before it away (the story
    follows the keyed path), so going on closes that part: its answer stays as saved, a later save
    to it is refused with a message (also from a window that still shows it open), and a part
    cannot be opened out of order or saved before it is opened."""
    configure_link(demo_stack, WITH_A_CASE)
    student = launch(demo_stack, people["learners"][1])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    assert student.autosave(attempt_id, 3, keys[3]).status_code == 200  # part 1

    early = student.autosave(attempt_id, 4, keys[4])  # part 2 before it is opened
    assert early.status_code == 409 and "Question 4 was not saved: it is not open yet" in early.json()["error"]
    skipped = student.post_multi(f"attempts/{attempt_id}/questions", [("shown", "5"), ("go", "on-5")])  # part 3 first
    assert 'class="question case-gate"' in skipped.text and "question 4 comes before this one" in unescape(skipped.text)
    assert attempt_row(demo_stack, attempt_id)["case_progress"] is None  # nothing opened out of order

    stale_page = student.get(f"attempts/{attempt_id}/questions/3")  # a window still showing part 1
    assert student.go_on(attempt_id, 4).status_code == 200
    assert attempt_row(demo_stack, attempt_id)["case_progress"] == {"2": 3}
    closed = student.autosave(attempt_id, 3, None)  # clearing it, from the stale window
    assert closed.status_code == 409 and "you went on with its case" in closed.json()["error"]
    page = unescape(student.get(f"attempts/{attempt_id}/questions/3").text)
    assert "this question is closed: its answer stays as it was saved" in page
    assert re.search(r'<fieldset disabled aria-describedby="q3-closed">', page)
    form_save = student.post_multi(f"attempts/{attempt_id}/questions",
                                   [("shown", "3"), ("rev", "1"), ("go", "4"), *_fields_of(stale_page.text, 3)])
    assert form_save.status_code == 200 and form_save.url.endswith("/questions/4")  # nothing refused, nothing saved
    assert student.autosave(attempt_id, 4, keys[4]).status_code == 200  # the opened part answers as usual
    student.submit(attempt_id)
    with session_scope(demo_stack.app) as session:
        answers = dict(session.execute(select(Answer.slot, Answer.response).where(Answer.attempt_id == attempt_id)).all())
    assert answers[3] == keys[3] and answers[4] == keys[4]  # the closed part kept the answer it had
    assert attempt_row(demo_stack, attempt_id)["score"] > 0


def _slot_stem(stack, attempt_id: int, number: int) -> str:  # noqa: ANN001
    with session_scope(stack.app) as session:
        attempt = session.get(Attempt, attempt_id)
        slot = attempt.form["slots"][number - 1]
        return attempt.items[f"{slot['item_id']}@{slot['version']}"]["data"]["stem"]


def _fields_of(html: str, number: int) -> list[tuple[str, str]]:
    """The checked or selected answer fields of question ``number`` on a page, as the browser posts them."""
    fields = []
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name and name.group(1).startswith(f"q{number}") and ("checked" in tag or 'type="hidden"' in tag):
            value = re.search(r'value="([^"]*)"', tag)
            fields.append((name.group(1), unescape(value.group(1)) if value else "on"))
    return fields


def test_a_resumed_attempt_shows_the_recorded_case_even_after_the_bank_changed(demo_stack, people, tmp_path,
                                                                                  monkeypatch) -> None:  # noqa: ANN001
    configure_link(demo_stack, WITH_A_CASE)
    learner = people["learners"][1]
    student = launch(demo_stack, learner)
    attempt_id, _ = student.start()
    before = attempt_row(demo_stack, attempt_id)
    case = _the_case(demo_stack, attempt_id)
    page_before = _case_box(student.get(f"attempts/{attempt_id}/questions/3").text)  # the case's first part

    # the author rewrites the case (version raised) and the tool restarts with it
    banks = Path(question_bank.__file__).parent / "banks"
    copy = tmp_path / "banks"
    shutil.copytree(banks, copy)
    data = yaml.safe_load((copy / "cases.yaml").read_text(encoding="utf-8"))
    for entry in data["cases"]:
        entry["version"] += 1
        entry["stem"] = "A different client altogether."
    (copy / "cases.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(assessments_service, "_bank", question_bank.load_bank([copy]))

    again = launch(demo_stack, learner)
    resumed_id, _ = again.start()
    assert resumed_id == attempt_id
    after = attempt_row(demo_stack, attempt_id)
    assert after["form"] == before["form"] and after["items"] == before["items"]
    page_after = _case_box(again.get(f"attempts/{attempt_id}/questions/3").text)
    assert page_after == page_before and case["stem"] in page_after
    assert "A different client altogether." not in page_after


def test_the_builder_asks_for_cases_and_the_single_page_keeps_them_together(demo_stack, people) -> None:
    chooser = open_chooser(demo_stack)
    text = unescape(chooser.page.text)
    assert "unfolding case" in text and "each case brings all its questions, together and in order" in text
    changes = dict(count__components=2, count__barriers=0, count__comparison=0, count__phases=0, count__cases=1)
    check = chooser.post("builder/check", **changes).json()
    bank = assessments_service.shipped_bank()
    assert check["feasible"] is True
    assert check["question_count"] == 2 + max(len(case.items) for case in bank.pools["cases"].cases)  # the longest form
    too_many = chooser.post("builder/check", **{**changes, "count__cases": 99}).json()
    title = bank.pools["cases"].title
    assert too_many["feasible"] is False and f"You asked for 99 cases from “{title}”" in too_many["problems"][0]
    preview = unescape(chooser.post("builder/preview", **changes).text)
    assert "Case: " in preview and "(question 1 of" in preview

    done = chooser.submit(title="With a case", layout="single", **changes)
    assert done.status_code == 200, done.text[:500]
    added = demo_link(demo_stack, "With a case")
    assert assessment_of(demo_stack, added["custom"]["assignment"])["blueprint_text"] == "components:2, cases:1"
    student = launch(demo_stack, people["learners"][0], added["id"])
    attempt_id, page = student.start()
    case = _the_case(demo_stack, attempt_id)
    html = unescape(page.text)
    boxes = [" ".join(re.sub(r"<[^>]+>", " ", b).split()) for b in re.findall(r'<div class="case".*?</div>', html, re.S)]
    assert len(boxes) == case["count"]
    assert html.count(case["stem"]) == 1 and case["stem"] in boxes[0]  # once, before the case's first question
    for box in boxes[1:]:  # the later parts are gates until the student goes on
        assert "Go on with the case" in box and not any(text in box for text in case["adds"][1:])
    positions = [html.index(f'id="q{n}-h"') for n in range(1, 3 + case["count"])]
    assert positions == sorted(positions)  # one page, the case's questions after the others, in order
    assert HtmlForm(page.text).values("shown") == [str(n) for n in range(1, 3 + case["count"])]
    for number in range(4, 3 + case["count"]):  # going on, on the same page, part after part
        page = student.post_multi(f"attempts/{attempt_id}/questions",
                                  [*[("shown", str(n)) for n in range(1, 3 + case["count"])], ("go", f"on-{number}")])
        assert page.status_code == 200 and page.url.endswith(f"/questions#q{number}")
        html = unescape(page.text)
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        assert f"New information: {case['adds'][number - 3]}" in text and "The case so far is above" in text
        assert f'<fieldset disabled aria-describedby="q{number - 1}-closed">' in html


def test_the_bank_browser_shows_cases_and_excluding_a_case_item_takes_the_whole_case(demo_stack, people) -> None:
    configure_link(demo_stack, {"pools": "components:2, barriers:1", "attempts": "1"})
    launch(demo_stack, people["learners"][0])  # the link's assessment exists
    teacher = instructor(demo_stack)
    bank = assessments_service.shipped_bank()
    case = bank.cases()[0]
    page = unescape(teacher.get("instructor/bank").text)
    assert f"Case: {case.title} (question 2 of {len(case.items)} in this case)" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert f"leaves out the whole case {case.id}" in page
    done = teacher.post(f"instructor/bank/{case.items[1].id}/exclude", {"excluded": "1"})
    assert done.status_code == 200
    usable = question_bank.without_items(bank, [case.items[1].id])
    assert case.id not in {c.id for c in usable.cases()}  # never half a case: none of it is drawn


def test_every_shipped_case_is_delivered_whole_and_its_keys_earn_full_marks(demo_stack, people) -> None:
    """All the bank's cases on one form (whatever types their items are): each page shows its case,
    the keys saved by autosave earn every point, and the review shows every case question's case."""
    bank = assessments_service.shipped_bank()
    cases = bank.pools["cases"].cases
    configure_link(demo_stack, {"pools": f"cases:{len(cases)}", "attempts": "1", "points": "10"})
    student = launch(demo_stack, people["learners"][2])
    attempt_id, _ = student.start()
    with session_scope(demo_stack.app) as session:
        form = session.get(Attempt, attempt_id).form
    assert sorted(c["case_id"] for c in form["cases"]) == sorted(c.id for c in cases)
    total = len(form["slots"])
    assert total == sum(len(c.items) for c in cases)
    student.answer_in_order(attempt_id, correct_responses(demo_stack, attempt_id))  # going on case after case
    for case in form["cases"]:
        last = case["first"] + case["count"]  # the case's last question carries the most text
        box = _case_box(student.get(f"attempts/{attempt_id}/questions/{last}").text)
        assert box is not None and " ".join(case["stem"].split()) in box
        assert all(" ".join(text.split()) in box for text in case["adds"] if text)
    results = student.submit(attempt_id)
    assert attempt_row(demo_stack, attempt_id)["score"] == 1.0
    assert unescape(results.text).count("Case: ") == total
