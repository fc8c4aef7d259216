"""Moodle's question model, shared by the GIFT and Moodle XML formats.

GIFT and Moodle XML are two spellings of the same thing (Moodle's question bank), so both go
through ``MoodleQuestion``: ``plan_question`` turns an ``Item`` into one, the format module
only spells it; a reader fills one in from its syntax and ``read_question`` turns it back.

How each bank type maps (both formats):

========================  =========================================================
single                    multichoice, single answer: key 100 %, others 0 %
multiple                  multichoice, multiple answers: each key +100/k %; each other
                          option -100/k % for right-minus-wrong (Moodle sums and floors
                          at 0, which *is* right-minus-wrong), -100 % for all-or-nothing
                          (closest Moodle gets: any wrong tick scores 0, but an incomplete
                          selection still earns part credit) plus ``qb:scoring`` marker
true_false                truefalse
matching                  matching: premises as sub-questions, responses as their answers;
                          unused responses (and the response order, if the premises would
                          give another) as extra answers with an empty sub-question
classification            matching with ``qb:kind=classification``: statements as
                          sub-questions, category names as answers (Moodle merges answers
                          with the same text, so each category is one choice)
ordering                  Moodle XML: the ``ordering`` question type, part of standard
                          Moodle since 4.4 (MDL-72394; the qtype_ordering plugin before),
                          items in the correct order, grading ABSOLUTE_POSITION (partial
                          credit per item in place). GIFT: qtype_ordering's own GIFT syntax
                          cannot carry general feedback, so ordering is written as matching
                          with ``qb:kind=ordering``: each item matched to its position 1..n
scenario                  the carried type; vignette and stem labelled in the question
                          text, ``qb:scenario=<carried type>``
========================  =========================================================

Everywhere: item id as question name and idnumber, pool as category ``$course$/top/<pool>``,
tags as tags, version/difficulty/enemies/choice ids as ``qb:`` marker tags (``_markers``),
per-option feedback as answer feedback, rationale + per-piece feedback + sources as general
feedback (``_compose``), points as the default mark.
"""

from __future__ import annotations

import sys

from dataclasses import dataclass
from dataclasses import field

from question_bank.formats import _markers
from question_bank.formats._assemble import NAME_AS_ID_PATTERN
from question_bank.formats._assemble import ReadQuestion
from question_bank.formats._assemble import pool_from_category
from question_bank.formats._compose import general_feedback
from question_bank.formats._compose import question_text
from question_bank.formats._markers import Markers
from question_bank.formats._markers import marker
from question_bank.formats._markers import read_markers
from question_bank.formats._markers import review_markers
from question_bank.formats._report import Place
from question_bank.formats._report import ProblemLog
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

CATEGORY_ROOT = "$course$/top"

#: Every fraction Moodle accepts for an answer (question/lib: question_bank::fraction_options_full).
MOODLE_FRACTIONS = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)
_TOLERANCE = 1e-4


@dataclass
class MoodleAnswer:
    text: str
    fraction: float = 0.0
    feedback: str = ""


@dataclass
class MoodleQuestion:
    """One Moodle question, in plain text, as both formats describe it."""

    qtype: str  # multichoice | truefalse | matching | ordering (import also sees others)
    name: str = ""
    idnumber: str = ""
    category: str | None = None
    text: str = ""
    general_feedback: str = ""
    default_grade: float | None = None
    tags: list[str] = field(default_factory=list)
    single: bool = True
    answers: list[MoodleAnswer] = field(default_factory=list)
    true_is_correct: bool = True
    true_feedback: str = ""
    false_feedback: str = ""
    #: Matching sub-questions ``(question text, answer text)``; "" question = extra answer.
    subquestions: list[tuple[str, str]] = field(default_factory=list)
    #: Select missing words (gapselect): ``(text, group)``; ``[[n]]`` in the text names option n.
    select_options: list[tuple[str, int]] = field(default_factory=list)


def category_path(pool: str) -> str:
    return f"{CATEGORY_ROOT}/{pool}"


def format_percent(fraction: float) -> str:
    """A fraction as Moodle writes percentages: ``100``, ``33.33333``, ``-50``."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plan_question(item: Item, *, ordering_as_matching: bool) -> MoodleQuestion | None:
    """The Moodle question that stands for ``item`` (see the module docstring for the mapping),
    from its type's exchange shape; None when its type has none (``exchange_note`` says why)."""
    question = MoodleQuestion(
        qtype="",
        name=item.id,
        idnumber=item.id,
        category=item.pool,
        text=question_text(item),
        general_feedback=general_feedback(item),
        default_grade=float(item.points),
        tags=list(item.tags) + _item_markers(item),
    )
    spec = item_types.spec_for(item)
    shape = spec.exchange(item.body)
    if shape is None:
        if not getattr(spec, "moodle_native", False):
            return None
        # The type plans its own Moodle question (a cloze is gapselect) with this module's help.
        question.tags += [marker("kind", item.kind)]
        question.tags += [marker("enemy", enemy) for enemy in item.enemies]
        question.tags += review_markers(item.covers, item.lint_ok)
        spec.moodle_plan(item, question, sys.modules[__name__])
        return question
    question.tags += _shape_markers(shape)
    question.tags += [marker("enemy", enemy) for enemy in item.enemies]
    question.tags += review_markers(item.covers, item.lint_ok)
    if isinstance(shape, ChoiceShape) and shape.true_false:
        question.qtype = "truefalse"
        question.true_is_correct = shape.key == ("true",)
    elif isinstance(shape, ChoiceShape):
        question.qtype = "multichoice"
        question.single = not shape.multiple
        question.answers = [
            MoodleAnswer(c.text, _choice_fraction(shape, c.id), c.rationale) for c in shape.choices
        ]
        question.tags += _markers.ids_marker("option", [c.id for c in shape.choices])
    elif isinstance(shape, PairShape):
        question.qtype = "matching"
        if shape.kind is not None:
            question.tags.append(marker("kind", shape.kind))
        _plan_pairs(question, shape.left_role, shape.left, shape.right_role, shape.right,
                    shape.key)
    else:
        _plan_ordering(question, shape, as_matching=ordering_as_matching)
    return question


def _item_markers(item: Item) -> list[str]:
    tags = [marker("version", item.version), marker("difficulty", item.difficulty)]
    if item.type is ItemType.SCENARIO:
        tags.append(marker("scenario", item.kind))
    return tags


def _shape_markers(shape: Shape) -> list[str]:
    tags = []
    if isinstance(shape, ChoiceShape) and shape.scoring is MultipleScoring.ALL_OR_NOTHING:
        tags.append(marker("scoring", MultipleScoring.ALL_OR_NOTHING))
    if isinstance(shape, ChoiceShape) and shape.kind is not None:
        tags.append(marker("kind", shape.kind))
        if shape.variant:
            tags.append(marker("variant", shape.variant))
    return tags


def _choice_fraction(shape: ChoiceShape, option_id: str) -> float:
    if not shape.multiple:
        return 1.0 if option_id in shape.key else 0.0
    share = 1.0 / len(shape.key)
    if option_id in shape.key:
        return share
    if not shape.penalty:
        return 0.0
    return -1.0 if shape.scoring is MultipleScoring.ALL_OR_NOTHING else -share


def _plan_pairs(
    question: MoodleQuestion,
    left_role: str,
    left: tuple[Choice, ...],
    right_role: str,
    right: tuple[Choice, ...],
    key: dict[str, str],
) -> None:
    """Sub-questions for a matching-shaped body; extra answers fix the answer list if needed."""
    right_text = {c.id: c.text for c in right}
    pairs = [(c.text, right_text[key[c.id]]) for c in left]
    first_seen = list(dict.fromkeys(answer for _, answer in pairs))
    if first_seen != [c.text for c in right]:
        pairs = [("", c.text) for c in right] + pairs
    question.subquestions = pairs
    question.tags += _markers.ids_marker(left_role, [c.id for c in left])
    question.tags += _markers.ids_marker(right_role, [c.id for c in right])


def _plan_ordering(question: MoodleQuestion, body: OrderShape, *, as_matching: bool) -> None:
    option_ids = [c.id for c in body.options]
    if as_matching:
        question.qtype = "matching"
        question.tags.append(marker("kind", ItemType.ORDERING))
        position = {option_id: index + 1 for index, option_id in enumerate(body.key)}
        question.subquestions = [(c.text, str(position[c.id])) for c in body.options]
        question.tags += _markers.ids_marker("option", option_ids)
        return
    question.qtype = "ordering"
    text_of = {c.id: c for c in body.options}
    question.answers = [
        MoodleAnswer(text_of[option_id].text, float(index + 1))
        for index, option_id in enumerate(body.key)
    ]
    question.tags += _markers.ids_marker("option", list(body.key))
    question.tags += _markers.order_marker("option", list(body.key), option_ids)


# --------------------------------------------------------------------------- reading back


def read_question(question: MoodleQuestion, place: Place, log: ProblemLog) -> ReadQuestion | None:
    """What a Moodle question means for the bank; None (problem logged) if it cannot be an item."""
    markers = read_markers(question.tags)
    reader = {
        "multichoice": _read_multichoice,
        "truefalse": _read_truefalse,
        "matching": _read_matching,
        "ordering": _read_ordering,
    }.get(question.qtype)
    native = next((spec for spec in item_types.TYPES.values()
                   if getattr(spec, "moodle_native", False) and spec.moodle_qtype == question.qtype), None)
    if reader is None and native is not None:
        def reader(question: MoodleQuestion, markers: Markers, place: Place, log: ProblemLog,
                   spec: object = native) -> ReadQuestion | None:
            body = spec.moodle_read(question, markers, place, log, sys.modules[__name__])
            return ReadQuestion(place, [], spec.type, body, "") if body is not None else None
    if reader is None:
        log.add(place, f"unsupported type {question.qtype} (skipped)")
        return None
    read = reader(question, markers, place, log)
    if read is None:
        return None
    read.id_candidates = [question.idnumber]
    if NAME_AS_ID_PATTERN.match(question.name):
        read.id_candidates.append(question.name)
    read.text = question.text
    read.feedback = question.general_feedback
    read.markers = markers
    read.points = question.default_grade
    if question.category is not None:
        read.pool = pool_from_category(question.category)
    return read


def _read_multichoice(
    question: MoodleQuestion, markers: Markers, place: Place, log: ProblemLog
) -> ReadQuestion | None:
    answers = question.answers
    ids = markers.ids_for("option", len(answers))
    options = tuple(Choice(i, a.text, a.feedback) for i, a in zip(ids, answers, strict=True))
    fractions = {i: a.fraction for i, a in zip(ids, answers, strict=True)}
    if question.single:
        full = [i for i in ids if fractions[i] >= 1 - _TOLERANCE]
        best = max(fractions.values(), default=0.0)
        if not full and best <= 0:
            log.add(place, "no option is marked correct (skipped)")
            return None
        key = full[0] if full else next(i for i in ids if fractions[i] == best)
        if len(full) > 1:
            log.add(place, f"{len(full)} options score 100 %; kept the first as the key")
        partial = [i for i in ids if i != key and fractions[i] > _TOLERANCE]
        if not full or partial:
            log.add(place, "partial credit for some options dropped (single best answer)")
        body = SingleBody(options, key)
        return ReadQuestion(place, [], ItemType.SINGLE, body, "")
    key = frozenset(i for i in ids if fractions[i] > _TOLERANCE)
    if not key:
        log.add(place, "no option carries positive credit (skipped)")
        return None
    marked = marked_type(markers.kind)
    if marked is not None:
        shape = ChoiceShape(options, tuple(i for i in ids if i in key), multiple=True,
                            kind=marked.type, variant=markers.variant)
        return ReadQuestion(place, [], marked.type, marked.from_exchange(shape), "")
    scoring = markers.scoring or MultipleScoring.RIGHT_MINUS_WRONG
    if markers.scoring is None and not _is_right_minus_wrong(fractions, key):
        log.add(place, "answer weights differ from equal right-minus-wrong credit; "
                       "scored right-minus-wrong")
    body = MultipleBody(options, key, scoring)
    return ReadQuestion(place, [], ItemType.MULTIPLE, body, "")


def _is_right_minus_wrong(fractions: dict[str, float], key: frozenset[str]) -> bool:
    share = 1.0 / len(key)
    return all(
        abs(value - (share if option in key else -share)) < _TOLERANCE
        or (option not in key and abs(value) < _TOLERANCE)
        for option, value in fractions.items()
    )


def _read_truefalse(
    question: MoodleQuestion, markers: Markers, place: Place, log: ProblemLog
) -> ReadQuestion | None:
    extra = []
    for answer, feedback in (("true", question.true_feedback), ("false", question.false_feedback)):
        if feedback:
            extra.append(f"If you answered {answer}: {feedback}")
    if extra:
        log.add(place, "feedback on the true/false answers folded into the rationale")
    body = TrueFalseBody(question.true_is_correct)
    return ReadQuestion(place, [], ItemType.TRUE_FALSE, body, "", extra_rationale=extra)


def _read_matching(
    question: MoodleQuestion, markers: Markers, place: Place, log: ProblemLog
) -> ReadQuestion | None:
    pairs = [(q, a) for q, a in question.subquestions if q or a]
    asked = [(q, a) for q, a in pairs if q]
    answer_texts = list(dict.fromkeys(a for _, a in pairs if a))
    if any(not a for _, a in asked):
        log.add(place, "a sub-question has no answer (skipped)")
        return None
    if markers.kind is ItemType.ORDERING:
        return _read_ordering_as_matching(asked, markers, place, log)
    marked = item_types.spec_for(markers.kind) if markers.kind is not None else None
    if marked is None or marked.pair_roles is None:
        marked = None
    left_role, right_role = marked.pair_roles if marked else ("premise", "response")
    left_ids = markers.ids_for(left_role, len(asked))
    right_ids = markers.ids_for(right_role, len(answer_texts))
    right = tuple(Choice(i, t) for i, t in zip(right_ids, answer_texts, strict=True))
    left = tuple(Choice(i, q) for i, (q, _) in zip(left_ids, asked, strict=True))
    id_of_text = dict(zip(answer_texts, right_ids, strict=True))
    key = {left_id: id_of_text[a] for left_id, (_, a) in zip(left_ids, asked, strict=True)}
    if marked is not None and marked.type is not ItemType.MATCHING:
        shape = PairShape(left_role, left, right_role, right, key, kind=marked.type)
        return ReadQuestion(place, [], marked.type, marked.from_exchange(shape), "")
    if len(answer_texts) < len(asked):
        log.add(place, f"{len(asked)} premises share {len(answer_texts)} responses; if this sorts "
                       "statements into categories, consider a classification item")
    return ReadQuestion(place, [], ItemType.MATCHING, MatchingBody(left, right, key), "")


def _read_ordering_as_matching(
    asked: list[tuple[str, str]], markers: Markers, place: Place, log: ProblemLog
) -> ReadQuestion | None:
    ids = markers.ids_for("option", len(asked))
    try:
        positions = [int(answer) for _, answer in asked]
    except ValueError:
        positions = []
    if sorted(positions) != list(range(1, len(asked) + 1)):
        log.add(place, "marked as ordering, but the answers are not the positions 1..n (skipped)")
        return None
    options = tuple(Choice(i, q) for i, (q, _) in zip(ids, asked, strict=True))
    key = tuple(i for _, i in sorted(zip(positions, ids, strict=True)))
    return ReadQuestion(place, [], ItemType.ORDERING, OrderingBody(options, key), "")


def _read_ordering(
    question: MoodleQuestion, markers: Markers, place: Place, log: ProblemLog
) -> ReadQuestion | None:
    answers = [a for a in question.answers if a.text]
    file_ids = markers.ids_for("option", len(answers))
    by_id = {i: Choice(i, a.text, a.feedback) for i, a in zip(file_ids, answers, strict=True)}
    author_order = markers.order.get("option")
    if author_order is not None and sorted(author_order) != sorted(file_ids):
        log.add(place, "marker qb:order.option does not list the items; file order kept")
        author_order = None
    options = tuple(by_id[i] for i in (author_order or file_ids))
    body = OrderingBody(options, tuple(file_ids))
    return ReadQuestion(place, [], ItemType.ORDERING, body, "")


# --------------------------------------------------------------------------- export notes


def marked_type(kind: ItemType | None):  # noqa: ANN201
    """The type module a ``qb:kind`` marker names, when it reads back through ``from_exchange``
    (None: no marker, or a kind the format's own reading already gives)."""
    if kind is None or kind in _PLAIN_KINDS:
        return None
    return item_types.spec_for(kind)


#: Kinds a format's own question types give without a marker (or with the format's own marking).
_PLAIN_KINDS = (ItemType.SINGLE, ItemType.MULTIPLE, ItemType.TRUE_FALSE, ItemType.MATCHING,
                ItemType.ORDERING, ItemType.SCENARIO)


def moodle_notes(item: Item, question: MoodleQuestion) -> list[str]:
    """What Moodle will not keep exactly, for one planned question."""
    notes: list[str] = []
    spec = item_types.spec_for(item)
    notes += spec.export_notes(item.body, "moodle")
    shape = spec.exchange(item.body)
    if isinstance(shape, ChoiceShape) and shape.multiple:
        if shape.scoring is MultipleScoring.ALL_OR_NOTHING:
            notes.append(
                "all-or-nothing scoring: Moodle gives part credit for an incomplete selection "
                "(any wrong tick still scores 0)"
            )
        share = 1.0 / len(shape.key)
        if not any(abs(share - allowed) < _TOLERANCE for allowed in MOODLE_FRACTIONS):
            notes.append(
                f"{len(shape.key)} correct options: Moodle has no weight of 1/{len(shape.key)} and "
                "refuses the question unless its import rounds grades to the nearest"
            )
    if question.qtype == "matching":
        answers = [a for _, a in question.subquestions]
        if len(set(answers)) != len(dict.fromkeys(a.casefold() for a in answers)):
            notes.append("answers differing only in case: Moodle may merge them")
    for tag in question.tags:
        if len(tag) > _markers.MOODLE_TAG_MAX_LENGTH:
            notes.append(
                f"tag {tag!r} is longer than Moodle's {_markers.MOODLE_TAG_MAX_LENGTH} "
                "characters; Moodle cuts it (fine for this tool's own import)"
            )
        if any(char in tag for char in "<>`") or any(ord(char) < 32 for char in tag):
            notes.append(f"tag {tag!r} has characters Moodle removes from tags")
    return notes
