"""Drop-down cloze: a passage with inline drop-downs, 0/1 per drop-down, or linked pairs scored
together (the NGN "rationale" dyad: both right or no point).

Bank file::

    type: cloze
    passage: "The client is at risk for {{g1}} as shown by {{g2}}."
    gaps:
      - id: g1
        options: [{id, text, rationale}, ...]   # 2..8; option ids unique in the item
        key: g1a
    scoring: per_gap          # or dyad
    pairs: [[g1, g2]]         # dyad only: each gap in at most one pair

Layout: each gap's options shuffled (one ``option_order`` over all option ids).
Response: ``{gap: option}``.
Scoring: per_gap: gaps right / gaps. dyad: units (each pair, each unpaired gap) whose every gap
is right / units.
Formats: QTI 2.1 natively (one ``inlineChoiceInteraction`` per gap in the passage, a
``div class="qb-cloze"``, per-gap responses summed); Moodle XML as gapselect (select missing
words: one option group per gap); Canvas QTI 1.2 as multiple dropdowns ([gap] blanks); a dyad is
scored per gap by all three (noted) and marked so that it reads back as a dyad. GIFT has no
drop-downs: skipped with a note.
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

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from question_bank.messages import N_
from question_bank.bank import rules
from question_bank.bank.schema import Identifier
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import Text
from question_bank.bank.schema import choice_records
from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.numbers import whole_number
from question_bank.types.base import ZERO
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import filled
from question_bank.types.base import in_order
from question_bank.types.base import role_problems

PER_GAP = "per_gap"
DYAD = "dyad"
MAX_OPTIONS = 8
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class Gap:
    id: str
    options: tuple[Choice, ...]
    key: str


@dataclass(frozen=True, slots=True)
class ClozeBody:
    """Response: ``{gap_id: option_id}``."""

    passage: str
    gaps: tuple[Gap, ...]
    scoring: str = PER_GAP
    pairs: tuple[tuple[str, str], ...] = ()

    def units(self) -> list[tuple[str, ...]]:
        """What scores together: each pair, then each gap in no pair (in passage order)."""
        paired = {gap for pair in self.pairs for gap in pair} if self.scoring == DYAD else set()
        units = [tuple(pair) for pair in self.pairs] if self.scoring == DYAD else []
        return units + [(g.id,) for g in self.gaps if g.id not in paired]


class GapSchema(Schema):
    class Meta:
        unknown = RAISE

    id = Identifier(required=True)
    options = choice_records(2, "options", rationale_required=True)
    key = fields.String(required=True)


class ClozeSchema(ItemSchema):
    passage = Text(required=True)
    gaps = fields.List(fields.Nested(GapSchema), required=True,
                       validate=validate.Length(min=1, error="needs at least 1 gap"))
    scoring = fields.String(load_default=PER_GAP, validate=validate.OneOf(
        [PER_GAP, DYAD], error="must be per_gap or dyad"))
    pairs = fields.List(fields.List(Identifier()), load_default=list)


def segments(passage: str) -> list[tuple[str, str]]:
    """The passage as ``("text", words)`` and ``("gap", id)`` pieces, in order."""
    out: list[tuple[str, str]] = []
    last = 0
    for found in PLACEHOLDER.finditer(passage):
        if found.start() > last:
            out.append(("text", passage[last:found.start()]))
        out.append(("gap", found.group(1)))
        last = found.end()
    if last < len(passage):
        out.append(("text", passage[last:]))
    return out


class ClozeType(ItemTypeSpec):
    type = ItemType.CLOZE
    label = N_("drop-down cloze")
    body_class = ClozeBody
    schema = ClozeSchema
    partial_credit = ("0/1 per drop-down (gaps right / gaps); dyad: linked pairs score together, "
                      "both right or no point (units right / units)")
    exchange_note = "drop-down cloze: this format has no inline drop-downs here (skipped)"

    def check(self, data: Mapping) -> Iterator[Finding]:
        gaps = data["gaps"]
        gap_ids = [g["id"] for g in gaps]
        placed = Counter(PLACEHOLDER.findall(data["passage"]))
        seen_options: set[str] = set()
        for index, gap in enumerate(gaps):
            if gap_ids.count(gap["id"]) > 1 and gap_ids.index(gap["id"]) != index:
                yield ("gaps", index, "id"), f"duplicate gap id {gap['id']!r}"
            if placed[gap["id"]] != 1:
                how = "does not appear" if not placed[gap["id"]] else f"appears {placed[gap['id']]} times"
                yield ("gaps", index, "id"), f"gap {gap['id']!r} {how} in the passage (write {{{{{gap['id']}}}}} once)"
            yield from ((("gaps", index) + path, message)
                        for path, message in rules.check_choice_list(gap, "options"))
            options = [o["id"] for o in gap["options"]]
            if len(options) > MAX_OPTIONS:
                yield ("gaps", index, "options"), f"at most {MAX_OPTIONS} options (has {len(options)})"
            for o_index, option in enumerate(options):
                if option in seen_options or option in gap_ids:
                    yield ("gaps", index, "options", o_index, "id"), \
                        f"option id {option!r} is used elsewhere in the item; ids are unique in the item"
                seen_options.add(option)
            if gap["key"] not in options:
                yield ("gaps", index, "key"), f"key {gap['key']!r} is not among this gap's options ({rules.listing(options)})"
        unknown = [name for name in placed if name not in gap_ids]
        if unknown:
            yield ("passage",), f"{{{{{unknown[0]}}}}} names no gap ({rules.listing(gap_ids)})"
        yield from self._check_pairs(data, gap_ids)

    @staticmethod
    def _check_pairs(data: Mapping, gap_ids: list[str]) -> Iterator[Finding]:
        pairs = data["pairs"]
        if data["scoring"] != DYAD:
            if pairs:
                yield ("pairs",), "pairs are for scoring: dyad"
            return
        if not pairs:
            yield ("scoring",), "scoring: dyad needs pairs, like pairs: [[g1, g2]]"
        used: set[str] = set()
        for index, pair in enumerate(pairs):
            if len(pair) != 2:
                yield ("pairs", index), f"a pair links two gaps (has {len(pair)})"
            for gap in pair:
                if gap not in gap_ids:
                    yield ("pairs", index), f"{gap!r} is not a gap ({rules.listing(gap_ids)})"
                elif gap in used:
                    yield ("pairs", index), f"gap {gap!r} is in two pairs"
                used.add(gap)

    def build(self, data: Mapping[str, Any]) -> ClozeBody:
        gaps = tuple(Gap(g["id"], choices(g["options"]), g["key"]) for g in data["gaps"])
        # A stored snapshot (item_to_data) leaves out pairs when there are none.
        return ClozeBody(data["passage"], gaps, data.get("scoring", PER_GAP),
                         tuple(tuple(p) for p in data.get("pairs") or ()))

    def to_data(self, body: ClozeBody) -> dict[str, Any]:
        data: dict[str, Any] = {
            "passage": body.passage,
            "gaps": [{"id": g.id, "options": choices_to_data(g.options), "key": g.key} for g in body.gaps],
            "scoring": body.scoring,
        }
        if body.pairs:
            data["pairs"] = [list(p) for p in body.pairs]
        return data

    def layout(self, body: ClozeBody, rng) -> Layout:  # noqa: ANN001
        order: list[str] = []
        for gap in body.gaps:
            ids = [c.id for c in gap.options]
            rng.shuffle(ids)
            order += ids
        return Layout(option_order=tuple(order))

    def _parts(self, body: ClozeBody, layout: Layout) -> list[dict[str, Any]]:
        by_id = {g.id: g for g in body.gaps}
        parts: list[dict[str, Any]] = []
        for kind, value in segments(body.passage):
            if kind == "text":
                parts.append({"text": value})
            elif value in by_id:
                gap = by_id[value]
                parts.append({"gap": gap.id, "number": len([p for p in parts if "gap" in p]) + 1,
                              "options": in_order(gap.options, layout.option_order)})
        return parts

    def student_extra(self, body: ClozeBody, layout: Layout) -> dict[str, Any]:
        parts = self._parts(body, layout)
        for part in parts:
            if "gap" in part:
                part["options"] = [{"id": c.id, "text": c.text} for c in part["options"]]
        return {"parts": parts, "gaps": [g.id for g in body.gaps],
                "options_of": {g.id: [c.id for c in g.options] for g in body.gaps}}

    def key(self, body: ClozeBody) -> object:
        return {g.id: g.key for g in body.gaps}

    def review_extra(self, body: ClozeBody, layout: Layout, response: object, shown: bool) -> dict[str, Any]:
        given = response if isinstance(response, Mapping) else {}
        parts = self._parts(body, layout)
        for part in parts:
            if "gap" in part:
                gap = next(g for g in body.gaps if g.id == part["gap"])
                part["options"] = [{"id": c.id, "text": c.text, "rationale": c.rationale,
                                    "is_key": c.id == gap.key, "chosen": given.get(gap.id) == c.id}
                                   for c in part["options"]]
                part["key_text"] = next(c.text for c in gap.options if c.id == gap.key)
                chosen = next((c.text for c in gap.options if c.id == given.get(gap.id)), None)
                part["given_text"] = chosen
                part["right"] = given.get(gap.id) == gap.key
        units = [{"gaps": list(u), "right": all(given.get(g) == dict(self.key(body)).get(g) for g in u)}
                 for u in body.units()]
        return {"parts": parts, "scoring": body.scoring, "units": units}

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        options_of = view.get("options_of", {})

        def belongs(value: Mapping[str, str]) -> None:
            for gap, option in value.items():
                if option not in options_of.get(gap, ()):
                    raise ValidationError(f"{option!r} is not one of drop-down {gap!r}'s options")

        return fields.Dict(keys=fields.String(validate=validate.OneOf(list(options_of), error="{input!r} is not one of this question's drop-downs")),
                           values=fields.String(), allow_none=True, validate=belongs)

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        chosen = {gap: form.get(f"{name}.{gap}", "") for gap in view.get("gaps", [])}
        return {gap: value for gap, value in chosen.items() if value}

    def credit(self, body: ClozeBody, response: object) -> Fraction:
        if not isinstance(response, Mapping):
            return ZERO
        key = {g.id: g.key for g in body.gaps}
        units = body.units()
        if not units:
            return ZERO
        right = sum(1 for unit in units if all(response.get(gap) == key[gap] for gap in unit))
        return Fraction(right, len(units))

    def pieces(self, body: ClozeBody) -> list[tuple[str, Choice]]:
        return [("option", c) for g in body.gaps for c in g.options]

    def with_pieces(self, body: ClozeBody, found: Mapping[tuple[str, str], str]) -> ClozeBody:
        return replace(body, gaps=tuple(replace(g, options=filled("option", g.options, found))
                                        for g in body.gaps))

    def import_problem(self, body: ClozeBody) -> str | None:
        problem = role_problems([("option", [c for g in body.gaps for c in g.options])])
        if problem:
            return problem
        if not body.gaps:
            return "no drop-downs"
        if any(g.key not in {c.id for c in g.options} for g in body.gaps):
            return "a drop-down has no correct option"
        return None

    def export_notes(self, body: ClozeBody, fmt: str) -> list[str]:
        if fmt == "qti21" and body.scoring == DYAD:
            return ["dyad scoring: QTI players score each drop-down on its own (0/1 per gap); "
                    "the pairs are kept in a class and read back by this tool"]
        if fmt == "qti12" and body.scoring == DYAD:
            return ["dyad scoring: Canvas scores each drop-down on its own (0/1 per blank); "
                    "the pairs are kept in quiztool_variant and read back by this tool"]
        if fmt == "moodle" and body.scoring == DYAD:
            return ["dyad scoring: Moodle scores each drop-down on its own (0/1 per gap); "
                    "the pairs are kept in a qb:variant tag and read back by this tool"]
        return []

    # Canvas (QTI 1.2): "multiple dropdowns": the passage after the stem with [gap] blanks, a
    # response_lid per blank (ident response_<gap>) with its own options, points per blank;
    # scoring, pairs and where the passage starts in quiztool_variant. See formats/qti12.py.
    qti12_native = True
    qti12_type = "multiple_dropdowns_question"

    def qti12_plan(self, item: Any, text: str) -> tuple[str, list[str], str]:
        body: ClozeBody = item.body
        passage = PLACEHOLDER.sub(lambda m: f"[{m.group(1)}]", body.passage)
        return f"{text}\n\n{passage}", [g.id for g in body.gaps], _variant(body, text)

    def qti12_write(self, item: Any, presentation: Any, processing: Any, qti: Any) -> None:
        from xml.etree.ElementTree import SubElement

        body: ClozeBody = item.body
        share = f"{100 / len(body.gaps):.2f}"
        for gap in body.gaps:
            lid = SubElement(presentation, "response_lid", ident=f"response_{gap.id}")
            qti._mattext(lid, gap.id, html=False)
            render = SubElement(lid, "render_choice")
            for option in gap.options:
                qti._mattext(SubElement(render, "response_label", ident=option.id), option.text, html=False)
        for gap in body.gaps:
            condition = SubElement(processing, "respcondition")
            qti._varequal(SubElement(condition, "conditionvar"), f"response_{gap.id}", gap.key)
            SubElement(condition, "setvar", varname="SCORE", action="Add").text = share

    def qti12_read(self, text: str, lids: Any, markers: Any, scoring: Any, texts: Any,
                   qti: Any) -> tuple[ClozeBody | None, str]:
        gaps = []
        for lid in lids:
            ident = lid.get("ident", "")
            options = tuple(Choice(i, t) for i, t in qti._labels(lid, texts))
            credited = [v for v in scoring.values_for(ident) if v in {c.id for c in options}]
            gaps.append(Gap(ident.removeprefix("response_"), options, credited[0] if credited else ""))
        names = {g.id for g in gaps}
        scoring_name, pairs, start = _read_variant(markers.variant, text, "[")
        paragraphs = text.split("\n\n")
        stem, passage = "\n\n".join(paragraphs[:start]), "\n\n".join(paragraphs[start:])
        passage = re.sub(r"\[([A-Za-z0-9][A-Za-z0-9_.-]*)\]",
                         lambda m: "{{" + m.group(1) + "}}" if m.group(1) in names else m.group(0), passage)
        if not gaps or any(not g.key for g in gaps):
            return None, stem
        return ClozeBody(passage, tuple(gaps), scoring_name, pairs), stem or "Choose the right word for each drop-down."

    # Moodle XML: "select missing words" (gapselect): the passage after the stem with [[n]]
    # naming each gap's correct option, one option group per gap; ids, scoring, pairs and where
    # the passage starts in qb: tags. GIFT has no syntax for it (skipped with a note).
    moodle_native = True
    moodle_qtype = "gapselect"

    def moodle_plan(self, item: Any, question: Any, moodle: Any) -> None:
        body: ClozeBody = item.body
        number_of: dict[str, int] = {}
        options: list[tuple[str, int]] = []
        for group, gap in enumerate(body.gaps, start=1):
            for option in gap.options:
                options.append((option.text, group))
                number_of[option.id] = len(options)
        keys = {g.id: g.key for g in body.gaps}
        passage = PLACEHOLDER.sub(lambda m: f"[[{number_of[keys[m.group(1)]]}]]", body.passage)
        variant = _variant(body, question.text)
        question.qtype = "gapselect"
        question.text = f"{question.text}\n\n{passage}"
        question.select_options = options
        question.tags += [moodle.marker("variant", variant)]
        question.tags += moodle._markers.ids_marker("gap", [g.id for g in body.gaps])
        question.tags += moodle._markers.ids_marker("option", list(number_of))

    def moodle_read(self, question: Any, markers: Any, place: Any, log: Any, moodle: Any) -> ClozeBody | None:
        scoring, pairs, start = _read_variant(markers.variant, question.text, "[[")
        paragraphs = question.text.split("\n\n")
        stem, passage = "\n\n".join(paragraphs[:start]), "\n\n".join(paragraphs[start:])
        option_ids = markers.ids_for("option", len(question.select_options))
        numbers = [int(n) for n in re.findall(r"\[\[(\d+)\]\]", passage)]
        if not numbers or any(not 1 <= n <= len(option_ids) for n in numbers):
            log.add(place, "a gap names no option (skipped)")
            return None
        gap_ids = markers.ids_for("gap", len(numbers))
        gaps = []
        for gap_id, number in zip(gap_ids, numbers, strict=True):
            group = question.select_options[number - 1][1]
            options = tuple(Choice(option_ids[n], text) for n, (text, g) in enumerate(question.select_options)
                            if g == group)
            gaps.append(Gap(gap_id, options, option_ids[number - 1]))
        numbered = iter(gap_ids)
        passage = re.sub(r"\[\[\d+\]\]", lambda _: "{{" + next(numbered) + "}}", passage)
        question.text = stem or "Choose the right word for each drop-down."
        return ClozeBody(passage, tuple(gaps), scoring, pairs)

    # QTI 2.1 -------------------------------------------------------------------------------
    # The format module (formats/qti21.py) calls these with itself as ``qti`` (its helpers) for
    # a type whose ``exchange`` is None: one inlineChoiceInteraction per gap, inside
    # <div class="qb-cloze [qb-pair:g1:g2 ...]"> after the stem; per-gap responses summed.
    qti21_native = True

    def qti21_write(self, item: Any, root: Any, item_body: Any, qti: Any) -> None:
        from xml.etree.ElementTree import SubElement

        body: ClozeBody = item.body
        share = item.points / len(body.gaps)
        for gap in body.gaps:
            declaration = SubElement(root, "responseDeclaration", identifier=f"RESPONSE_{gap.id}",
                                     cardinality="single", baseType="identifier")
            qti._values(declaration, [gap.key])
        classes = ["qb-cloze"] + ([f"qb-pair:{a}:{b}" for a, b in body.pairs] if body.scoring == DYAD else [])
        paragraph = SubElement(SubElement(item_body, "div", {"class": " ".join(classes)}), "p")
        for kind, value in segments(body.passage):
            if kind == "text":
                _append_text(paragraph, value)
                continue
            gap = next(g for g in body.gaps if g.id == value)
            interaction = SubElement(paragraph, "inlineChoiceInteraction",
                                     responseIdentifier=f"RESPONSE_{gap.id}", shuffle="true")
            for option in gap.options:
                SubElement(interaction, "inlineChoice", identifier=option.id).text = option.text
        processing = SubElement(root, "responseProcessing")
        qti._set_float(processing, "SCORE", "0")
        for gap in body.gaps:
            when = SubElement(SubElement(processing, "responseCondition"), "responseIf")
            match = SubElement(when, "match")
            SubElement(match, "variable", identifier=f"RESPONSE_{gap.id}")
            SubElement(match, "correct", identifier=f"RESPONSE_{gap.id}")
            total = SubElement(SubElement(when, "setOutcomeValue", identifier="SCORE"), "sum")
            SubElement(total, "variable", identifier="SCORE")
            SubElement(total, "baseValue", baseType="float").text = qti._number(share)
        feedback = SubElement(SubElement(processing, "setOutcomeValue", identifier="FEEDBACK"), "multiple")
        SubElement(feedback, "baseValue", baseType="identifier").text = qti.RATIONALE

    def qti21_read(self, root: Any, div: Any, qti: Any) -> ClozeBody | None:
        correct = {d.get("identifier", ""): [qti.text_of(v).strip() for v in d.iter("value")]
                   for d in root if d.tag == "responseDeclaration"}
        passage: list[str] = []
        gaps: list[Gap] = []
        previous_gap = False
        for paragraph_index, paragraph in enumerate(p for p in div if p.tag == "p"):
            if paragraph_index:
                passage.append("\n\n")
            passage.append(_authored(paragraph.text, False))
            for node in paragraph:
                if node.tag == "inlineChoiceInteraction":
                    ident = node.get("responseIdentifier", "")
                    gap_id = ident.removeprefix("RESPONSE_")
                    options = tuple(Choice(c.get("identifier", ""), qti._text(c))
                                    for c in node if c.tag == "inlineChoice")
                    gaps.append(Gap(gap_id, options, (correct.get(ident) or [""])[0]))
                    passage.append("{{" + gap_id + "}}")
                    previous_gap = True
                elif node.tag == "br":
                    passage.append("\n")
                    previous_gap = False
                passage.append(_authored(node.tail, previous_gap and node is not paragraph[-1]))
        if not gaps:
            return None
        pairs = tuple(tuple(c.split(":")[1:3]) for c in (div.get("class") or "").split()
                      if c.startswith("qb-pair:") and c.count(":") == 2)
        return ClozeBody("".join(passage), tuple(gaps), DYAD if pairs else PER_GAP, pairs)


def _variant(body: ClozeBody, text: str) -> str:
    """What a format without the fields keeps in one tag: scoring, where the passage starts
    (paragraphs of stem before it) and the dyad pairs: ``dyad;stem=1;pairs=g1+g2``."""
    variant = f"{body.scoring};stem={text.count(chr(10) * 2) + 1}"
    if body.scoring == DYAD:
        variant += ";pairs=" + ",".join(f"{a}+{b}" for a, b in body.pairs)
    return variant


def _read_variant(variant: str | None, text: str, blank: str) -> tuple[str, tuple[tuple[str, ...], ...], int]:
    """``(scoring, pairs, first passage paragraph)`` from a variant tag (a foreign question has
    none: per gap, no pairs, the passage starts at the first paragraph with a blank)."""
    settings = (variant or "").split(";")
    scoring = settings[0] if settings[0] in (PER_GAP, DYAD) else PER_GAP
    extra = dict(part.split("=", 1) for part in settings[1:] if "=" in part)
    pairs = tuple(tuple(p.split("+", 1)) for p in extra.get("pairs", "").split(",") if "+" in p)
    stem_at = whole_number(extra.get("stem", ""))
    if stem_at is not None:
        start = stem_at
    else:
        start = next((n for n, p in enumerate(text.split("\n\n")) if blank in p), 0)
    return (scoring if scoring != DYAD or pairs else PER_GAP), pairs, start


def _append_text(parent: Any, text: str) -> None:
    """``text`` after what ``parent`` holds, with <br/> for line breaks."""
    from xml.etree.ElementTree import SubElement

    lines = text.split("\n")
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + lines[0]
    else:
        parent.text = (parent.text or "") + lines[0]
    for line in lines[1:]:
        SubElement(parent, "br").tail = line


def _authored(text: str | None, between_gaps: bool) -> str:
    """A text node as the author wrote it: the writer's indentation (whitespace with a newline,
    where authored line breaks are <br/>) is not the author's, except one space between gaps."""
    if not text:
        return ""
    if not text.strip() and "\n" in text:
        return " " if between_gaps else ""
    return text


TYPE = ClozeType()
