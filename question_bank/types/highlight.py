"""Highlight: select the phrases of a passage (a nurse's note, a client's words) that matter;
+/- scoring.

Bank file::

    type: highlight
    passage: "Nurse's note. {{p1}}. Reports {{p2}}."   # each phrase once as {{id}}
    phrases: [{id, text, rationale}, ...]               # 2..20
    key: [ids]                                          # at least one, not all

Layout: nothing shuffled (the passage's order is its meaning). Response: the selected phrase ids.
Scoring: +/-: (keyed phrases selected - other phrases selected) / keyed, floor 0.
Formats: QTI 2.1 natively (``hottextInteraction`` in a ``div class="qb-highlight"``, a mapping of
+points/k and -points/k with lower bound 0: the same rule). GIFT, Moodle XML and Canvas have no
hot text: skipped with a note.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from fractions import Fraction
from typing import Any

from marshmallow import fields
from marshmallow import validate

from question_bank.messages import N_
from question_bank.bank import rules
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import Text
from question_bank.bank.schema import choice_records
from question_bank.bank.schema import id_list
from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.types.base import ZERO
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import filled
from question_bank.types.base import no_repeats
from question_bank.types.base import one_of
from question_bank.types.base import role_problems
from question_bank.types.base import ticks
from question_bank.types.cloze import _append_text
from question_bank.types.cloze import _authored
from question_bank.types.cloze import segments

MAX_PHRASES = 20
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class HighlightBody:
    """Response: the selected phrase ids."""

    passage: str
    phrases: tuple[Choice, ...]
    key: frozenset[str]


class HighlightSchema(ItemSchema):
    passage = Text(required=True)
    phrases = choice_records(2, "phrases", rationale_required=True)
    key = id_list(required=True, validate=validate.Length(min=1, error="select at least one phrase"))


class HighlightType(ItemTypeSpec):
    type = ItemType.HIGHLIGHT
    label = N_("highlight")
    body_class = HighlightBody
    schema = HighlightSchema
    partial_credit = "+/-: keyed phrases selected minus other phrases selected, over the keyed count, floor 0"
    exchange_note = "highlight: this format has no hot text (skipped)"

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "phrases")
        phrases = rules.ids(data, "phrases")
        placed = Counter(PLACEHOLDER.findall(data["passage"]))
        if len(phrases) > MAX_PHRASES:
            yield ("phrases",), f"at most {MAX_PHRASES} phrases (has {len(phrases)})"
        for index, phrase in enumerate(phrases):
            if placed[phrase] != 1:
                how = "does not appear" if not placed[phrase] else f"appears {placed[phrase]} times"
                yield ("phrases", index, "id"), f"phrase {phrase!r} {how} in the passage (write {{{{{phrase}}}}} once)"
        unknown = [name for name in placed if name not in phrases]
        if unknown:
            yield ("passage",), f"{{{{{unknown[0]}}}}} names no phrase ({rules.listing(phrases)})"
        for index, key in enumerate(data["key"]):
            if key not in phrases:
                yield ("key", index), f"{key!r} is not a phrase ({rules.listing(phrases)})"
        for key, count in Counter(data["key"]).items():
            if count > 1:
                yield ("key",), f"{key!r} is listed {count} times"
        if len(set(data["key"])) >= len(phrases):
            yield ("key",), "every phrase is keyed: selecting everything would be the answer"

    def build(self, data: Mapping[str, Any]) -> HighlightBody:
        return HighlightBody(data["passage"], choices(data["phrases"]), frozenset(data["key"]))

    def to_data(self, body: HighlightBody) -> dict[str, Any]:
        key = [c.id for c in body.phrases if c.id in body.key]
        return {"passage": body.passage, "phrases": choices_to_data(body.phrases), "key": key}

    def _parts(self, body: HighlightBody) -> list[dict[str, Any]]:
        by_id = {c.id: c for c in body.phrases}
        parts: list[dict[str, Any]] = []
        for kind, value in segments(body.passage):
            if kind == "text":
                parts.append({"text": value})
            elif value in by_id:
                parts.append({"phrase": value, "text": by_id[value].text})
        return parts

    def student_extra(self, body: HighlightBody, layout: Layout) -> dict[str, Any]:
        return {"parts": self._parts(body), "phrases": [{"id": c.id, "text": c.text} for c in body.phrases]}

    def key(self, body: HighlightBody) -> object:
        return [c.id for c in body.phrases if c.id in body.key]

    def review_extra(self, body: HighlightBody, layout: Layout, response: object, shown: bool) -> dict[str, Any]:
        selected, _ = ticks(response)
        phrases = []
        for c in body.phrases:
            entry = {"id": c.id, "text": c.text, "rationale": c.rationale, "is_key": c.id in body.key}
            if shown:
                entry["chosen"] = c.id in selected
                entry["right"] = entry["chosen"] == entry["is_key"]
            phrases.append(entry)
        marks = {p["id"]: p for p in phrases}
        parts = [part | ({"mark": marks[part["phrase"]]} if "phrase" in part else {}) for part in self._parts(body)]
        return {"parts": parts, "phrases": phrases}

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        ids = [p["id"] for p in view.get("phrases", [])]
        return fields.List(fields.String(validate=one_of(ids, "phrases")), allow_none=True, validate=no_repeats)

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        return form.getlist(name)

    def credit(self, body: HighlightBody, response: object) -> Fraction:
        selected, not_ids = ticks(response)
        right = len(selected & body.key)
        wrong = len(selected - body.key) + not_ids
        return max(ZERO, Fraction(right - wrong, len(body.key)))

    def option_list(self, body: HighlightBody) -> list[tuple[str, str, bool]]:
        return [(c.id, c.text, c.id in body.key) for c in body.phrases]

    def chosen_options(self, body: HighlightBody, response: object) -> list[str]:
        return sorted(ticks(response)[0])

    def pieces(self, body: HighlightBody) -> list[tuple[str, Choice]]:
        return [("phrase", c) for c in body.phrases]

    def with_pieces(self, body: HighlightBody, found: Mapping[tuple[str, str], str]) -> HighlightBody:
        return replace(body, phrases=filled("phrase", body.phrases, found))

    def import_problem(self, body: HighlightBody) -> str | None:
        problem = role_problems([("phrase", body.phrases)])
        if problem:
            return problem
        if not body.key:
            return "no phrase is keyed"
        return None

    # QTI 2.1: hottextInteraction (see formats/qti21.py, qti21_native) -----------------------
    qti21_native = True

    def qti21_write(self, item: Any, root: Any, item_body: Any, qti: Any) -> None:
        from xml.etree.ElementTree import SubElement

        body: HighlightBody = item.body
        key = [c.id for c in body.phrases if c.id in body.key]
        declaration = SubElement(root, "responseDeclaration", identifier=qti.RESPONSE,
                                 cardinality="multiple", baseType="identifier")
        qti._values(declaration, key)
        share = item.points / len(key)
        mapping = SubElement(declaration, "mapping", lowerBound="0", upperBound=str(item.points),
                             defaultValue="0")
        for phrase in body.phrases:
            value = share if phrase.id in body.key else -share
            SubElement(mapping, "mapEntry", mapKey=phrase.id, mappedValue=qti._number(value))
        div = SubElement(item_body, "div", {"class": "qb-highlight"})
        interaction = SubElement(div, "hottextInteraction", responseIdentifier=qti.RESPONSE, maxChoices="0")
        paragraph = SubElement(interaction, "p")
        by_id = {c.id: c for c in body.phrases}
        for kind, value in segments(body.passage):
            if kind == "text":
                _append_text(paragraph, value)
            else:
                SubElement(paragraph, "hottext", identifier=value).text = by_id[value].text
        qti._response_processing(root, scored_by_map=True, feedback_of_response=False)

    def qti21_read(self, root: Any, div: Any, qti: Any) -> HighlightBody | None:
        declaration = next(iter(qti.children(root, "responseDeclaration")), None)
        if declaration is None:
            return None
        key = frozenset(qti.text_of(v).strip() for v in declaration.iter("value"))
        passage: list[str] = []
        phrases: list[Choice] = []
        for paragraph in div.iter("p"):
            passage.append(_authored(paragraph.text, False))
            for node in paragraph:
                if node.tag == "hottext":
                    phrases.append(Choice(node.get("identifier", ""), qti._text(node)))
                    passage.append("{{" + node.get("identifier", "") + "}}")
                    between = node is not paragraph[-1]
                elif node.tag == "br":
                    passage.append("\n")
                    between = False
                else:
                    between = False
                passage.append(_authored(node.tail, between))
        if not phrases:
            return None
        return HighlightBody("".join(passage), tuple(phrases), key)


TYPE = HighlightType()
