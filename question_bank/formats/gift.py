"""GIFT: Moodle's plain-text question format, written and read as Moodle's own GIFT filter does.

What a written question looks like::

    $CATEGORY: $course$/top/components

    // [id:comp-001] [tag:trust] [tag:qb:version=1] [tag:qb:difficulty=2]
    ::comp-001::[plain]Which component...?{
    	~Sympathy#Sympathy is a barrier, not a component.
    	=Trust#Correct. ...
    	####The rationale...\\n\\nSource\\: 000_f0ef994ccb1e3b55.txt § Key components
    }

Mapping (shared with Moodle XML, see ``_moodle``): single ``=``/``~``; multiple ``~%w%`` weights;
true/false ``{TRUE}``/``{FALSE}``; matching ``=premise -> response``; classification and
ordering as matching with a ``qb:kind`` marker (ordering matches each item to its position,
because qtype_ordering's ``{>`` GIFT syntax has no room for general feedback); scenario vignette
labelled inside the question text with a ``qb:scenario`` marker. Id and tags travel in the
``// [id:...] [tag:...]`` comment that Moodle (3.6+) reads; the points, which GIFT has no field
for, as ``qb:points`` when not 1. Text is written ``[plain]`` with every special character
escaped (``\\~ \\= \\# \\{ \\} \\: \\\\``, newlines as ``\\n``), so what comes back is exactly
what went out.

Import follows Moodle's reading rules (question/format/gift): questions are separated by blank
lines; ``//`` lines are comments; the answer block is the first ``{`` to the first ``}``; a text
after the block makes a missing-word question (``_____`` in the stem); ``####`` starts the
general feedback; the type is decided as Moodle decides it. Essay (``{}``), numerical (``{#``),
short answer (only ``=`` answers) and descriptions (no braces) are reported and skipped.
``[html]`` text is reduced to plain text; ``[moodle]``/``[markdown]``/``[plain]`` text is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from question_bank.formats._assemble import IdAllocator
from question_bank.formats._assemble import ReadQuestion
from question_bank.formats._assemble import read_one_item
from question_bank.formats._assemble import pool_from_category
from question_bank.formats._compose import composition_notes
from question_bank.formats._markers import marker
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
from question_bank.formats._text import html_to_text
from question_bank.formats._text import looks_like_html
from question_bank.formats._text import normalise_text
from question_bank.formats._xml import MAX_UPLOAD_BYTES
from question_bank.model import Item
from question_bank.model import ItemType

NAME = "gift"

_SPECIAL = "~=#{}:"
#: Escapes Moodle's GIFT reader understands, and the stand-in each gets while parsing.
_PLACEHOLDER = {
    ":": "\ue03a", "#": "\ue023", "=": "\ue03d", "{": "\ue07b", "}": "\ue07d", "~": "\ue07e",
    "n": "\ue00a", "\\": "\ue05c",
}
_UNPLACEHOLDER = {v: ("\n" if k == "n" else k) for k, v in _PLACEHOLDER.items()}
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_FORMATS = ("html", "moodle", "plain", "markdown")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_ID_IN_COMMENT = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]")
_TAG_IN_COMMENT = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f])+)\]")

# --------------------------------------------------------------------------- export


def escape(text: str) -> str:
    """GIFT-escape ``text``: backslash, ``~ = # { } :`` and line breaks."""
    text = text.replace("\r", "").replace("\\", "\\\\")
    for char in _SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _text(text: str, *, may_look_weighted: bool = False) -> str:
    """Escaped text, with ``[plain]`` in front when Moodle would misread its first characters."""
    starts_badly = text.startswith("[") or (may_look_weighted and text.startswith("%"))
    return ("[plain]" if starts_badly else "") + escape(text)


def _tag_comment(question: MoodleQuestion) -> str:
    parts = [f"[id:{question.idnumber.replace(']', chr(92) + ']')}]"]
    parts += [f"[tag:{tag.replace(']', chr(92) + ']')}]" for tag in question.tags]
    return "// " + " ".join(parts)


def export_items(items: Sequence[Item]) -> str:
    out = ["// Exported by quiztool's question bank (GIFT, as read by Moodle 3.6 and later)."]
    out += [f"// NOTE {line}" for line in export_notes(items)]
    out.append("")
    current_pool: str | None = None
    for item in items:
        if item.pool != current_pool:
            current_pool = item.pool
            out += [f"$CATEGORY: {category_path(item.pool)}", ""]
        question = _plan(item)
        if question is not None:
            out += [_question(question), ""]
    return "\n".join(out)


def _plan(item: Item) -> MoodleQuestion | None:
    question = plan_question(item, ordering_as_matching=True)
    if question is None or question.qtype not in ("multichoice", "truefalse", "matching"):
        return None  # GIFT has no syntax for it: listed in the export notes
    if item.points != 1:
        question.tags.append(marker("points", item.points))
    return question


def _question(question: MoodleQuestion) -> str:
    head = f"{_tag_comment(question)}\n::{escape(question.name)}::[plain]{escape(question.text)}"
    feedback = ""
    if question.general_feedback:
        feedback = "####" + _text(question.general_feedback)
    if question.qtype == "truefalse":
        return f"{head}{{{'TRUE' if question.true_is_correct else 'FALSE'}{feedback}}}"
    lines = [head + "{"]
    if question.qtype == "multichoice":
        lines += [_choice_line(question, answer) for answer in question.answers]
    else:  # matching (ordering is planned as matching for GIFT)
        lines += [f"\t={_text(q)} -> {escape(a)}" for q, a in question.subquestions]
    if feedback:
        lines.append("\t" + feedback)
    lines.append("}")
    return "\n".join(lines)


def _choice_line(question: MoodleQuestion, answer: MoodleAnswer) -> str:
    if question.single:
        prefix = "=" if answer.fraction >= 1 else "~"
    else:
        prefix = f"~%{format_percent(answer.fraction)}%"
    line = f"\t{prefix}{_text(answer.text, may_look_weighted=True)}"
    if answer.feedback:
        line += "#" + _text(answer.feedback)
    return line


def export_notes(items: Sequence[Item]) -> list[str]:
    """What GIFT (or Moodle reading it) cannot keep exactly."""
    notes = []
    if any(item.kind is ItemType.ORDERING for item in items):
        notes.append("ordering items are written as matching questions (each item matched to "
                     "its position); Moodle scores them per item")
    for item in items:
        question = _plan(item)
        if question is None:
            notes.append(f"{item.id}: {item_types.spec_for(item).exchange_note}")
            continue
        lines = moodle_notes(item, question) + composition_notes(item)
        lines += [f"'->' in {text!r} would end the premise early (GIFT has no escape for it)"
                  for text, _ in question.subquestions if "->" in text]
        notes += [f"{item.id}: {line}" for line in lines]
    return notes


# --------------------------------------------------------------------------- import


def import_items(data: str | bytes, pool: str, source: str = "import.gift") -> ImportReport:
    log = ProblemLog()
    if len(data) > MAX_UPLOAD_BYTES:
        log.add(Place(source), f"larger than {MAX_UPLOAD_BYTES // 2**20} MB; nothing imported")
        return ImportReport([], log.lines)
    text = _decode(data, source, log)
    if any(char in text for char in _UNPLACEHOLDER):
        log.add(Place(source), "private-use characters U+E00A..U+E07E removed before reading")
        text = "".join(char for char in text if char not in _UNPLACEHOLDER)
    items: list[Item] = []
    ids = IdAllocator()
    category: str | None = None
    number = 0
    for block in _blocks(text):
        comments = [line for _, line in block if line.strip().startswith("//")]
        content = [(n, line) for n, line in block if not line.strip().startswith("//")]
        if not content:
            continue
        raw = _protect("\n".join(line for _, line in content).strip())
        if raw.startswith("$CATEGORY:"):
            category = _restore(raw[len("$CATEGORY:") :]).strip()
            if pool_from_category(category) is None:
                log.add(Place(source, content[0][0]),
                        f"category {category!r} is not a pool name; its questions go to pool "
                        f"{pool!r}")
            continue
        number += 1
        place = Place(source, content[0][0], number)
        def read(raw: str = raw, place: Place = place) -> ReadQuestion | None:
            question = _read_block(raw, "\n".join(comments), category, place, log)
            return read_question(question, place.named(question.name), log) if question else None

        item = read_one_item(read, place, pool, log, ids)
        if item is not None:
            items.append(item)
    if number == 0:
        log.add(Place(source), "no questions found")
    return ImportReport(items, log.lines)


def _decode(data: str | bytes, source: str, log: ProblemLog) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        log.add(Place(source), f"not UTF-8 (byte {error.start}); read as Windows-1252")
        return data.decode("cp1252", errors="replace")


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its number (Moodle splits questions so)."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _protect(text: str) -> str:
    """Escaped characters become stand-ins, so only unescaped ones look like syntax."""
    return _ESCAPE.sub(lambda m: _PLACEHOLDER[m.group(1)], text)


def _restore(text: str) -> str:
    return "".join(_UNPLACEHOLDER.get(char, char) for char in text)


def _formatted(raw: str, default: str) -> tuple[str, str]:
    """``(format, text)`` of a protected piece that may start with ``[html]`` and the like."""
    raw = raw.strip()
    if raw.startswith("["):
        end = raw.find("]")
        if end > 0 and raw[1:end] in _FORMATS:
            return raw[1:end], raw[end + 1 :]
    return default, raw


class _Texts:
    """Turns protected GIFT pieces into plain text, in the question's format."""

    def __init__(self, default_format: str, place: Place, log: ProblemLog) -> None:
        self.default_format = default_format
        self.place = place
        self.log = log

    def plain(self, raw: str) -> str:
        text_format, text = _formatted(raw, self.default_format)
        text = _restore(text)
        if text_format == "html" or (text_format == "moodle" and looks_like_html(text)):
            text, dropped = html_to_text(text)
            if dropped:
                self.log.add(self.place, f"{', '.join(sorted(dropped))} dropped")
            return text
        return normalise_text(text)


def _read_block(
    raw: str, comments: str, category: str | None, place: Place, log: ProblemLog
) -> MoodleQuestion | None:
    name = ""
    if raw.startswith("::"):
        end = raw.find("::", 2)
        if end >= 0:
            name = normalise_text(_restore(raw[2:end]))
            raw = raw[end + 2 :].strip()
    place = place.named(name)
    start, finish = raw.find("{"), raw.find("}")
    if start < 0 and finish < 0:
        log.add(place, "a description (text only, no answer) (skipped)")
        return None
    if start < 0 or finish < start:
        log.add(place, "braces { } do not match (skipped)")
        return None
    answers = raw[start + 1 : finish].strip()
    after = raw[finish + 1 :].strip()
    stem_raw = raw[:start] + ("_____" + raw[finish + 1 :] if after else "")
    before, separator, after_separator = answers.rpartition("####")
    answers, feedback_raw = (before.strip(), after_separator) if separator else (answers, "")
    question_format, _ = _formatted(stem_raw, "moodle")
    texts = _Texts(question_format, place, log)
    idnumber, tags = _comment_metadata(comments)
    question = MoodleQuestion(
        qtype=_question_type(answers),
        name=name,
        idnumber=idnumber,
        category=category,
        text=texts.plain(stem_raw),
        general_feedback=texts.plain(feedback_raw),
        tags=tags,
    )
    if question.qtype == "multichoice":
        _read_multichoice(question, answers, texts)
    elif question.qtype == "matching":
        _read_matching(question, answers, texts)
    elif question.qtype == "truefalse":
        verdict, _, rest = answers.partition("#")
        wrong, _, right = rest.partition("#")
        question.true_is_correct = _TRUE_FALSE[verdict.strip()]
        right_text, wrong_text = texts.plain(right), texts.plain(wrong)
        question.true_feedback = right_text if question.true_is_correct else wrong_text
        question.false_feedback = wrong_text if question.true_is_correct else right_text
    return question


def _question_type(answers: str) -> str:
    """Moodle's rules, in Moodle's order (question/format/gift/format.php)."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "matching"
    if answers.split("#", 1)[0].strip() in _TRUE_FALSE:
        return "truefalse"
    return "shortanswer"


def _read_multichoice(question: MoodleQuestion, answers: str, texts: _Texts) -> None:
    question.single = "=" in answers
    pieces = [p.strip() for p in answers.replace("=", "~=").split("~")]
    for piece in pieces:
        if not piece:
            continue
        fraction = 0.0
        if piece.startswith("="):
            fraction, piece = 1.0, piece[1:]
        elif match := _WEIGHT.match(piece):
            fraction, piece = float(match.group(1)) / 100, piece[match.end() :]
        text, _, feedback = piece.partition("#")
        question.answers.append(MoodleAnswer(texts.plain(text), fraction, texts.plain(feedback)))


def _read_matching(question: MoodleQuestion, answers: str, texts: _Texts) -> None:
    for piece in answers.split("="):
        piece = piece.strip()
        if not piece:
            continue
        premise, arrow, response = piece.partition("->")
        if not arrow:
            texts.log.add(texts.place, f"matching answer {_restore(piece)!r} has no '->'; ignored")
            continue
        question.subquestions.append((texts.plain(premise), normalise_text(_restore(response))))


def _comment_metadata(comments: str) -> tuple[str, list[str]]:
    """The ``[id:...]`` and ``[tag:...]`` that Moodle reads from the comment above a question."""
    found = _ID_IN_COMMENT.search(comments)
    idnumber = found.group(1).replace("\\]", "]").strip() if found else ""
    tags = [t.replace("\\]", "]").strip() for t in _TAG_IN_COMMENT.findall(comments)]
    return idnumber, [t for t in tags if t]
