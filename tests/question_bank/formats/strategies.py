"""Hypothesis strategies for items every format can carry exactly.

Texts are normalised (single spaces, no spaces at line ends, at most one blank line), as the
importers return them, and full of the characters the formats must escape: GIFT's
``~ = # { } : \\``, HTML's ``< > & "``, a ``[`` or ``%`` that Moodle's GIFT reader would take
for a format or a weight at the start of an answer. Left out, with the reason:

* ``]`` and ``§``: they would let hypothesis write a rationale paragraph that reads exactly like
  the per-piece or sources block that follows it (documented ambiguity of ``_compose``);
* ``->`` in premises: GIFT has no escape for it (``export_notes`` reports it);
* ``Question:`` in a vignette: the scenario split marker.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

from question_bank.model import Choice
from question_bank.model import ClassificationBody
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.model import OrderingBody
from question_bank.model import SingleBody
from question_bank.model import Source
from question_bank.model import TrueFalseBody
from question_bank.types.extended_multiple import ExtendedMultipleBody
from question_bank.types.matrix import MatrixBody

WORD_ALPHABET = string.ascii_letters + string.digits + "~=#{}:\\[<>&\"'%.,;!?()-/*_@$+éüßλ中"

words = st.text(alphabet=WORD_ALPHABET, min_size=1, max_size=10)
lines = st.lists(words, min_size=1, max_size=6).map(" ".join)
paragraphs = st.lists(lines, min_size=1, max_size=3).map("\n".join)
texts = st.lists(paragraphs, min_size=1, max_size=3).map("\n\n".join)
one_paragraph = paragraphs
short_texts = st.lists(words, min_size=1, max_size=5).map(" ".join)

choice_ids = st.from_regex(r"[a-z][a-z0-9_.-]{0,6}", fullmatch=True)
item_ids = st.from_regex(r"[a-z]{2,5}-[0-9]{3}", fullmatch=True)
pools = st.sampled_from(["components", "barriers", "comparison", "phases", "foundations"])
tags = st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True), max_size=3, unique=True)
sources = st.lists(
    st.builds(
        Source,
        seed=st.from_regex(r"[0-9]{3}_[0-9a-f]{16}\.txt", fullmatch=True),
        section=short_texts,
    ),
    min_size=1,
    max_size=2,
).map(tuple)


def _unique_texts(strategy: st.SearchStrategy[str], count: int) -> st.SearchStrategy[list[str]]:
    return st.lists(strategy, min_size=count, max_size=count,
                    unique_by=lambda t: " ".join(t.split()).casefold())


@st.composite
def _choices(draw: st.DrawFn, ids: list[str], *, rationale: st.SearchStrategy[str],
             text: st.SearchStrategy[str] = short_texts) -> tuple[Choice, ...]:
    chosen = draw(_unique_texts(text, len(ids)))
    return tuple(Choice(i, t, draw(rationale)) for i, t in zip(ids, chosen, strict=True))


#: The types every format carries (and this module can generate).
EXCHANGED = (ItemType.SINGLE, ItemType.MULTIPLE, ItemType.TRUE_FALSE, ItemType.MATCHING,
             ItemType.ORDERING, ItemType.CLASSIFICATION, ItemType.SCENARIO, ItemType.MATRIX,
             ItemType.EXTENDED_MULTIPLE)

premise_texts = short_texts.filter(lambda t: "->" not in t)
maybe_rationale = st.one_of(st.just(""), one_paragraph)


@st.composite
def bodies(draw: st.DrawFn, kind: ItemType) -> object:
    if kind is ItemType.TRUE_FALSE:
        return TrueFalseBody(draw(st.booleans()))
    if kind in (ItemType.SINGLE, ItemType.MULTIPLE):
        ids = draw(st.lists(choice_ids, min_size=2, max_size=6, unique=True))
        options = draw(_choices(ids, rationale=one_paragraph))
        if kind is ItemType.SINGLE:
            return SingleBody(options, draw(st.sampled_from(ids)))
        key = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        return MultipleBody(options, frozenset(key), draw(st.sampled_from(list(MultipleScoring))))
    if kind is ItemType.ORDERING:
        ids = draw(st.lists(choice_ids, min_size=2, max_size=5, unique=True))
        options = draw(_choices(ids, rationale=maybe_rationale, text=premise_texts))
        return OrderingBody(options, tuple(draw(st.permutations(ids))))
    if kind is ItemType.EXTENDED_MULTIPLE:
        ids = draw(st.lists(choice_ids, min_size=3, max_size=8, unique=True))
        options = draw(_choices(ids, rationale=one_paragraph))
        key = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids) - 1, unique=True))
        return ExtendedMultipleBody(options, frozenset(key), draw(st.sampled_from(["plus_minus", "zero_one"])))
    if kind is ItemType.MATRIX:  # select one: rows x columns, carried as pairs
        all_ids = draw(st.lists(choice_ids, min_size=4, max_size=8, unique=True))
        split = draw(st.integers(min_value=2, max_value=min(6, len(all_ids) - 2)))
        column_ids, row_ids = all_ids[:split], all_ids[split:]
        columns = draw(_choices(column_ids, rationale=maybe_rationale))
        rows = draw(_choices(row_ids, rationale=one_paragraph, text=premise_texts))
        return MatrixBody("one", columns, rows,
                          {i: (draw(st.sampled_from(column_ids)),) for i in row_ids})
    if kind is ItemType.MATCHING:  # the bank's rule: as many responses as premises
        count = draw(st.integers(min_value=2, max_value=4))
        all_ids = draw(st.lists(choice_ids, min_size=2 * count, max_size=2 * count, unique=True))
        left_ids, right_ids = all_ids[:count], all_ids[count:]
    else:
        all_ids = draw(st.lists(choice_ids, min_size=3, max_size=7, unique=True))
        split = draw(st.integers(min_value=2, max_value=len(all_ids) - 1))
        right_ids, left_ids = all_ids[:split], all_ids[split:]
    left = draw(_choices(left_ids, rationale=maybe_rationale, text=premise_texts))
    right = draw(_choices(right_ids, rationale=maybe_rationale))
    key = {i: draw(st.sampled_from(right_ids)) for i in left_ids}
    if kind is ItemType.MATCHING:
        return MatchingBody(left, right, key)
    return ClassificationBody(right, left, key)


@st.composite
def items(draw: st.DrawFn, pool: st.SearchStrategy[str] = pools) -> Item:
    item_type = draw(st.sampled_from([t for t in ItemType if t in EXCHANGED]))
    carries = None
    vignette = None
    kind = item_type
    if item_type is ItemType.SCENARIO:
        carries = kind = draw(st.sampled_from([t for t in EXCHANGED if t is not ItemType.SCENARIO]))
        vignette = draw(texts.filter(lambda t: "Question:" not in t))
    return Item(
        id=draw(item_ids),
        version=draw(st.integers(min_value=1, max_value=30)),
        pool=draw(pool),
        type=item_type,
        difficulty=draw(st.integers(min_value=1, max_value=3)),
        stem=draw(texts),
        body=draw(bodies(kind)),
        rationale=draw(texts),
        sources=draw(sources),
        points=draw(st.integers(min_value=1, max_value=5)),
        tags=tuple(draw(tags)),
        enemies=tuple(draw(st.lists(item_ids, max_size=2, unique=True))),
        vignette=vignette,
        carries=carries,
    )


item_lists = st.lists(items(), min_size=1, max_size=4, unique_by=lambda item: item.id)
