"""QTI 2.1: one assessmentItem per item in the imsqti_v2p1 namespace, inside a content package."""

from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from question_bank.formats import export_items
from question_bank.formats import import_items
from question_bank.formats.qti21 import item_xml
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import MultipleScoring
from question_bank.model import SingleBody

from .items import ALL_ITEMS
from .items import CLASSIFICATION
from .items import MATCHING
from .items import MULTIPLE_ALL_OR_NOTHING
from .items import MULTIPLE_RIGHT_MINUS_WRONG
from .items import ORDERING
from .items import SCENARIO_SINGLE
from .items import SINGLE
from .items import TRUE_FALSE

NS = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/LOM}"


def parsed(item) -> Element:
    return fromstring(item_xml(item).encode())


def correct_values(root: Element) -> list[str]:
    return [v.text for v in root.findall(f"{NS}responseDeclaration/{NS}correctResponse/{NS}value")]


def interaction(root: Element) -> Element:
    body = root.find(f"{NS}itemBody")
    return next(e for e in body.iter() if e.tag.endswith("Interaction"))


def test_assessment_item_is_in_the_qti_2_1_namespace_with_its_declarations() -> None:
    root = parsed(SINGLE)
    assert root.tag == f"{NS}assessmentItem"
    assert root.get("identifier") == "comp-001"
    assert (root.get("adaptive"), root.get("timeDependent")) == ("false", "false")
    assert [child.tag.removeprefix(NS) for child in root] == [
        "responseDeclaration", "outcomeDeclaration", "outcomeDeclaration", "outcomeDeclaration",
        "itemBody", "responseProcessing", "modalFeedback",
    ]
    declaration = root.find(f"{NS}responseDeclaration")
    assert declaration.attrib == {"identifier": "RESPONSE", "cardinality": "single",
                                  "baseType": "identifier"}
    assert correct_values(root) == ["b"]


def test_single_choice_with_inline_option_feedback() -> None:
    choice = interaction(parsed(SINGLE))
    assert choice.tag == f"{NS}choiceInteraction"
    assert choice.get("maxChoices") == "1"
    simple = choice.findall(f"{NS}simpleChoice")
    assert [s.get("identifier") for s in simple] == ["a", "b", "c"]
    feedback = simple[1].find(f"{NS}feedbackInline")
    assert feedback.attrib == {"outcomeIdentifier": "FEEDBACK", "identifier": "b",
                               "showHide": "show"}


def test_multiple_right_minus_wrong_is_a_mapping_and_all_or_nothing_a_match() -> None:
    root = parsed(MULTIPLE_RIGHT_MINUS_WRONG)
    assert interaction(root).get("maxChoices") == "0"
    assert correct_values(root) == ["empathy", "awareness", "respect"]
    entries = {e.get("mapKey"): e.get("mappedValue") for e in root.iter(f"{NS}mapEntry")}
    assert entries == {"empathy": "0.666667", "awareness": "0.666667", "sympathy": "-0.666667",
                       "respect": "0.666667"}
    assert root.find(f".//{NS}mapping").get("lowerBound") == "0"
    assert root.find(f".//{NS}mapResponse") is not None
    strict = parsed(MULTIPLE_ALL_OR_NOTHING)
    assert strict.find(f".//{NS}mapping") is None
    assert strict.find(f".//{NS}match/{NS}correct") is not None


def test_true_false_matching_classification_and_ordering_interactions() -> None:
    true_false = interaction(parsed(TRUE_FALSE))
    assert true_false.get("class") == "qb-true-false"
    assert [s.get("identifier") for s in true_false] == ["true", "false"]

    matching = parsed(MATCHING)
    assert interaction(matching).tag == f"{NS}matchInteraction"
    assert matching.find(f"{NS}responseDeclaration").get("baseType") == "directedPair"
    assert correct_values(matching) == ["p1 r2", "p2 r1", "p3 r3"]
    sets = interaction(matching).findall(f"{NS}simpleMatchSet")
    assert [[c.get("identifier") for c in s] for s in sets] == [["p1", "p2", "p3"],
                                                                 ["r1", "r2", "r3"]]

    classification = parsed(CLASSIFICATION)
    match = interaction(classification)
    assert match.get("class") == "qb-classification"
    categories = match.findall(f"{NS}simpleMatchSet")[1]
    assert [c.get("matchMax") for c in categories] == ["0", "0"]

    ordering = parsed(ORDERING)
    assert interaction(ordering).tag == f"{NS}orderInteraction"
    assert ordering.find(f"{NS}responseDeclaration").get("cardinality") == "ordered"
    assert correct_values(ordering) == ["b", "c", "a", "d"]


def test_scenario_vignette_and_stem_are_marked_up_blocks() -> None:
    body = parsed(SCENARIO_SINGLE).find(f"{NS}itemBody")
    vignette, stem = body.findall(f"{NS}div")
    assert vignette.get("class") == "qb-vignette"
    assert stem.get("class") == "qb-stem"
    paragraph = vignette.find(f"{NS}p")
    assert paragraph.text == "A nurse tells a client about her own divorce to comfort him."
    assert paragraph.find(f"{NS}br").tail == "He looks uneasy."


def test_rationale_and_sources_are_the_modal_feedback() -> None:
    modal = parsed(CLASSIFICATION).find(f"{NS}modalFeedback")
    texts = ["".join(p.itertext()) for p in modal.findall(f"{NS}p")]
    assert texts == [
        "Only the therapeutic relationship is built around the client's needs.",
        "[s1] Goal: meet the client's needs — The relationship exists for the client."
        "[s2] Termination is not defined — Social relationships end without a plan.",
        "Source: 000_f0ef994ccb1e3b55.txt § Therapeutic vs social relationships",
    ]


def test_manifest_lists_every_item_with_lom_metadata() -> None:
    with zipfile.ZipFile(io.BytesIO(export_items(ALL_ITEMS, "qti21"))) as archive:
        manifest = fromstring(archive.read("imsmanifest.xml"))
        resources = manifest.findall(f"{CP}resources/{CP}resource")
        assert len(resources) == len(ALL_ITEMS)
        first = resources[0]
        assert first.get("type") == "imsqti_item_xmlv2p1"
        assert first.get("href") == "items/comp-001.xml"
        assert first.find(f"{CP}file").get("href") == "items/comp-001.xml"
        keywords = [k.findtext(f"{LOM}string") for k in first.iter(f"{LOM}keyword")]
        assert keywords == ["trust", "key-components", "qb:version=2", "qb:difficulty=1",
                            "qb:pool=components", "qb:enemy=comp-002"]
        assert first.findtext(f".//{LOM}difficulty/{LOM}value") == "easy"
        for resource in resources:
            assert fromstring(archive.read(resource.get("href"))).tag == f"{NS}assessmentItem"


# --------------------------------------------------------------------------- reading

FOREIGN_CHOICE = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="choice"
    title="Core value" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>ChoiceA</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>Read carefully.</p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
      <prompt>Which is a core value in <em>health and social care</em>?</prompt>
      <simpleChoice identifier="ChoiceA">Dignity</simpleChoice>
      <simpleChoice identifier="ChoiceB">Sympathy</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing
      template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>
"""

FOREIGN_TEXT_ENTRY = """<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
    identifier="text" title="Fill in" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string"/>
  <itemBody><p>Sympathy becomes <textEntryInteraction responseIdentifier="RESPONSE"/>.</p>
  </itemBody>
</assessmentItem>"""


def test_a_foreign_item_with_a_prompt_imports() -> None:
    report = import_items(FOREIGN_CHOICE, "qti21", "components", source="choice.xml")
    (item,) = report.items
    assert item.id == "choice"
    assert item.stem == "Read carefully.\n\nWhich is a core value in health and social care?"
    assert item.body == SingleBody((Choice("ChoiceA", "Dignity"), Choice("ChoiceB", "Sympathy")),
                                   "ChoiceA")
    assert report.problems == [
        "choice.xml:2: question 1 (choice): no rationale, no sources, no difficulty (set to 2) "
        "in the file: add before the bank validates"
    ]


def test_unsupported_interactions_are_reported_and_skipped() -> None:
    report = import_items(FOREIGN_TEXT_ENTRY, "qti21", "p", source="text.xml")
    assert report.items == []
    assert report.problems == [
        "text.xml:1: question 1 (text): unsupported textEntryInteraction (skipped)"
    ]


def test_package_with_a_missing_item_file_and_a_bad_item() -> None:
    package = export_items([SINGLE, ORDERING], "qti21")
    members = {}
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    del members["items/phase-001.xml"]
    members["items/comp-001.xml"] = b"<assessmentItem><itemBody>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    report = import_items(buffer.getvalue(), "qti21", "p", source="pkg.zip")
    assert report.items == []
    assert report.problems == [
        "pkg.zip:imsmanifest.xml: item file 'items/phase-001.xml' is missing",
        "pkg.zip:items/comp-001.xml:1: question 1: not well-formed XML (no element found) "
        "(skipped)",
    ]


def test_deeply_nested_markup_is_reported_not_a_crash() -> None:
    nested = "<div>" * 500 + "x" + "</div>" * 500
    xml = FOREIGN_CHOICE.replace("<p>Read carefully.</p>", nested)
    report = import_items(xml, "qti21", "p", source="deep.xml")
    assert report.items == []
    assert "markup nested too deeply" in report.problems[0]


@pytest.mark.parametrize("item", [MULTIPLE_RIGHT_MINUS_WRONG, MULTIPLE_ALL_OR_NOTHING])
def test_scoring_mode_is_read_from_the_response_processing(item) -> None:
    (back,) = import_items(item_xml(item), "qti21", item.pool).items
    assert back.body.scoring is item.body.scoring
    assert back.kind is ItemType.MULTIPLE
    assert item.body.scoring in (MultipleScoring.RIGHT_MINUS_WRONG,
                                 MultipleScoring.ALL_OR_NOTHING)
