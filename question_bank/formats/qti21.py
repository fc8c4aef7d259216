"""QTI 2.1: one ``assessmentItem`` per item, in an IMS content package (zip).

Why a package and not one XML file: a QTI 2.1 document holds exactly one item, and players and
item banks (TAO, Inspera, Onyx, Learnosity importers...) take a zip with ``imsmanifest.xml``
listing the items, so ``export_items`` returns the zip as bytes:

    imsmanifest.xml              one resource per item, type imsqti_item_xmlv2p1, with LOM
                                 metadata: identifier, keywords (tags and qb: markers for
                                 version, difficulty, pool, enemies), difficulty, version
    items/comp-001.xml           assessmentItem in the imsqti_v2p1 namespace

Items are ``adaptive="false" timeDependent="false"`` with ``SCORE``/``MAXSCORE`` (MAXSCORE = the
item's points), and this mapping:

===============  =================================================================================
single           ``choiceInteraction maxChoices="1"``, correctResponse = key, match_correct scoring
multiple         ``choiceInteraction maxChoices="0"``, correctResponse = key; all-or-nothing: match;
                 right-minus-wrong: ``mapping`` (key +points/k, other -points/k, lowerBound 0)
true_false       ``choiceInteraction class="qb-true-false"`` with choices ``true``/``false``
matching         ``matchInteraction``: premises and responses as two ``simpleMatchSet``;
                 ``directedPair`` correctResponse; ``mapping`` gives points/n per correct pair
classification   ``matchInteraction class="qb-classification"``: statements (matchMax 1) and
                 categories (matchMax 0, unlimited); scored like matching
ordering         ``orderInteraction``, ``ordered`` correctResponse = key, match_correct scoring
scenario         ``<div class="qb-vignette">`` before ``<div class="qb-stem">`` in ``itemBody``
===============  =================================================================================

Option rationales of single/multiple are ``feedbackInline`` inside their ``simpleChoice`` (shown
when ``FEEDBACK`` holds the chosen ids); the rationale, per-piece feedback of the other types and
sources are one ``modalFeedback identifier="qb-rationale"`` in the ``_compose`` layout. Text is
``<p>``/``<br/>`` XHTML in the QTI namespace.

Import reads such packages (or one bare ``assessmentItem``): choice, order and match
interactions; other interactions (text entry, extended text, associate, gap match, hotspot...)
and items with several interactions are reported and skipped.
"""

from __future__ import annotations

import sys

import re
from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import SubElement

from question_bank.formats._assemble import IdAllocator
from question_bank.formats._assemble import ReadQuestion
from question_bank.formats._assemble import read_one_item
from question_bank.formats._compose import body_pieces
from question_bank.formats._compose import composition_notes
from question_bank.formats._compose import general_feedback
from question_bank.formats._markers import Markers
from question_bank.formats._markers import marker
from question_bank.formats._markers import read_markers
from question_bank.formats._markers import review_markers
from question_bank.formats._report import ImportReport
from question_bank.formats._report import Place
from question_bank.formats._report import ProblemLog
from question_bank.formats._text import TextCollector
from question_bank.formats._text import has_xml_invalid_chars
from question_bank.formats._xml import InputRejected
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

NAME = "qti21"

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_SCHEMA = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NAMESPACE = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_SCHEMA = "http://www.imsglobal.org/xsd/qti/qtiv2p1/qtiv2p1_imscpv1p2_v1p0.xsd"
LOM_NAMESPACE = "http://ltsc.ieee.org/xsd/LOM"
LOM_SCHEMA = "http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd"
ITEM_RESOURCE_TYPE = "imsqti_item_xmlv2p1"

RESPONSE = "RESPONSE"
RATIONALE = "qb-rationale"
TRUE_FALSE_CLASS = "qb-true-false"
CLASSIFICATION_CLASS = "qb-classification"
VIGNETTE_CLASS = "qb-vignette"
STEM_CLASS = "qb-stem"
_DIFFICULTY_WORDS = {1: "easy", 2: "medium", 3: "difficult"}
_QTI_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_INTERACTIONS = {"choiceInteraction", "orderInteraction", "matchInteraction"}
_MAX_DEPTH = 200

# --------------------------------------------------------------------------- export


def export_items(items: Sequence[Item]) -> bytes:
    manifest = namespaced_root(
        "manifest", CP_NAMESPACE, f"{CP_NAMESPACE} {CP_SCHEMA} {LOM_NAMESPACE} {LOM_SCHEMA}",
        {"xmlns:imsmd": LOM_NAMESPACE},
    )
    manifest.set("identifier", "quiztool-qti21-export")
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    files: list[tuple[str, str | bytes]] = []
    used_paths: set[str] = set()
    for item in items:
        document = item_xml(item)
        if document is None:
            continue  # listed in the export notes
        path = _item_path(item, used_paths)
        identifier = "item-" + path.removeprefix("items/").removesuffix(".xml")
        resource = SubElement(resources, "resource", identifier=identifier,
                              type=ITEM_RESOURCE_TYPE, href=path)
        resource.append(_lom(item))
        SubElement(resource, "file", href=path)
        files.append((path, document))
    return write_zip([("imsmanifest.xml", serialise(manifest)), *files])


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _item_path(item: Item, used: set[str]) -> str:
    stem = _safe(item.id)
    path, number = f"items/{stem}.xml", 1
    while path in used:
        number += 1
        path = f"items/{stem}-{number}.xml"
    used.add(path)
    return path


def _lom(item: Item) -> Element:
    metadata = Element("metadata")
    lom = SubElement(metadata, "imsmd:lom")
    general = SubElement(lom, "imsmd:general")
    identifier = SubElement(general, "imsmd:identifier")
    SubElement(identifier, "imsmd:catalog").text = "quiztool"
    SubElement(identifier, "imsmd:entry").text = item.id
    for keyword in [*item.tags, *_item_markers(item)]:
        SubElement(SubElement(general, "imsmd:keyword"), "imsmd:string").text = keyword
    life_cycle = SubElement(lom, "imsmd:lifeCycle")
    SubElement(SubElement(life_cycle, "imsmd:version"), "imsmd:string").text = str(item.version)
    educational = SubElement(lom, "imsmd:educational")
    difficulty = SubElement(educational, "imsmd:difficulty")
    SubElement(difficulty, "imsmd:source").text = "LOMv1.0"
    SubElement(difficulty, "imsmd:value").text = _DIFFICULTY_WORDS.get(item.difficulty, "medium")
    return metadata


def _item_markers(item: Item) -> list[str]:
    markers = [marker("version", item.version), marker("difficulty", item.difficulty),
               marker("pool", item.pool)]
    return markers + [marker("enemy", enemy) for enemy in item.enemies] + review_markers(item.covers, item.lint_ok)


def item_xml(item: Item) -> str | None:
    """One item as a QTI 2.1 ``assessmentItem`` document (None: its type has no QTI form)."""
    spec = item_types.spec_for(item)
    shape = spec.exchange(item.body)
    if shape is None and not _native(spec):
        return None
    root = namespaced_root("assessmentItem", QTI_NAMESPACE, f"{QTI_NAMESPACE} {QTI_SCHEMA}")
    root.attrib.update(identifier=item.id, title=item.id, adaptive="false",
                       timeDependent="false")
    response = SubElement(root, "responseDeclaration", identifier=RESPONSE) if shape else None
    _outcome(root, "SCORE", "0")
    _outcome(root, "MAXSCORE", str(item.points))
    SubElement(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple",
               baseType="identifier")
    item_body = SubElement(root, "itemBody")
    if item.vignette is not None:
        _paragraphs(SubElement(item_body, "div", {"class": VIGNETTE_CLASS}), item.vignette)
    _paragraphs(SubElement(item_body, "div", {"class": STEM_CLASS}), item.stem)
    if shape is None:
        # The type writes its own interactions, declarations and processing (its qti21_write);
        # declarations go first, as QTI orders them.
        spec.qti21_write(item, root, item_body, sys.modules[__name__])
        for declaration in [e for e in root if e.tag == "responseDeclaration"]:
            root.remove(declaration)
            root.insert(0, declaration)
    elif isinstance(shape, ChoiceShape):
        scored_by_map = _choice_item(response, item_body, shape, item.points)
        feedback_of_response = True
    elif isinstance(shape, OrderShape):
        response.attrib.update(cardinality="ordered", baseType="identifier")
        _values(response, list(shape.key))
        interaction = SubElement(item_body, "orderInteraction", responseIdentifier=RESPONSE,
                                 shuffle="true")
        for choice in shape.options:
            _inline(SubElement(interaction, "simpleChoice", identifier=choice.id), choice.text)
        scored_by_map = feedback_of_response = False
    else:
        _match_item(response, item_body, item, shape)
        scored_by_map, feedback_of_response = True, False
    if shape is not None:
        _response_processing(root, scored_by_map=scored_by_map,
                             feedback_of_response=feedback_of_response)
    feedback = general_feedback(item)
    if feedback:
        modal = SubElement(root, "modalFeedback", outcomeIdentifier="FEEDBACK",
                           identifier=RATIONALE, showHide="show", title="Rationale")
        _paragraphs(modal, feedback)
    return serialise(root)


def _outcome(root: Element, identifier: str, default: str) -> None:
    outcome = SubElement(root, "outcomeDeclaration", identifier=identifier,
                         cardinality="single", baseType="float")
    SubElement(SubElement(outcome, "defaultValue"), "value").text = default


def _values(response: Element, values: list[str]) -> None:
    correct = SubElement(response, "correctResponse")
    for value in values:
        SubElement(correct, "value").text = value


def _number(value: float) -> str:
    return format(round(value, 6), "g")


def _choice_item(response: Element, item_body: Element, shape: ChoiceShape, points: int) -> bool:
    """Fill in a choice item; True when it is scored by a mapping (right-minus-wrong)."""
    choices = list(shape.choices)
    key = list(shape.key)
    response.attrib.update(cardinality="multiple" if shape.multiple else "single",
                           baseType="identifier")
    _values(response, key)
    by_map = shape.multiple and (shape.scoring is MultipleScoring.RIGHT_MINUS_WRONG
                                 or not shape.penalty)
    if by_map:
        share = points / len(key)
        mapping = SubElement(response, "mapping", lowerBound="0", upperBound=str(points),
                             defaultValue="0")
        for choice in choices:
            value = share if choice.id in key else (-share if shape.penalty else 0)
            SubElement(mapping, "mapEntry", mapKey=choice.id, mappedValue=_number(value))
    attributes = {"responseIdentifier": RESPONSE, "shuffle": "true",
                  "maxChoices": str(shape.max_choices) if shape.multiple else "1"}
    if shape.true_false:
        attributes.update({"class": TRUE_FALSE_CLASS, "shuffle": "false"})
    if shape.kind is not None:  # a marked type: qb-<type> and its variant, read back by class
        marks = [f"qb-{shape.kind.value}"] + ([f"qb-variant-{shape.variant}"] if shape.variant else [])
        attributes["class"] = " ".join(marks)
    interaction = SubElement(item_body, "choiceInteraction", attributes)
    for choice in choices:
        simple = SubElement(interaction, "simpleChoice", identifier=choice.id)
        _inline(simple, choice.text)
        if choice.rationale:
            inline = SubElement(simple, "feedbackInline", outcomeIdentifier="FEEDBACK",
                                identifier=choice.id, showHide="show")
            _inline(inline, choice.rationale)
    return by_map


def _match_item(response: Element, item_body: Element, item: Item, shape: PairShape) -> None:
    left, right = shape.left, shape.right
    css = f"qb-{shape.kind.value}" if shape.kind is not None else None  # qb-classification...
    response.attrib.update(cardinality="multiple", baseType="directedPair")
    pairs = [f"{c.id} {shape.key[c.id]}" for c in left]
    _values(response, pairs)
    mapping = SubElement(response, "mapping", lowerBound="0", upperBound=str(item.points),
                         defaultValue="0")
    for pair in pairs:
        SubElement(mapping, "mapEntry", mapKey=pair, mappedValue=_number(item.points / len(left)))
    attributes = {"responseIdentifier": RESPONSE, "shuffle": "true",
                  "maxAssociations": str(len(left))}
    if css:
        attributes["class"] = css
    interaction = SubElement(item_body, "matchInteraction", attributes)
    left_set = SubElement(interaction, "simpleMatchSet")
    for choice in left:
        _inline(SubElement(left_set, "simpleAssociableChoice", identifier=choice.id,
                           matchMax="1"), choice.text)
    right_set = SubElement(interaction, "simpleMatchSet")
    uses = {c.id: list(shape.key.values()).count(c.id) for c in right}
    for choice in right:
        match_max = "0" if shape.reusable else str(max(1, uses[choice.id]))
        _inline(SubElement(right_set, "simpleAssociableChoice", identifier=choice.id,
                           matchMax=match_max), choice.text)


def _response_processing(root: Element, *, scored_by_map: bool, feedback_of_response: bool) -> None:
    processing = SubElement(root, "responseProcessing")
    condition = SubElement(processing, "responseCondition")
    if scored_by_map:
        when = SubElement(condition, "responseIf")
        SubElement(SubElement(when, "isNull"), "variable", identifier=RESPONSE)
        _set_float(when, "SCORE", "0")
        otherwise = SubElement(condition, "responseElse")
        score = SubElement(otherwise, "setOutcomeValue", identifier="SCORE")
        SubElement(score, "mapResponse", identifier=RESPONSE)
    else:
        when = SubElement(condition, "responseIf")
        match = SubElement(when, "match")
        SubElement(match, "variable", identifier=RESPONSE)
        SubElement(match, "correct", identifier=RESPONSE)
        score = SubElement(when, "setOutcomeValue", identifier="SCORE")
        SubElement(score, "variable", identifier="MAXSCORE")
        _set_float(SubElement(condition, "responseElse"), "SCORE", "0")
    feedback = SubElement(SubElement(processing, "setOutcomeValue", identifier="FEEDBACK"),
                          "multiple")
    if feedback_of_response:
        SubElement(feedback, "variable", identifier=RESPONSE)
    SubElement(feedback, "baseValue", baseType="identifier").text = RATIONALE


def _set_float(parent: Element, identifier: str, value: str) -> None:
    outcome = SubElement(parent, "setOutcomeValue", identifier=identifier)
    SubElement(outcome, "baseValue", baseType="float").text = value


def _paragraphs(parent: Element, text: str) -> None:
    """``<p>`` per paragraph with ``<br/>`` per line break, appended to ``parent``."""
    for paragraph in text.split("\n\n"):
        _inline(SubElement(parent, "p"), paragraph)


def _inline(parent: Element, text: str) -> None:
    """Text with ``<br/>`` for line breaks (a blank line becomes two), inside ``parent``."""
    lines = text.split("\n")
    parent.text = (parent.text or "") + lines[0]
    for line in lines[1:]:
        SubElement(parent, "br").tail = line


def export_notes(items: Sequence[Item]) -> list[str]:
    notes = []
    for item in items:
        spec = item_types.spec_for(item)
        if spec.exchange(item.body) is None and not _native(spec):
            notes.append(f"{item.id}: {item_types.spec_for(item).exchange_note}")
            continue
        lines = composition_notes(item) + item_types.spec_for(item).export_notes(item.body, NAME)
        if not _QTI_IDENTIFIER.match(item.id):
            lines.append("the item id is not a valid QTI identifier (letter or _ first)")
        pieces = body_pieces(item.body)
        bad = [c.id for _, c in pieces if not _QTI_IDENTIFIER.match(c.id) or c.id == RATIONALE]
        if bad:
            lines.append(f"choice ids {', '.join(bad)} are not valid QTI identifiers here")
        ids = [c.id for _, c in pieces]
        if len(set(ids)) != len(ids):
            lines.append("two pieces share an id; QTI needs them distinct within the item")
        texts = [item.stem, item.rationale, item.vignette or "", *item.tags]
        texts += [text for _, c in pieces for text in (c.text, c.rationale)]
        if any(has_xml_invalid_chars(t) for t in texts):
            lines.append("control characters XML cannot carry are removed")
        notes += [f"{item.id}: {line}" for line in lines]
    return notes


# --------------------------------------------------------------------------- import


def import_items(data: str | bytes, pool: str, source: str = "import.zip") -> ImportReport:
    log = ProblemLog()
    try:
        documents = _documents(data, source, log)
    except InputRejected as rejected:
        log.add(Place(source, rejected.line), f"{rejected.message}; nothing imported")
        return ImportReport([], log.lines)
    items: list[Item] = []
    ids = IdAllocator()
    for number, (name, payload, keywords) in enumerate(documents, 1):
        place = Place(name, None, number)
        try:
            document = parse_xml(payload)
        except InputRejected as rejected:
            log.add(Place(name, rejected.line, number), f"{rejected.message} (skipped)")
            continue
        root = document.root
        place = Place(name, document.line(root), number, root.get("identifier", ""))
        if root.tag != "assessmentItem":
            log.add(place, f"root element is <{root.tag}>, not <assessmentItem> (skipped)")
            continue
        def read(root: Any = root, keywords: Any = keywords, place: Place = place) -> ReadQuestion | None:
            return _read_item(root, read_markers(keywords), place, log)

        item = read_one_item(read, place, pool, log, ids)
        if item is not None:
            items.append(item)
    if not documents:
        log.add(Place(source), "no QTI 2.1 items found")
    return ImportReport(items, log.lines)


def _documents(
    data: str | bytes, source: str, log: ProblemLog
) -> list[tuple[str, str | bytes, list[str]]]:
    """``(name, xml, keywords)`` of each item: from the manifest of a package, or ``data``."""
    if not is_zip(data):
        return [(source, data, [])]
    members = read_zip(data)  # type: ignore[arg-type]  (is_zip implies bytes)
    if "imsmanifest.xml" not in members:
        raise InputRejected("zip has no imsmanifest.xml")
    manifest = parse_xml(members["imsmanifest.xml"]).root
    found = []
    for resource in manifest.iter("resource"):
        if not resource.get("type", "").startswith("imsqti_item_xmlv2p"):
            continue
        href = resource.get("href", "")
        if href not in members:
            log.add(Place(f"{source}:imsmanifest.xml"), f"item file {href!r} is missing")
            continue
        keywords = [text_of(s).strip() for k in resource.iter("keyword") for s in k.iter("string")]
        found.append((f"{source}:{href}", members[href], [k for k in keywords if k]))
    return found


def _read_item(
    root: Element, markers: Markers, place: Place, log: ProblemLog
) -> ReadQuestion | None:
    item_body = child(root, "itemBody")
    if item_body is None:
        log.add(place, "no itemBody (skipped)")
        return None
    for spec in item_types.TYPES.values():
        div = _native(spec) and next((d for d in item_body.iter("div")
                                      if f"qb-{spec.type.value}" in (d.get("class") or "").split()), None)
        if div is not None and div is not False:
            body = spec.qti21_read(root, div, sys.modules[__name__])
            if body is None:
                log.add(place, f"marked {spec.type.value} but unreadable (skipped)")
                return None
            read = ReadQuestion(place, [], spec.type, body, "")
            declaration = next(iter(children(root, "responseDeclaration")), root)
            return _finish_read(read, root, item_body, None, declaration, markers)
    interactions = [e for e in item_body.iter() if e.tag.endswith("Interaction")]
    if len(interactions) != 1:
        log.add(place, f"{len(interactions)} interactions; only single-interaction items are "
                       "supported (skipped)")
        return None
    interaction = interactions[0]
    if interaction.tag not in _INTERACTIONS:
        log.add(place, f"unsupported {interaction.tag} (skipped)")
        return None
    declaration = next((d for d in children(root, "responseDeclaration")
                        if d.get("identifier") == interaction.get("responseIdentifier")), None)
    if declaration is None:
        log.add(place, "no responseDeclaration for the interaction (skipped)")
        return None
    correct_response = child(declaration, "correctResponse")
    correct = [text_of(value).strip() for value in children(correct_response, "value")] \
        if correct_response is not None else []
    mapping = {e.get("mapKey", ""): float(e.get("mappedValue", "0"))
               for e in declaration.iter("mapEntry")}
    css = (interaction.get("class") or "").split()
    if interaction.tag == "choiceInteraction":
        read = _read_choice(interaction, correct, mapping, css, markers, place, log)
    elif interaction.tag == "orderInteraction":
        options = tuple(Choice(c.get("identifier", ""), _text(c))
                        for c in interaction.iter("simpleChoice"))
        read = ReadQuestion(place, [], ItemType.ORDERING, OrderingBody(options, tuple(correct)), "")
    else:
        read = _read_match(interaction, correct, mapping, css, place, log)
    if read is None:
        return None
    return _finish_read(read, root, item_body, interaction, declaration, markers)


def _native(spec: object) -> bool:
    """Whether a type writes and reads its own QTI 2.1 (beyond the shared shapes)."""
    return bool(getattr(spec, "qti21_native", False))


def _finish_read(read: ReadQuestion, root: Element, item_body: Element, interaction: Element | None,
                 declaration: Element, markers: Markers) -> ReadQuestion:
    read.id_candidates = [root.get("identifier", "")]
    read.markers = markers
    vignette = _div_text(item_body, VIGNETTE_CLASS)
    stem = _div_text(item_body, STEM_CLASS)
    if stem is None:
        stem = _text(item_body, skip=_INTERACTIONS | {"feedbackBlock", "feedbackInline"})
        prompt = child(interaction, "prompt") if interaction is not None else None
        stem = "\n\n".join(t for t in (stem, _text(prompt) if prompt is not None else "") if t)
    read.text = stem
    read.vignette = vignette
    modal = children(root, "modalFeedback")
    ours = [m for m in modal if m.get("identifier") == RATIONALE]
    read.feedback = "\n\n".join(t for t in (_text(m) for m in (ours or modal)) if t)
    read.points = _max_score(root, declaration)
    return read


def _max_score(root: Element, declaration: Element) -> float | None:
    for outcome in children(root, "outcomeDeclaration"):
        if outcome.get("identifier") == "MAXSCORE":
            try:
                return float(text_of(outcome).strip())
            except ValueError:
                return None
    mapping = child(declaration, "mapping")
    if mapping is not None and mapping.get("upperBound"):
        return float(mapping.get("upperBound", "1"))
    return None


def _read_choice(
    interaction: Element, correct: list[str], mapping: dict[str, float], css: list[str],
    markers: Markers, place: Place, log: ProblemLog,
) -> ReadQuestion | None:
    options: list[Choice] = []
    for simple in interaction.iter("simpleChoice"):
        rationale = "\n\n".join(_text(f) for f in simple.iter("feedbackInline") if _text(f))
        options.append(Choice(simple.get("identifier", ""), _text(simple, skip={"feedbackInline"}),
                              rationale))
    ids = [c.id for c in options]
    key = [value for value in correct if value in ids]
    if not key:
        key = [i for i in ids if mapping.get(i, 0) > 0]
    if not key:
        log.add(place, "no choice is marked correct (skipped)")
        return None
    if TRUE_FALSE_CLASS in css:
        return ReadQuestion(place, [], ItemType.TRUE_FALSE, TrueFalseBody(key[0] == "true"), "")
    for spec in item_types.TYPES.values():
        if f"qb-{spec.type.value}" in css and spec.type not in (ItemType.SINGLE, ItemType.MULTIPLE):
            variant = next((c.removeprefix("qb-variant-") for c in css if c.startswith("qb-variant-")), None)
            shape = ChoiceShape(tuple(options), tuple(i for i in ids if i in key), multiple=True,
                                kind=spec.type, variant=variant)
            return ReadQuestion(place, [], spec.type, spec.from_exchange(shape), "")
    if interaction.get("maxChoices", "1") == "1":
        if len(key) > 1:
            log.add(place, f"{len(key)} correct choices; kept the first as the key")
        return ReadQuestion(place, [], ItemType.SINGLE, SingleBody(tuple(options), key[0]), "")
    if mapping:
        scoring = MultipleScoring.RIGHT_MINUS_WRONG
        if any(mapping.get(i, 0) >= 0 for i in ids if i not in key):
            log.add(place, "no penalty for some wrong choices; scored right-minus-wrong")
    else:
        scoring = MultipleScoring.ALL_OR_NOTHING
    body = MultipleBody(tuple(options), frozenset(key), scoring)
    return ReadQuestion(place, [], ItemType.MULTIPLE, body, "")


def _read_match(
    interaction: Element, correct: list[str], mapping: dict[str, float], css: list[str],
    place: Place, log: ProblemLog,
) -> ReadQuestion | None:
    sets = children(interaction, "simpleMatchSet")
    if len(sets) != 2:
        log.add(place, "a matchInteraction needs two simpleMatchSets (skipped)")
        return None
    left, right = ([Choice(c.get("identifier", ""), _text(c))
                    for c in s.iter("simpleAssociableChoice")] for s in sets)
    pairs = correct or [pair for pair, value in mapping.items() if value > 0]
    key: dict[str, str] = {}
    for pair in pairs:
        source, _, target = pair.partition(" ")
        key.setdefault(source, target.strip())
    for spec in item_types.TYPES.values():
        if spec.pair_roles and spec.type is not ItemType.MATCHING and f"qb-{spec.type.value}" in css:
            shape = PairShape(spec.pair_roles[0], tuple(left), spec.pair_roles[1], tuple(right),
                              key, kind=spec.type)
            return ReadQuestion(place, [], spec.type, spec.from_exchange(shape), "")
    return ReadQuestion(place, [], ItemType.MATCHING,
                        MatchingBody(tuple(left), tuple(right), key), "")


def _div_text(item_body: Element, css: str) -> str | None:
    for div in item_body.iter("div"):
        if css in (div.get("class") or "").split():
            return _text(div)
    return None


def _text(element: Element, skip: set[str] | frozenset[str] = frozenset()) -> str:
    """Plain text of an XHTML element (the rules of ``_text.TextCollector``)."""
    collector = TextCollector()
    _walk(element, collector, skip, 0)
    return collector.text()


def _walk(element: Element, collector: TextCollector, skip: set[str] | frozenset[str],
          depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError("markup nested too deeply")
    collector.data(element.text or "")
    for node in element:
        if node.tag not in skip:
            collector.start(node.tag)
            _walk(node, collector, skip, depth + 1)
            collector.end(node.tag)
        collector.data(node.tail or "")
