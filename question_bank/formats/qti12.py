"""QTI 1.2 as Canvas imports it for classic quizzes (Settings > Import course content > QTI .zip).

The export is a zip content package: ``imsmanifest.xml`` (IMS Content Packaging 1.1) and one
QTI 1.2 assessment per pool, ``quiztool-<pool>/quiztool-<pool>.xml``, so Canvas creates one quiz
(and one question bank) per pool. ``assessment_xml`` gives the bare assessment document.

Each item follows the structure Canvas exports and imports (the same skeleton text2qti writes)::

    <item ident="comp-001" title="comp-001">
      <itemmetadata><qtimetadata>
        <qtimetadatafield><fieldlabel>question_type</fieldlabel>
                          <fieldentry>multiple_choice_question</fieldentry></qtimetadatafield>
        points_possible, original_answer_ids, assessment_question_identifierref,
        quiztool_version, quiztool_difficulty, quiztool_pool, quiztool_tag, quiztool_enemy...
      </qtimetadata></itemmetadata>
      <presentation>
        <material><mattext texttype="text/html">&lt;p&gt;stem&lt;/p&gt;</mattext></material>
        <response_lid ident="response1" rcardinality="Single"><render_choice>
          <response_label ident="a"><material><mattext>...</mattext></material></response_label>
      </presentation>
      <resprocessing>
        <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/>
        <respcondition continue="Yes"><conditionvar><other/></conditionvar>
          <displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>
        <respcondition continue="No"><conditionvar><varequal respident="response1">b</varequal>
          </conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>
      </resprocessing>
      <itemfeedback ident="general_fb"><flow_mat><material><mattext>...
      <itemfeedback ident="a_fb">... per option

Type mapping (Canvas question_type):

* single: ``multiple_choice_question``; multiple: ``multiple_answers_question`` with the
  all-correct condition written as ``<and>`` of ``varequal`` and ``<not><varequal>``; Canvas
  itself always gives partial credit for multiple answers, so the bank's scoring mode only rides
  along as ``quiztool_scoring`` (reported for all-or-nothing items).
* true_false: ``true_false_question`` with choices ``true``/``false``.
* matching: ``matching_question``: one ``response_lid ident="response_<premise id>"`` per premise,
  every response as a ``response_label`` in each, ``setvar action="Add"`` per correct pair.
* classification: ``matching_question`` (statements as premises, categories as the choices;
  Canvas lets several premises take the same choice) with ``quiztool_kind``.
* ordering: Canvas classic quizzes have no ordering type: ``matching_question`` matching each
  item to its position (``position_1``...) with ``quiztool_kind``; reported.
* scenario: vignette and stem labelled in the question text (``_compose``), ``quiztool_scenario``.

Ids are native (item ident, choice idents). Rationale, per-piece feedback (matching pieces) and
sources are the ``general_fb`` feedback (``_compose``); option rationales the ``<ident>_fb``
feedback Canvas shows per answer.

Import reads a package (zip; every QTI 1.2 document in it) or a bare XML document: Canvas exports
and other QTI 1.2 (``item`` inside ``assessment``/``section``/``objectbank``). It reads the four
types above, inferring the type from the response structure when there is no ``question_type``.
Essay, short answer, numerical, fill-in-blanks, dropdowns, file upload, text-only and calculated
questions are reported and skipped. Canvas's ``correct_fb``/``general_incorrect_fb`` feedback has
no bank field and is folded into the rationale (reported).
"""

from __future__ import annotations

import sys

from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import SubElement

from question_bank.formats._assemble import IdAllocator
from question_bank.formats._assemble import ReadQuestion
from question_bank.formats._assemble import read_one_item
from question_bank.formats._assemble import pool_from_category
from question_bank.formats._compose import composition_notes
from question_bank.formats._compose import general_feedback
from question_bank.formats._compose import question_text
from question_bank.formats._markers import Markers
from question_bank.formats._moodle import marked_type
from question_bank.formats._markers import read_markers
from question_bank.formats._report import ImportReport
from question_bank.formats._report import Place
from question_bank.formats._report import ProblemLog
from question_bank.formats._text import has_xml_invalid_chars
from question_bank.formats._text import html_to_text
from question_bank.formats._text import looks_like_html
from question_bank.formats._text import normalise_text
from question_bank.formats._text import text_to_html
from question_bank.formats._xml import InputRejected
from question_bank.formats._xml import XmlDocument
from question_bank.formats._xml import child
from question_bank.formats._xml import children
from question_bank.formats._xml import is_zip
from question_bank.formats._xml import namespaced_root
from question_bank.formats._xml import parse_xml
from question_bank.formats._xml import read_zip
from question_bank.formats._xml import serialise
from question_bank.formats._xml import text_of
from question_bank.formats._xml import write_zip
from question_bank import types as item_types
from question_bank.model import Choice
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.model import OrderingBody
from question_bank.model import SingleBody
from question_bank.model import TrueFalseBody
from question_bank.types.base import ChoiceShape
from question_bank.types.base import OrderShape
from question_bank.types.base import PairShape
from question_bank.types.base import Shape

NAME = "qti12"

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI_SCHEMA = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
CP_NAMESPACE = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_SCHEMA = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
RESOURCE_TYPE = "imsqti_xmlv1p2"

GENERAL_FEEDBACK = "general_fb"
RESPONSE = "response1"
META_PREFIX = "quiztool_"

#: Canvas types the bank can hold; any other (essay, short answer, numerical, fill in blanks,
#: dropdowns, file upload, text only, calculated...) is reported and skipped.
_SUPPORTED_TYPES = frozenset({"multiple_choice_question", "multiple_answers_question",
                              "true_false_question", "matching_question"})


def _native(spec: object) -> bool:
    """Whether a type writes and reads its own Canvas question (beyond the shared shapes)."""
    return bool(getattr(spec, "qti12_native", False))


def _question_type(shape: Shape) -> str:
    """The Canvas question type of an exchange shape (pairs and orders are matching)."""
    if isinstance(shape, ChoiceShape):
        if shape.true_false:
            return "true_false_question"
        return "multiple_answers_question" if shape.multiple else "multiple_choice_question"
    return "matching_question"

# --------------------------------------------------------------------------- export


def assessment_xml(items: Sequence[Item], title: str, ident: str | None = None) -> str:
    """One QTI 1.2 ``questestinterop`` document holding ``items`` as one assessment."""
    root = namespaced_root("questestinterop", QTI_NAMESPACE, f"{QTI_NAMESPACE} {QTI_SCHEMA}")
    assessment = SubElement(root, "assessment", ident=ident or _assessment_ident(title),
                            title=title)
    metadata = SubElement(assessment, "qtimetadata")
    _field(metadata, "cc_maxattempts", "1")
    section = SubElement(assessment, "section", ident="root_section")
    for item in items:
        element = _item_element(item)
        if element is not None:
            section.append(element)
    return serialise(root)


def _assessment_ident(pool: str) -> str:
    return f"quiztool-{pool}"


def export_items(items: Sequence[Item]) -> bytes:
    """A zip package: ``imsmanifest.xml`` and one assessment per pool (in first-seen order)."""
    pools: dict[str, list[Item]] = {}
    for item in items:
        pools.setdefault(item.pool, []).append(item)
    files: list[tuple[str, str | bytes]] = []
    manifest = namespaced_root("manifest", CP_NAMESPACE, f"{CP_NAMESPACE} {CP_SCHEMA}")
    manifest.set("identifier", "quiztool-qti12-export")
    meta = SubElement(manifest, "metadata")
    SubElement(meta, "schema").text = "IMS Content"
    SubElement(meta, "schemaversion").text = "1.1.3"
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    for pool, pool_items in pools.items():
        ident = _assessment_ident(pool)
        path = f"{ident}/{ident}.xml"
        resource = SubElement(resources, "resource", identifier=ident, type=RESOURCE_TYPE,
                              href=path)
        SubElement(resource, "file", href=path)
        files.append((path, assessment_xml(pool_items, pool, ident)))
    return write_zip([("imsmanifest.xml", serialise(manifest)), *files])


def export_notes(items: Sequence[Item]) -> list[str]:
    """What Canvas (QTI 1.2) cannot keep exactly."""
    notes = []
    if any(item.kind is ItemType.ORDERING for item in items):
        notes.append("Canvas classic quizzes have no ordering question: ordering items are "
                     "matching questions (each item matched to its position)")
    for item in items:
        shape = item_types.spec_for(item).exchange(item.body)
        if shape is None and not _native(item_types.spec_for(item)):
            notes.append(f"{item.id}: {item_types.spec_for(item).exchange_note}")
            continue
        lines = composition_notes(item) + item_types.spec_for(item).export_notes(item.body, NAME)
        if isinstance(shape, ChoiceShape) and shape.scoring is MultipleScoring.ALL_OR_NOTHING:
            lines.append("all-or-nothing scoring: Canvas gives partial credit on multiple "
                         "answers questions")
        if any(has_xml_invalid_chars(t) for t in _all_texts(item)):
            lines.append("control characters XML cannot carry are removed")
        notes += [f"{item.id}: {line}" for line in lines]
    return notes


def _all_texts(item: Item) -> list[str]:
    texts = [item.stem, item.rationale, item.vignette or "", *item.tags, *item.enemies]
    for choice in _choices_of(item):
        texts += [choice.text, choice.rationale]
    return texts


def _choices_of(item: Item) -> list[Choice]:
    return [choice for _, choice in item_types.spec_for(item).pieces(item.body)]


def _field(metadata: Element, label: str, entry: str) -> None:
    field_element = SubElement(metadata, "qtimetadatafield")
    SubElement(field_element, "fieldlabel").text = label
    SubElement(field_element, "fieldentry").text = entry


def _mattext(parent: Element, text: str, *, html: bool = True) -> Element:
    material = SubElement(parent, "material")
    mattext = SubElement(material, "mattext", texttype="text/html" if html else "text/plain")
    mattext.text = text_to_html(text) if html else text
    return material


def _item_element(item: Item) -> Element | None:
    spec = item_types.spec_for(item)
    shape = spec.exchange(item.body)
    native = shape is None and _native(spec)
    if shape is None and not native:
        return None  # listed in the export notes
    element = Element("item", ident=item.id, title=item.id)
    metadata = SubElement(SubElement(element, "itemmetadata"), "qtimetadata")
    if native:  # the type's own Canvas question (a cloze is multiple dropdowns)
        text, answer_ids, variant = spec.qti12_plan(item, question_text(item))
        _field(metadata, "question_type", spec.qti12_type)
    else:
        text, answer_ids, variant = question_text(item), _answer_idents(shape), None
        _field(metadata, "question_type", _question_type(shape))
    _field(metadata, "points_possible", str(item.points))
    _field(metadata, "original_answer_ids", ",".join(answer_ids))
    _field(metadata, "assessment_question_identifierref", f"{item.id}-ref")
    for label, entry in _quiztool_fields(item, shape):
        _field(metadata, label, entry)
    if variant:
        _field(metadata, META_PREFIX + "variant", variant)
    presentation = SubElement(element, "presentation")
    _mattext(presentation, text)
    processing = Element("resprocessing")
    outcomes = SubElement(processing, "outcomes")
    SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE",
               vartype="Decimal")
    feedback = general_feedback(item)
    if feedback:
        condition = SubElement(processing, "respcondition", {"continue": "Yes"})
        SubElement(SubElement(condition, "conditionvar"), "other")
        _display_feedback(condition, GENERAL_FEEDBACK)
    option_feedback: list[Choice] = []
    if native:
        spec.qti12_write(item, presentation, processing, sys.modules[__name__])
    elif isinstance(shape, ChoiceShape):
        choices = list(shape.choices)
        cardinality = "Multiple" if shape.multiple else "Single"
        lid = SubElement(presentation, "response_lid", ident=RESPONSE,
                         rcardinality=cardinality)
        render = SubElement(lid, "render_choice")
        for choice in choices:
            label = SubElement(render, "response_label", ident=choice.id)
            _mattext(label, choice.text)
        option_feedback = [c for c in choices if c.rationale]
        for choice in option_feedback:
            condition = SubElement(processing, "respcondition", {"continue": "Yes"})
            _varequal(SubElement(condition, "conditionvar"), RESPONSE, choice.id)
            _display_feedback(condition, f"{choice.id}_fb")
        _correct_condition(processing, shape)
    else:
        left, right, key = _matching_shape(shape)
        for premise in left:
            lid = SubElement(presentation, "response_lid", ident=f"response_{premise.id}")
            _mattext(lid, premise.text, html=False)
            render = SubElement(lid, "render_choice")
            for response in right:
                label = SubElement(render, "response_label", ident=response.id)
                _mattext(label, response.text, html=False)
        share = f"{100 / len(left):.2f}"
        for premise in left:
            condition = SubElement(processing, "respcondition")
            _varequal(SubElement(condition, "conditionvar"), f"response_{premise.id}",
                      key[premise.id])
            SubElement(condition, "setvar", varname="SCORE", action="Add").text = share
    element.append(processing)
    if feedback:
        _item_feedback(element, GENERAL_FEEDBACK, feedback)
    for choice in option_feedback:
        _item_feedback(element, f"{choice.id}_fb", choice.rationale)
    return element


def _answer_idents(shape: Shape) -> list[str]:
    if isinstance(shape, ChoiceShape):
        return [c.id for c in shape.choices]
    left, _, _ = _matching_shape(shape)
    return [c.id for c in left]


def _matching_shape(shape: PairShape | OrderShape) -> tuple[list[Choice], list[Choice], dict[str, str]]:
    """``(premises, choices, key)`` of a body written as a Canvas matching question."""
    if isinstance(shape, PairShape):
        return list(shape.left), list(shape.right), dict(shape.key)
    positions = [Choice(f"position_{n}", str(n)) for n in range(1, len(shape.key) + 1)]
    key = {option_id: f"position_{n}" for n, option_id in enumerate(shape.key, 1)}
    return list(shape.options), positions, key


def _quiztool_fields(item: Item, shape: Shape) -> list[tuple[str, str]]:
    fields = [("version", str(item.version)), ("difficulty", str(item.difficulty)),
              ("pool", item.pool)]
    if shape is None or isinstance(shape, OrderShape) or (isinstance(shape, PairShape | ChoiceShape) and shape.kind):
        fields.append(("kind", item.kind.value))
    if isinstance(shape, ChoiceShape) and shape.variant:
        fields.append(("variant", shape.variant))
    if item.type is ItemType.SCENARIO:
        fields.append(("scenario", item.kind.value))
    if isinstance(shape, ChoiceShape) and shape.scoring is not None:
        fields.append(("scoring", shape.scoring.value))
    fields += [("enemy", enemy) for enemy in item.enemies]
    fields += [("cover", fact) for fact in item.covers]
    if item.lint_ok:
        fields.append(("lint_ok", " ".join(item.lint_ok.split())))
    fields += [("tag", tag) for tag in item.tags]
    return [(META_PREFIX + label, entry) for label, entry in fields]


def _varequal(conditionvar: Element, respident: str, value: str) -> None:
    SubElement(conditionvar, "varequal", respident=respident).text = value


def _display_feedback(condition: Element, link: str) -> None:
    SubElement(condition, "displayfeedback", feedbacktype="Response", linkrefid=link)


def _correct_condition(processing: Element, shape: ChoiceShape) -> None:
    condition = SubElement(processing, "respcondition", {"continue": "No"})
    conditionvar = SubElement(condition, "conditionvar")
    if shape.multiple:
        both = SubElement(conditionvar, "and")
        for choice in shape.choices:
            if choice.id in shape.key:
                _varequal(both, RESPONSE, choice.id)
            else:
                _varequal(SubElement(both, "not"), RESPONSE, choice.id)
    else:
        _varequal(conditionvar, RESPONSE, shape.key[0])
    SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"


def _item_feedback(item: Element, ident: str, text: str) -> None:
    feedback = SubElement(item, "itemfeedback", ident=ident)
    _mattext(SubElement(feedback, "flow_mat"), text)


# --------------------------------------------------------------------------- import


def import_items(data: str | bytes, pool: str, source: str = "import.zip") -> ImportReport:
    log = ProblemLog()
    try:
        documents = _documents(data, source)
    except InputRejected as rejected:
        log.add(Place(source, rejected.line), f"{rejected.message}; nothing imported")
        return ImportReport([], log.lines)
    items: list[Item] = []
    ids = IdAllocator()
    number = 0
    for name, payload in documents:
        try:
            document = parse_xml(payload)
        except InputRejected as rejected:
            log.add(Place(name, rejected.line), f"{rejected.message}; skipped")
            continue
        if document.root.tag != "questestinterop":
            log.add(Place(name, document.line(document.root)),
                    f"root element is <{document.root.tag}>, not <questestinterop>; skipped")
            continue
        for element, title in _items_with_assessment_title(document.root):
            number += 1
            place = Place(name, document.line(element), number, element.get("title", ""))
            def read(element: Any = element, place: Place = place) -> ReadQuestion | None:
                question = _read_item(element, document, place, log)
                if question is not None and question.pool is None and title:
                    question.pool = pool_from_category(title)
                return question

            item = read_one_item(read, place, pool, log, ids)
            if item is not None:
                items.append(item)
    if number == 0:
        log.add(Place(source), "no QTI 1.2 items found")
    return ImportReport(items, log.lines)


def _documents(data: str | bytes, source: str) -> list[tuple[str, str | bytes]]:
    """The QTI documents to read: the package's XML files in manifest order, or ``data`` itself."""
    if not is_zip(data):
        return [(source, data)]
    members = read_zip(data)  # type: ignore[arg-type]  (is_zip implies bytes)
    ordered: list[str] = []
    if "imsmanifest.xml" in members:
        try:
            manifest = parse_xml(members["imsmanifest.xml"]).root
        except InputRejected:
            manifest = None
        if manifest is not None:
            for element in manifest.iter():
                href = element.get("href")
                if element.tag in ("resource", "file") and href in members:
                    ordered.append(href)
    ordered += sorted(name for name in members if name.lower().endswith((".xml", ".qti")))
    skip = {"imsmanifest.xml"}
    names = [n for n in dict.fromkeys(ordered) if n not in skip and _looks_like_qti(members[n])]
    return [(f"{source}:{name}", members[name]) for name in names]


def _looks_like_qti(payload: bytes) -> bool:
    return b"questestinterop" in payload[:4096]


def _items_with_assessment_title(root: Element) -> list[tuple[Element, str]]:
    """Every item in document order of its assessment, with that assessment's title."""
    found: list[tuple[Element, str]] = []
    for assessment in root.iter("assessment"):
        found += [(item, assessment.get("title", "")) for item in assessment.iter("item")]
    seen = {id(item) for item, _ in found}
    return found + [(item, "") for item in root.iter("item") if id(item) not in seen]


def _metadata(item: Element) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for metadata_field in item.iter("qtimetadatafield"):
        label = text_of(child(metadata_field, "fieldlabel")).strip()
        fields.setdefault(label, []).append(text_of(child(metadata_field, "fieldentry")).strip())
    return fields


def _markers_from_metadata(fields: dict[str, list[str]]) -> Markers:
    tags: list[str] = []
    for label, entries in fields.items():
        if not label.startswith(META_PREFIX):
            continue
        key = label[len(META_PREFIX) :]
        for entry in entries:
            tags.append(entry if key == "tag" else f"qb:{key}={entry}")
    markers = read_markers(tags)
    if markers.scoring is MultipleScoring.RIGHT_MINUS_WRONG:
        markers.scoring = None  # the default; keeps foreign and own files alike
    return markers


class _Texts:
    def __init__(self, place: Place, log: ProblemLog) -> None:
        self.place = place
        self.log = log

    def of(self, element: Element | None) -> str:
        """Plain text of the ``mattext`` elements in ``element`` (not inside responses)."""
        if element is None:
            return ""
        parts = []
        for mattext in _material_texts(element):
            raw = text_of(mattext)
            texttype = (mattext.get("texttype") or "").lower()
            if texttype == "text/html" or (not texttype and looks_like_html(raw)):
                text, dropped = html_to_text(raw)
                if dropped:
                    self.log.add(self.place, f"{', '.join(sorted(dropped))} dropped")
            else:
                text = normalise_text(raw)
            if text:
                parts.append(text)
        if any(True for _ in element.iter("matimage")):
            self.log.add(self.place, "image dropped")
        return "\n\n".join(parts)


def _material_texts(element: Element) -> list[Element]:
    found: list[Element] = []
    for node in element:
        if node.tag.startswith("response_") or node.tag == "render_choice":
            continue
        if node.tag == "mattext":
            found.append(node)
        else:
            found += _material_texts(node)
    return found


def _read_item(
    element: Element, document: XmlDocument, place: Place, log: ProblemLog
) -> ReadQuestion | None:
    fields = _metadata(element)
    question_type = (fields.get("question_type") or [""])[0]
    native = next((spec for spec in item_types.TYPES.values()
                   if _native(spec) and spec.qti12_type == question_type), None)
    if question_type and question_type not in _SUPPORTED_TYPES and native is None:
        log.add(place, f"unsupported type {question_type} (skipped)")
        return None
    presentation = child(element, "presentation")
    if presentation is None:
        log.add(place, "no presentation (skipped)")
        return None
    texts = _Texts(place, log)
    lids = list(presentation.iter("response_lid"))
    if not lids:
        other = next((e.tag for e in presentation.iter() if e.tag.startswith("response_")), None)
        what = f"a {other} response" if other else "no response"
        log.add(place, f"unsupported question with {what} (skipped)")
        return None
    markers = _markers_from_metadata(fields)
    scoring = _Scoring(element)
    feedback = _Feedback(element, scoring, texts)
    stem = None
    if native is not None:
        body, stem = native.qti12_read(texts.of(presentation), lids, markers, scoring, texts,
                                       sys.modules[__name__])
        read = ReadQuestion(place, [], native.type, body, "") if body is not None else None
        if read is None:
            log.add(place, f"{question_type}: its blanks could not be read (skipped)")
    elif question_type == "matching_question" or (not question_type and len(lids) > 1):
        read = _read_matching(lids, markers, scoring, texts, place, log)
    else:
        read = _read_choice(lids[0], question_type, markers, scoring, feedback, texts, place, log)
    if read is None:
        return None
    if markers.version:  # written by this tool: the ident is the item id
        read.id_candidates = [element.get("ident", "")]
    else:
        read.id_note = f"ident {element.get('ident', '')!r} is an LMS identifier, not a bank id"
    read.text = stem if stem is not None else texts.of(presentation)
    read.feedback = feedback.general()
    read.extra_rationale = feedback.extra()
    if read.extra_rationale:
        log.add(place, "correct/incorrect feedback folded into the rationale")
    read.markers = markers
    points = (fields.get("points_possible") or [""])[0]
    try:
        read.points = float(points) if points else None
    except ValueError:
        log.add(place, f"points_possible {points!r} is not a number; 1 point used")
    return read


class _Scoring:
    """Which response values earn credit, read from ``resprocessing``."""

    def __init__(self, item: Element) -> None:
        self.credited: list[tuple[str, str]] = []  # (respident, value)
        self.conditions: list[Element] = list(item.iter("respcondition"))
        for condition in self.conditions:
            if not any(self._positive(setvar) for setvar in condition.iter("setvar")):
                continue
            conditionvar = child(condition, "conditionvar")
            if conditionvar is not None:
                self.credited += _plain_varequals(conditionvar)

    @staticmethod
    def _positive(setvar: Element) -> bool:
        try:
            return float(text_of(setvar).strip()) > 0
        except ValueError:
            return False

    def values_for(self, respident: str) -> list[str]:
        return [value for ident, value in self.credited if ident == respident]


def _plain_varequals(node: Element) -> list[tuple[str, str]]:
    """``varequal`` under ``node`` that are not negated."""
    found = []
    for element in node:
        if element.tag == "not":
            continue
        if element.tag == "varequal":
            found.append((element.get("respident", ""), text_of(element).strip()))
        else:
            found += _plain_varequals(element)
    return found


class _Feedback:
    """Item feedback texts and which respcondition shows which."""

    _OUTCOME_FEEDBACK = {"correct_fb": "Correct answer", "general_incorrect_fb": "Incorrect answer"}

    def __init__(self, item: Element, scoring: _Scoring, texts: _Texts) -> None:
        self.texts = {fb.get("ident", ""): texts.of(fb) for fb in children(item, "itemfeedback")}
        self.by_value: dict[str, str] = {}
        self.general_idents: list[str] = []
        for condition in scoring.conditions:
            links = [d.get("linkrefid", "") for d in condition.iter("displayfeedback")]
            conditionvar = child(condition, "conditionvar")
            values = _plain_varequals(conditionvar) if conditionvar is not None else []
            is_other = conditionvar is not None and child(conditionvar, "other") is not None
            for link in links:
                if link in self._OUTCOME_FEEDBACK:
                    continue
                if is_other or not values:
                    self.general_idents.append(link)
                elif len(values) == 1 and not any(s for s in condition.iter("setvar")):
                    self.by_value.setdefault(values[0][1], link)

    def general(self) -> str:
        idents = list(dict.fromkeys(self.general_idents))
        if not idents and GENERAL_FEEDBACK in self.texts:
            idents = [GENERAL_FEEDBACK]
        return "\n\n".join(self.texts[i] for i in idents if self.texts.get(i))

    def for_choice(self, ident: str) -> str:
        link = self.by_value.get(ident, f"{ident}_fb")
        return self.texts.get(link, "")

    def extra(self) -> list[str]:
        return [f"{label}: {self.texts[ident]}" for ident, label in self._OUTCOME_FEEDBACK.items()
                if self.texts.get(ident)]


def _labels(lid: Element, texts: _Texts) -> list[tuple[str, str]]:
    return [(label.get("ident", ""), texts.of(label)) for label in lid.iter("response_label")]


def _read_choice(
    lid: Element,
    question_type: str,
    markers: Markers,
    scoring: _Scoring,
    feedback: _Feedback,
    texts: _Texts,
    place: Place,
    log: ProblemLog,
) -> ReadQuestion | None:
    labels = _labels(lid, texts)
    credited = [v for v in scoring.values_for(lid.get("ident", "")) if v in dict(labels)]
    credited = list(dict.fromkeys(credited))
    if not credited:
        log.add(place, "no choice is marked correct (skipped)")
        return None
    words = {text.strip().lower() for _, text in labels}
    multiple = question_type == "multiple_answers_question" or (
        not question_type and lid.get("rcardinality", "Single").lower() == "multiple"
    )
    if question_type == "true_false_question" or (
        not question_type and not multiple and words == {"true", "false"}
    ):
        answer = dict(labels)[credited[0]].strip().lower() == "true"
        return ReadQuestion(place, [], ItemType.TRUE_FALSE, TrueFalseBody(answer), "")
    options = tuple(Choice(ident, text, feedback.for_choice(ident)) for ident, text in labels)
    marked = marked_type(markers.kind)
    if multiple and marked is not None:
        shape = ChoiceShape(options, tuple(c.id for c in options if c.id in credited),
                            multiple=True, kind=marked.type, variant=markers.variant)
        return ReadQuestion(place, [], marked.type, marked.from_exchange(shape), "")
    if multiple:
        scoring_mode = markers.scoring or MultipleScoring.RIGHT_MINUS_WRONG
        body = MultipleBody(options, frozenset(credited), scoring_mode)
        return ReadQuestion(place, [], ItemType.MULTIPLE, body, "")
    if len(credited) > 1:
        log.add(place, f"{len(credited)} choices earn credit; kept the first as the key")
    return ReadQuestion(place, [], ItemType.SINGLE, SingleBody(options, credited[0]), "")


def _read_matching(
    lids: list[Element],
    markers: Markers,
    scoring: _Scoring,
    texts: _Texts,
    place: Place,
    log: ProblemLog,
) -> ReadQuestion | None:
    left: list[Choice] = []
    right: dict[str, str] = {}
    key: dict[str, str] = {}
    for lid in lids:
        ident = lid.get("ident", "")
        left_id = ident.removeprefix("response_")
        left.append(Choice(left_id, texts.of(lid)))
        for label_ident, text in _labels(lid, texts):
            right.setdefault(label_ident, text)
        credited = [v for v in scoring.values_for(ident) if v in right]
        if credited:
            key[left_id] = credited[0]
    right_choices = tuple(Choice(i, t) for i, t in right.items())
    if markers.kind is ItemType.ORDERING:
        return _ordering_from_positions(left, right, key, place, log)
    marked = item_types.spec_for(markers.kind) if markers.kind is not None else None
    if marked is not None and marked.pair_roles and marked.type is not ItemType.MATCHING:
        shape = PairShape(*marked.pair_roles[:1], tuple(left), marked.pair_roles[1], right_choices,
                          key, kind=marked.type)
        return ReadQuestion(place, [], marked.type, marked.from_exchange(shape), "")
    return ReadQuestion(place, [], ItemType.MATCHING,
                        MatchingBody(tuple(left), right_choices, key), "")


def _ordering_from_positions(
    left: list[Choice], right: dict[str, str], key: dict[str, str], place: Place, log: ProblemLog
) -> ReadQuestion | None:
    try:
        position = {left_id: int(right[value]) for left_id, value in key.items()}
    except (KeyError, ValueError):
        position = {}
    if sorted(position.values()) != list(range(1, len(left) + 1)) or len(position) != len(left):
        log.add(place, "marked as ordering, but the choices are not the positions 1..n (skipped)")
        return None
    order = tuple(sorted(position, key=position.__getitem__))
    return ReadQuestion(place, [], ItemType.ORDERING, OrderingBody(tuple(left), order), "")
