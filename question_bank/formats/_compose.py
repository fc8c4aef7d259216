"""Bank fields that formats lack, folded into the texts every format has, and unfolded again.

Two folds, shared by GIFT, Moodle XML and QTI 1.2 (QTI 2.1 uses its own markup instead):

**Question text of a scenario.** The vignette and the stem become one text, labelled the way a
clinical case is usually printed::

    Scenario: A nurse tells a client about her own divorce...

    Question: Which barrier does the nurse's behaviour show?

The importer splits at the first ``Question:`` paragraph, but only when the question is marked
as a scenario (``qb:scenario=...``), so a foreign question that happens to say "Scenario:" stays
one stem.

**General feedback.** Formats give the whole question one feedback text; the bank has more: the
rationale, a rationale per piece where the format has no per-piece feedback (matching premises,
ordering options, classification statements), and the sources. They are written as paragraphs,
rationale first, readable by students as they are::

    The psychiatric-nursing list names countertransference first...

    [s1] Goal: meet the client's needs — The relationship exists for the client.
    [s2] Termination is not defined — Social relationships end without a plan.

    Source: 000_f0ef994ccb1e3b55.txt § Barriers to Therapeutic Relationships

The importer peels paragraphs off the end: a last paragraph made only of ``Source:`` lines is the
sources; then a paragraph whose first line starts with ``[id]`` of a piece of this question is
the piece feedback. Everything before is the rationale, kept byte for byte. A piece is named by
its id, or ``role:id`` when two pieces of the question share an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from question_bank import types as item_types
from question_bank.model import Body
from question_bank.model import Choice
from question_bank.model import Item
from question_bank.model import Source

SCENARIO_LABEL = "Scenario: "
QUESTION_LABEL = "Question: "
SOURCE_LABEL = "Source: "
SOURCE_SEPARATOR = " § "
PIECE_SEPARATOR = " — "

_SOURCE_LINE = re.compile(r"^Source: (?P<seed>.+?) § (?P<section>.+)$")
_PIECE_LINE = re.compile(r"^\[(?P<ref>[^\]\s]+)\] (?P<rest>.*)$")

PieceKey = tuple[str, str]  # (role, choice id)


def question_text(item: Item) -> str:
    """The stem, preceded by the labelled vignette for a scenario."""
    if item.vignette is None:
        return item.stem
    return f"{SCENARIO_LABEL}{item.vignette}\n\n{QUESTION_LABEL}{item.stem}"


def split_question_text(text: str) -> tuple[str, str] | None:
    """``(vignette, stem)`` of a scenario's question text, or None if the labels are missing."""
    if not text.startswith(SCENARIO_LABEL):
        return None
    marker = "\n\n" + QUESTION_LABEL
    vignette, found, stem = text[len(SCENARIO_LABEL) :].partition(marker)
    if not found or not vignette.strip() or not stem.strip():
        return None
    return vignette, stem


def body_pieces(body: Body) -> list[tuple[str, Choice]]:
    """Every labelled piece of a body with its role, in the body's own order."""
    return item_types.spec_for(body).pieces(body)


def has_native_option_feedback(body: Body) -> bool:
    """Single and multiple options have their own feedback in every format; other pieces don't."""
    return item_types.spec_for(body).native_option_feedback


def _references(pieces: list[tuple[str, Choice]]) -> dict[str, PieceKey]:
    """``[ref]`` names: the bare id, or ``role:id`` where two roles share an id."""
    counts: dict[str, int] = {}
    for _, choice in pieces:
        counts[choice.id] = counts.get(choice.id, 0) + 1
    refs: dict[str, PieceKey] = {}
    for role, choice in pieces:
        ref = choice.id if counts[choice.id] == 1 else f"{role}:{choice.id}"
        refs[ref] = (role, choice.id)
    return refs


def _one_line(text: str) -> str:
    return " ".join(text.split())


def general_feedback(item: Item) -> str:
    """Rationale, then per-piece feedback the format cannot hold natively, then the sources."""
    paragraphs = [item.rationale] if item.rationale else []
    pieces = [] if has_native_option_feedback(item.body) else body_pieces(item.body)
    ref_of = {key: ref for ref, key in _references(pieces).items()}
    piece_lines = [
        f"[{ref_of[(role, choice.id)]}] {_one_line(choice.text)}{PIECE_SEPARATOR}"
        + choice.rationale.replace("\n\n", "\n")
        for role, choice in pieces
        if choice.rationale
    ]
    if piece_lines:
        paragraphs.append("\n".join(piece_lines))
    if item.sources:
        paragraphs.append(
            "\n".join(
                f"{SOURCE_LABEL}{_one_line(s.seed)}{SOURCE_SEPARATOR}{_one_line(s.section)}"
                for s in item.sources
            )
        )
    return "\n\n".join(paragraphs)


@dataclass
class FeedbackParts:
    rationale: str
    sources: tuple[Source, ...] = ()
    pieces: dict[PieceKey, str] = field(default_factory=dict)


def split_general_feedback(text: str, pieces: list[tuple[str, Choice]]) -> FeedbackParts:
    """Undo ``general_feedback``; ``pieces`` are the body's pieces, to recognise their lines."""
    rest, sources = _peel_sources(text)
    rest, piece_feedback = _peel_pieces(rest, pieces)
    return FeedbackParts(rationale=rest, sources=sources, pieces=piece_feedback)


def _peel_sources(text: str) -> tuple[str, tuple[Source, ...]]:
    head, _, last = text.rpartition("\n\n")
    matches = [_SOURCE_LINE.match(line) for line in last.split("\n")]
    if not last or not all(matches):
        return text, ()
    return head, tuple(Source(m["seed"].strip(), m["section"].strip()) for m in matches if m)


def _peel_pieces(text: str, pieces: list[tuple[str, Choice]]) -> tuple[str, dict[PieceKey, str]]:
    refs = _references(pieces)
    texts = {(role, choice.id): _one_line(choice.text) for role, choice in pieces}
    head, _, last = text.rpartition("\n\n")
    entries: list[tuple[PieceKey, list[str]]] = []
    for line in last.split("\n"):
        match = _PIECE_LINE.match(line)
        if match and match["ref"] in refs:
            entries.append((refs[match["ref"]], [match["rest"]]))
        elif entries:
            entries[-1][1].append(line)
        else:
            return text, {}
    found: dict[PieceKey, str] = {}
    for key, lines in entries:
        body = "\n".join(lines)
        expected = texts[key] + PIECE_SEPARATOR
        if body.startswith(expected):
            body = body[len(expected) :]
        elif PIECE_SEPARATOR in body:
            body = body.split(PIECE_SEPARATOR, 1)[1]
        found[key] = body.strip()
    return head, found


def composition_notes(item: Item) -> list[str]:
    """What folding into the general feedback / question text changes, for export reports."""
    notes = []
    if not has_native_option_feedback(item.body):
        for role, choice in body_pieces(item.body):
            if "\n\n" in choice.rationale:
                notes.append(f"{role} {choice.id}: paragraph breaks in its rationale become "
                             "line breaks in the general feedback")
    for source in item.sources:
        if "\n" in source.seed or "\n" in source.section:
            notes.append("a source has a line break; it is written on one line")
    if item.vignette is not None and "\n\nQuestion: " in item.vignette:
        notes.append("the vignette contains a 'Question:' paragraph; the import will split there")
    return notes
