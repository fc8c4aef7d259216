"""Moodle XML: the format Moodle's question bank imports and exports losslessly.

Layout written (as Moodle's own exporter writes it, question/format/xml)::

    <quiz>
      <question type="category"><category><text>$course$/top/components</text></category>...
      <question type="multichoice">
        <name><text>comp-001</text></name>
        <questiontext format="html"><text>&lt;p&gt;...</text></questiontext>
        <generalfeedback format="html">...</generalfeedback>
        <defaultgrade>1</defaultgrade> <penalty>0.3333333</penalty> <hidden>0</hidden>
        <idnumber>comp-001</idnumber>
        ...type fields, <answer fraction="100" format="html">...<feedback>..., <subquestion>...
        <tags><tag><text>qb:version=1</text></tag>...</tags>
      </question>

Type mapping, markers and feedback folding are shared with GIFT and described in ``_moodle``.
Texts are written as HTML (``<p>``/``<br>`` only, see ``_text``); matching answers are plain text
because Moodle shows them in a drop-down. A category question is written whenever the pool
changes, so the items keep their order.

Import reads multichoice, truefalse, matching and ordering (and our own markers); every other
type (essay, shortanswer, numerical, calculated, cloze, drag and drop, description, random) is
reported and skipped. Text formats html, moodle_auto_format, plain_text and markdown are read
(markdown kept as its source text). Embedded files (images) are dropped and reported. The
category path's last segment becomes the pool when it looks like a pool name (lowercase letters,
digits, ``-``, ``_``), otherwise the ``pool`` argument is used (and that is reported).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Comment
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import SubElement

from question_bank.formats._assemble import IdAllocator
from question_bank.formats._assemble import ReadQuestion
from question_bank.formats._assemble import read_one_item
from question_bank.formats._assemble import pool_from_category
from question_bank.formats._compose import composition_notes
from question_bank.formats._moodle import MoodleAnswer
from question_bank.formats._moodle import MoodleQuestion
from question_bank.formats._moodle import category_path
from question_bank.formats._moodle import format_percent
from question_bank.formats._moodle import moodle_notes
from question_bank.formats._moodle import plan_question
from question_bank import types as item_types
from question_bank.formats._moodle import read_question
from question_bank.formats._report import ImportReport
from question_bank.formats._report import Place
from question_bank.formats._report import ProblemLog
from question_bank.formats._text import has_xml_invalid_chars
from question_bank.formats._text import html_to_text
from question_bank.formats._text import looks_like_html
from question_bank.formats._text import normalise_text
from question_bank.formats._text import text_to_html
from question_bank.formats._xml import InputRejected
from question_bank.formats._xml import child
from question_bank.formats._xml import children
from question_bank.formats._xml import parse_xml
from question_bank.formats._xml import path_text
from question_bank.formats._xml import serialise
from question_bank.formats._xml import text_of
from question_bank.model import Item
from question_bank.model import ItemType

NAME = "moodle-xml"
PENALTY = "0.3333333"
ORDERING_NOTE = (
    "ordering items use Moodle's 'ordering' question type: standard from Moodle 4.4, "
    "the qtype_ordering plugin on older sites"
)

# --------------------------------------------------------------------------- export


def export_items(items: Sequence[Item]) -> str:
    quiz = Element("quiz")
    quiz.append(Comment(" Exported by quiztool's question bank (Moodle XML) "))
    for note in export_notes(items):
        quiz.append(Comment(" NOTE " + note.replace("--", "- -").rstrip("-") + " "))
    current_pool: str | None = None
    for item in items:
        if item.pool != current_pool:
            current_pool = item.pool
            _category_element(quiz, item.pool)
        question = plan_question(item, ordering_as_matching=False)
        if question is not None:
            _question_element(quiz, question)
    return serialise(quiz)


def export_notes(items: Sequence[Item]) -> list[str]:
    """What Moodle XML (or Moodle) cannot keep exactly, one line per item and problem."""
    notes: list[str] = []
    if any(item.kind is ItemType.ORDERING for item in items):
        notes.append(ORDERING_NOTE)
    for item in items:
        question = plan_question(item, ordering_as_matching=False)
        if question is None:
            notes.append(f"{item.id}: {item_types.spec_for(item).exchange_note}")
            continue
        lines = moodle_notes(item, question) + composition_notes(item)
        if _has_invalid_chars(question):
            lines.append("control characters XML cannot carry are removed")
        notes += [f"{item.id}: {line}" for line in lines]
    return notes


def _has_invalid_chars(question: MoodleQuestion) -> bool:
    texts = [question.text, question.general_feedback, *question.tags]
    texts += [a.text + a.feedback for a in question.answers]
    texts += [q + a for q, a in question.subquestions]
    return any(has_xml_invalid_chars(text) for text in texts)


def _category_element(quiz: Element, pool: str) -> None:
    question = SubElement(quiz, "question", type="category")
    _text_element(question, "category", category_path(pool))
    _text_element(question, "info", "", html=True)
    SubElement(question, "idnumber")


def _text_element(parent: Element, name: str, text: str, *, html: bool = False) -> Element:
    element = SubElement(parent, name, format="html") if html else SubElement(parent, name)
    SubElement(element, "text").text = text_to_html(text) if html else text
    return element


def _question_element(quiz: Element, question: MoodleQuestion) -> None:
    element = SubElement(quiz, "question", type=question.qtype)
    _text_element(element, "name", question.name)
    _text_element(element, "questiontext", question.text, html=True)
    _text_element(element, "generalfeedback", question.general_feedback, html=True)
    SubElement(element, "defaultgrade").text = format(question.default_grade or 1, "g")
    SubElement(element, "penalty").text = "1" if question.qtype == "truefalse" else PENALTY
    SubElement(element, "hidden").text = "0"
    SubElement(element, "idnumber").text = question.idnumber
    if question.qtype == "multichoice":
        SubElement(element, "single").text = "true" if question.single else "false"
        SubElement(element, "shuffleanswers").text = "true"
        SubElement(element, "answernumbering").text = "abc"
        SubElement(element, "showstandardinstruction").text = "0"
        _combined_feedback(element)
        for answer in question.answers:
            _answer_element(element, answer, format_percent(answer.fraction))
    elif question.qtype == "truefalse":
        for value in (True, False):
            fraction = "100" if value == question.true_is_correct else "0"
            _answer_element(element, MoodleAnswer("true" if value else "false"), fraction,
                            text_format="moodle_auto_format")
    elif question.qtype == "matching":
        SubElement(element, "shuffleanswers").text = "true"
        _combined_feedback(element)
        for premise, answer in question.subquestions:
            sub = _text_element(element, "subquestion", premise, html=True)
            _text_element(sub, "answer", answer)
    elif question.qtype == "ordering":
        SubElement(element, "layouttype").text = "VERTICAL"
        SubElement(element, "selecttype").text = "ALL"
        SubElement(element, "selectcount").text = str(len(question.answers))
        SubElement(element, "gradingtype").text = "ABSOLUTE_POSITION"
        SubElement(element, "showgrading").text = "SHOW"
        _combined_feedback(element)
        for answer in question.answers:
            _answer_element(element, answer, f"{answer.fraction:.7f}")
    elif question.qtype == "gapselect":
        SubElement(element, "shuffleanswers").text = "1"
        _combined_feedback(element)
        for text, group in question.select_options:
            option = SubElement(element, "selectoption")
            SubElement(option, "text").text = text
            SubElement(option, "group").text = str(group)
    if question.tags:
        tags = SubElement(element, "tags")
        for tag in question.tags:
            _text_element(tags, "tag", tag)


def _combined_feedback(element: Element) -> None:
    for name in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text_element(element, name, "", html=True)
    SubElement(element, "shownumcorrect")


def _answer_element(
    parent: Element, answer: MoodleAnswer, fraction: str, *, text_format: str = "html"
) -> None:
    element = SubElement(parent, "answer", fraction=fraction, format=text_format)
    text = text_to_html(answer.text) if text_format == "html" else answer.text
    SubElement(element, "text").text = text
    if answer.feedback or text_format != "html":
        _text_element(element, "feedback", answer.feedback, html=True)


# --------------------------------------------------------------------------- import

_SKIPPED_ON_PURPOSE = {"description": "a description (text only, no answer)"}


def import_items(data: str | bytes, pool: str, source: str = "moodle.xml") -> ImportReport:
    log = ProblemLog()
    try:
        document = parse_xml(data)
    except InputRejected as rejected:
        log.add(Place(source, rejected.line), f"{rejected.message}; nothing imported")
        return ImportReport([], log.lines)
    root = document.root
    if root.tag != "quiz":
        log.add(Place(source, document.line(root)),
                f"root element is <{root.tag}>, not Moodle XML's <quiz>; nothing imported")
        return ImportReport([], log.lines)
    items: list[Item] = []
    ids = IdAllocator()
    category: str | None = None
    unusable_categories: set[str] = set()
    number = 0
    for element in children(root, "question"):
        qtype = element.get("type", "")
        line = document.line(element)
        if qtype == "category":
            category = normalise_text(path_text(element, "category", "text"))
            if category and pool_from_category(category) is None \
                    and category not in unusable_categories:
                unusable_categories.add(category)
                log.add(Place(source, line), f"category {category!r} is not a pool name; its "
                                             f"questions go to pool {pool!r}")
            continue
        number += 1
        name = normalise_text(path_text(element, "name", "text"))
        place = Place(source, line, number, name)
        if qtype in _SKIPPED_ON_PURPOSE:
            log.add(place, f"{_SKIPPED_ON_PURPOSE[qtype]} (skipped)")
            continue
        def read(element: Any = element, qtype: str = qtype, place: Place = place) -> ReadQuestion | None:
            question = _read_question_element(element, qtype, category, place, log)
            return read_question(question, place, log)

        item = read_one_item(read, place, pool, log, ids)
        if item is not None:
            items.append(item)
    if number == 0:
        log.add(Place(source), "no questions found")
    return ImportReport(items, log.lines)


def _read_question_element(
    element: Element, qtype: str, category: str | None, place: Place, log: ProblemLog
) -> MoodleQuestion:
    reader = _TextReader(place, log)
    question = MoodleQuestion(
        qtype=qtype,
        name=normalise_text(path_text(element, "name", "text")),
        idnumber=normalise_text(text_of(child(element, "idnumber"))),
        category=category,
        text=reader.formatted(child(element, "questiontext"), "question text"),
        general_feedback=reader.formatted(child(element, "generalfeedback"), "general feedback"),
        default_grade=_number(text_of(child(element, "defaultgrade")), None),
        tags=[normalise_text(path_text(tag, "text"))
              for tags in children(element, "tags") for tag in children(tags, "tag")],
        single=text_of(child(element, "single")).strip().lower() not in ("false", "0"),
    )
    if qtype == "gapselect":
        question.select_options = [
            (normalise_text(path_text(option, "text")),
             int(_number(path_text(option, "group"), 1) or 1))
            for option in children(element, "selectoption")
        ]
        return question
    if qtype == "matching":
        question.subquestions = [
            (reader.formatted(sub, "sub-question"),
             normalise_text(path_text(sub, "answer", "text")))
            for sub in children(element, "subquestion")
        ]
        return question
    for answer in children(element, "answer"):
        fraction = _number(answer.get("fraction", "0"), 0.0) or 0.0
        text = reader.formatted(answer, "answer")
        feedback = reader.formatted(child(answer, "feedback"), "answer feedback")
        if qtype == "truefalse":
            is_true = text.strip().lower() == "true"
            if is_true:
                question.true_feedback = feedback
            else:
                question.false_feedback = feedback
            if fraction >= 100 - 1e-6:
                question.true_is_correct = is_true
            continue
        scale = 1.0 if qtype == "ordering" else 100.0
        question.answers.append(MoodleAnswer(text, fraction / scale, feedback))
    return question


def _number(text: str, default: float | None) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return default


class _TextReader:
    """Reads ``<x format="..."><text>...</text></x>`` into plain text, reporting lost media."""

    def __init__(self, place: Place, log: ProblemLog) -> None:
        self.place = place
        self.log = log

    def formatted(self, element: Element | None, what: str) -> str:
        if element is None:
            return ""
        raw = text_of(child(element, "text"))
        text_format = element.get("format", "moodle_auto_format")
        if children(element, "file"):
            self.log.add(self.place, f"embedded file in the {what} dropped")
        if text_format == "html" or (text_format == "moodle_auto_format" and looks_like_html(raw)):
            text, dropped = html_to_text(raw)
            if dropped:
                self.log.add(self.place, f"{', '.join(sorted(dropped))} dropped from the {what}")
            return text
        return normalise_text(raw)
