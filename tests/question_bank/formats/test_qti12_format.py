"""QTI 1.2: our items have the skeleton Canvas expects, checked against text2qti's output for the
same questions; Canvas exports (and text2qti packages) import."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring
from text2qti.config import Config
from text2qti.qti import QTI
from text2qti.quiz import Quiz

from question_bank.formats import export_items
from question_bank.formats import import_items
from question_bank.formats.qti12 import assessment_xml
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleScoring
from question_bank.model import SingleBody
from question_bank.model import TrueFalseBody

from .items import ALL_ITEMS
from .items import CLASSIFICATION
from .items import MATCHING
from .items import MULTIPLE_ALL_OR_NOTHING
from .items import ORDERING
from .items import SINGLE
from .items import TRUE_FALSE

FIXTURE = Path(__file__).parent / "fixtures" / "canvas_quiz.xml"
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"

# The same three questions as SINGLE, MULTIPLE_ALL_OR_NOTHING and TRUE_FALSE, in text2qti's
# plain-text quiz format (text2qti writes the all-or-nothing <and>/<not> condition).
TEXT2QTI_QUIZ = """\
Quiz title: components

1.  Which of these is a key component in the psychiatric-nursing list?
... Trust heads the list.
a)  Sympathy
... Sympathy is a barrier.
*b) Trust
... Correct.
c)  Dependency
... Encouraging dependency is a barrier.

2.  Which two are components in the therapy list?
... Collaboration and communication are in the five components of therapy.
[*] Collaboration
... Listed.
[ ] Dependency
... A barrier.
[*] Communication
... Listed.

3.  In a social relationship, termination is defined at initiation.
... Termination is defined only in the therapeutic relationship.
a)  True
*b) False
"""


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def skeleton(element: Element, path: str = "") -> set[str]:
    """Every element path from ``element`` down, with the names of its attributes."""
    here = f"{path}/{local(element.tag)}[{','.join(sorted(element.attrib))}]"
    paths = {here}
    for child in element:
        paths |= skeleton(child, here)
    return paths


def fixed_values(item: Element) -> dict[str, set[str]]:
    """The attribute values and metadata entries that Canvas reads and that must agree."""
    values: dict[str, set[str]] = {}
    for element in item.iter():
        for name, value in element.attrib.items():
            if name in ("rcardinality", "texttype", "continue", "action", "varname", "vartype",
                        "maxvalue", "minvalue", "feedbacktype"):
                values.setdefault(f"{local(element.tag)}@{name}", set()).add(value)
    for field in item.iter(f"{{{QTI_NS}}}qtimetadatafield"):
        if field.findtext(f"{{{QTI_NS}}}fieldlabel") == "question_type":
            values["question_type"] = {field.findtext(f"{{{QTI_NS}}}fieldentry")}
    return values


@pytest.fixture(scope="module")
def text2qti_items() -> list[Element]:
    quiz = Quiz(TEXT2QTI_QUIZ, config=Config(), source_name="reference")
    root = fromstring(QTI(quiz).assessment.encode())
    return root.findall(f".//{{{QTI_NS}}}item")


@pytest.fixture(scope="module")
def our_items() -> list[Element]:
    root = fromstring(assessment_xml([SINGLE, MULTIPLE_ALL_OR_NOTHING, TRUE_FALSE], "components")
                      .encode())
    return root.findall(f".//{{{QTI_NS}}}item")


def test_document_skeleton_matches_text2qti() -> None:
    reference = fromstring(QTI(Quiz(TEXT2QTI_QUIZ, config=Config())).assessment.encode())
    ours = fromstring(assessment_xml([SINGLE], "components").encode())
    assert ours.tag == reference.tag == f"{{{QTI_NS}}}questestinterop"
    outer = {p.split("/item[")[0] for p in skeleton(reference)}
    assert outer <= {p.split("/item[")[0] for p in skeleton(ours)}
    assert ours.find(f"{{{QTI_NS}}}assessment/{{{QTI_NS}}}section").get("ident") == "root_section"


@pytest.mark.parametrize("index,question_type", [
    (0, "multiple_choice_question"),
    (1, "multiple_answers_question"),
    (2, "true_false_question"),
])
def test_item_skeleton_matches_text2qti(text2qti_items, our_items, index, question_type) -> None:
    reference, ours = text2qti_items[index], our_items[index]
    missing = skeleton(reference) - skeleton(ours)
    assert missing == set()
    assert fixed_values(ours) == fixed_values(reference)
    assert fixed_values(ours)["question_type"] == {question_type}


def test_correct_condition_agrees_with_text2qti(text2qti_items, our_items) -> None:
    """Same shape of the scoring condition: which labels are required, which excluded."""
    def condition(item: Element, labels: list[str]) -> list[tuple[str, str]]:
        scored = [c for c in item.iter(f"{{{QTI_NS}}}respcondition")
                  if c.find(f"{{{QTI_NS}}}setvar") is not None]
        assert len(scored) == 1
        shape = []
        for element in scored[0].iter():
            if local(element.tag) == "varequal":
                shape.append(("varequal", str(labels.index(element.text))))
            elif local(element.tag) in ("and", "not"):
                shape.append((local(element.tag), ""))
        return shape

    for reference, ours in zip(text2qti_items, our_items, strict=True):
        ref_labels = [label.get("ident") for label in reference.iter(f"{{{QTI_NS}}}response_label")]
        our_labels = [label.get("ident") for label in ours.iter(f"{{{QTI_NS}}}response_label")]
        assert condition(ours, our_labels) == condition(reference, ref_labels)


def test_matching_follows_canvas_matching_question() -> None:
    item = fromstring(assessment_xml([MATCHING], "barriers").encode()).find(f".//{{{QTI_NS}}}item")
    assert fixed_values(item)["question_type"] == {"matching_question"}
    lids = item.findall(f".//{{{QTI_NS}}}response_lid")
    assert [lid.get("ident") for lid in lids] == ["response_p1", "response_p2", "response_p3"]
    for lid in lids:
        labels = lid.findall(f"{{{QTI_NS}}}render_choice/{{{QTI_NS}}}response_label")
        assert [label.get("ident") for label in labels] == ["r1", "r2", "r3"]
    conditions = item.findall(f".//{{{QTI_NS}}}respcondition")
    scored = [(c.find(f".//{{{QTI_NS}}}varequal").get("respident"),
               c.find(f".//{{{QTI_NS}}}varequal").text,
               c.find(f"{{{QTI_NS}}}setvar").get("action"),
               c.find(f"{{{QTI_NS}}}setvar").text)
              for c in conditions if c.find(f"{{{QTI_NS}}}setvar") is not None]
    assert scored == [("response_p1", "r2", "Add", "33.33"), ("response_p2", "r1", "Add", "33.33"),
                      ("response_p3", "r3", "Add", "33.33")]


def test_ordering_and_classification_are_canvas_matching_questions() -> None:
    root = fromstring(assessment_xml([ORDERING, CLASSIFICATION], "x").encode())
    ordering, classification = root.findall(f".//{{{QTI_NS}}}item")
    assert fixed_values(ordering)["question_type"] == {"matching_question"}
    positions = [m.text for m in ordering.find(f".//{{{QTI_NS}}}render_choice")
                 .iter(f"{{{QTI_NS}}}mattext")]
    assert positions == ["1", "2", "3", "4"]
    assert fixed_values(classification)["question_type"] == {"matching_question"}
    categories = [label.get("ident") for label in classification
                  .find(f".//{{{QTI_NS}}}render_choice").iter(f"{{{QTI_NS}}}response_label")]
    assert categories == ["therapeutic", "social"]


def test_package_has_a_manifest_and_one_assessment_per_pool() -> None:
    with zipfile.ZipFile(io.BytesIO(export_items(ALL_ITEMS, "qti12"))) as archive:
        manifest = fromstring(archive.read("imsmanifest.xml"))
        ns = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
        resources = manifest.findall(f"{ns}resources/{ns}resource")
        assert [r.get("type") for r in resources] == ["imsqti_xmlv1p2"] * 4
        for resource in resources:
            assessment = fromstring(archive.read(resource.get("href")))
            title = assessment.find(f"{{{QTI_NS}}}assessment").get("title")
            assert resource.get("identifier") == f"quiztool-{title}"


# --------------------------------------------------------------------------- reading


@pytest.fixture(scope="module")
def canvas():
    return import_items(FIXTURE.read_bytes(), "qti12", "components", source="canvas.xml")


def test_canvas_export_reports_essay_and_short_answer(canvas) -> None:
    assert "canvas.xml:115: question 2 (Reflection): unsupported type essay_question (skipped)" \
        in canvas.problems
    assert "canvas.xml:314: question 6 (Fill in): unsupported type short_answer_question " \
           "(skipped)" in canvas.problems
    assert [item.kind for item in canvas.items] == [
        ItemType.SINGLE, ItemType.MULTIPLE, ItemType.TRUE_FALSE, ItemType.MATCHING
    ]


def test_canvas_choice_question_with_feedback(canvas) -> None:
    item = canvas.items[0]
    assert item.id == "comp-001"  # Canvas idents are opaque hashes: pool-style id instead
    assert ("canvas.xml:11: question 1 (Core value): ident 'g0a1b2c3d4e5f60718293a4b5c6d7e8f9' "
            "is an LMS identifier, not a bank id; assigned 'comp-001' (check it is free in the "
            "bank)") in canvas.problems
    assert item.pool == "components"  # "Week 3 Quiz" is not a pool name
    assert item.points == 2
    assert item.stem == "Which is a core value in health and social care?"
    assert item.body == SingleBody(
        (Choice("4301", "Dignity"), Choice("4302", "Sympathy", "Sympathy is a barrier."),
         Choice("4303", "Dependency")),
        "4301",
    )
    assert item.rationale == ("Dignity is one of the six core values.\n\n"
                              "Correct answer: Well done.\n\n"
                              "Incorrect answer: Look at the list again.")
    assert "canvas.xml:11: question 1 (Core value): correct/incorrect feedback folded into the " \
           "rationale" in canvas.problems


def test_canvas_multiple_true_false_and_matching(canvas) -> None:
    multiple, true_false, matching = canvas.items[1:]
    assert multiple.body.key == frozenset({"7001", "7003"})
    assert multiple.body.scoring is MultipleScoring.RIGHT_MINUS_WRONG
    assert true_false.body == TrueFalseBody(False)
    assert matching.body == MatchingBody(
        (Choice("911", "Orientation"), Choice("912", "Termination")),
        (Choice("3161", "Set the contract"), Choice("3162", "Review progress and say goodbye")),
        {"911": "3161", "912": "3162"},
    )
    assert all(item.sources == () for item in canvas.items)


def test_a_text2qti_package_imports() -> None:
    quiz = Quiz(TEXT2QTI_QUIZ, config=Config(), source_name="reference")
    report = import_items(QTI(quiz).zip_bytes(), "qti12", "components", source="t2q.zip")
    assert [item.kind for item in report.items] == [
        ItemType.SINGLE, ItemType.MULTIPLE, ItemType.TRUE_FALSE
    ]
    single = report.items[0]
    assert [c.text for c in single.body.options] == ["Sympathy", "Trust", "Dependency"]
    assert single.body.options[1].id == single.body.key
    assert single.body.options[0].rationale == "Sympathy is a barrier."
    assert single.rationale == "Trust heads the list."
    assert report.items[1].body.key == {c.id for c in report.items[1].body.options
                                        if c.text in ("Collaboration", "Communication")}
    assert report.items[2].body == TrueFalseBody(False)
    assert all(p.startswith("t2q.zip:") for p in report.problems)


def test_bare_items_without_metadata_are_recognised_by_their_responses() -> None:
    xml = """<questestinterop><item ident="q1" title="Q">
      <presentation><material><mattext>Pick two</mattext></material>
        <response_lid ident="r" rcardinality="Multiple"><render_choice>
          <response_label ident="x"><material><mattext>A</mattext></material></response_label>
          <response_label ident="y"><material><mattext>B</mattext></material></response_label>
          <response_label ident="z"><material><mattext>C</mattext></material></response_label>
        </render_choice></response_lid></presentation>
      <resprocessing><respcondition><conditionvar><varequal respident="r">x</varequal>
        </conditionvar><setvar action="Add">50</setvar></respcondition>
        <respcondition><conditionvar><varequal respident="r">z</varequal></conditionvar>
        <setvar action="Add">50</setvar></respcondition></resprocessing></item></questestinterop>"""
    report = import_items(xml, "qti12", "components")
    assert report.items[0].body.key == frozenset({"x", "z"})
    assert report.items[0].stem == "Pick two"


def test_broken_package_is_reported() -> None:
    assert import_items(b"PK\x03\x04 not really a zip", "qti12", "p", source="q.zip").problems \
        == ["q.zip: not a readable zip (File is not a zip file); nothing imported"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert import_items(buffer.getvalue(), "qti12", "p", source="q.zip").problems == [
        "q.zip: no QTI 1.2 items found"
    ]
