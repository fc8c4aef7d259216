"""Writing items as a bank file: what is written reads back to equal items; the YAML reader agrees
with PyYAML's safe_load on what any document means."""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from question_bank import dump_items_to_yaml
from question_bank.bank import load_pool_text
from question_bank.bank.yaml_lines import read_yaml
from question_bank.model import CARRIABLE_TYPES
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
from tests.question_bank.conftest import SEED

# Text that YAML could misread if written carelessly: colons, quotes, hashes, leading dashes and
# spaces, new lines, words YAML 1.1 reads as booleans or null, numbers.
_TRICKY = ["yes", "No", "null", "~", "0x1F", "010", "1e3", "- item", "a: b", "#tag", "'q'", '"d"', "@", "%"]
_text = st.one_of(
    st.sampled_from(_TRICKY),
    st.text(string.ascii_letters + string.digits + " :#-'\"\n\t{}[],&*!|>%@`", min_size=1, max_size=30),
    st.text(min_size=1, max_size=20),
).filter(lambda s: s.strip() and "\r" not in s and "\x85" not in s and "\u2028" not in s and "\u2029" not in s)


#: The types this module generates bodies for.
GENERATED = (ItemType.SINGLE, ItemType.MULTIPLE, ItemType.TRUE_FALSE, ItemType.MATCHING,
             ItemType.ORDERING, ItemType.CLASSIFICATION, ItemType.SCENARIO, ItemType.MATRIX,
             ItemType.EXTENDED_MULTIPLE)


@st.composite
def choices(draw, prefix: str, rationale: bool) -> tuple[Choice, ...]:
    count = draw(st.integers(2, 5))
    texts = draw(st.lists(_text, min_size=count, max_size=count, unique_by=lambda t: " ".join(t.split()).casefold()))
    return tuple(
        Choice(f"{prefix}{n}", text, draw(_text) if rationale else draw(st.one_of(st.just(""), _text)))
        for n, text in enumerate(texts, start=1)
    )


@st.composite
def bodies(draw, kind: ItemType):
    if kind is ItemType.SINGLE:
        options = draw(choices("o", True))
        return SingleBody(options, draw(st.sampled_from([c.id for c in options])))
    if kind is ItemType.MULTIPLE:
        options = draw(choices("o", True))
        key = draw(st.sets(st.sampled_from([c.id for c in options]), min_size=1))
        return MultipleBody(options, frozenset(key), draw(st.sampled_from(list(MultipleScoring))))
    if kind is ItemType.TRUE_FALSE:
        return TrueFalseBody(draw(st.booleans()))
    if kind is ItemType.MATCHING:
        premises = draw(choices("p", False))
        responses = draw(choices("r", False).filter(lambda r: len(r) == len(premises)))
        targets = draw(st.permutations([r.id for r in responses]))
        return MatchingBody(premises, responses, dict(zip((p.id for p in premises), targets)))
    if kind is ItemType.ORDERING:
        options = draw(choices("o", False))
        return OrderingBody(options, tuple(draw(st.permutations([c.id for c in options]))))
    if kind is ItemType.EXTENDED_MULTIPLE:
        options = draw(choices("o", True).filter(lambda o: len(o) >= 3))
        ids = [c.id for c in options]
        key = draw(st.sets(st.sampled_from(ids), min_size=1, max_size=len(ids) - 1))
        return ExtendedMultipleBody(options, frozenset(key), draw(st.sampled_from(["plus_minus", "zero_one"])))
    if kind is ItemType.MATRIX:
        columns = draw(choices("k", False))
        rows = draw(choices("m", True))
        ids = [c.id for c in columns]
        if draw(st.booleans()):
            return MatrixBody("one", columns, rows, {r.id: (draw(st.sampled_from(ids)),) for r in rows})
        key = {r.id: tuple(draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))) for r in rows}
        return MatrixBody("many", columns, rows, key)
    categories = draw(choices("c", False))
    statements = draw(choices("s", False))
    key = {s.id: draw(st.sampled_from([c.id for c in categories])) for s in statements}
    return ClassificationBody(categories, statements, key)


@st.composite
def items(draw, number: int) -> Item:
    declared = draw(st.sampled_from([t for t in ItemType if t in GENERATED]))
    kind = draw(st.sampled_from([t for t in CARRIABLE_TYPES if t in GENERATED])) if declared is ItemType.SCENARIO else declared
    return Item(
        id=f"comp-{number:03d}",
        version=draw(st.integers(1, 50)),
        pool="components",
        type=declared,
        difficulty=draw(st.integers(1, 3)),
        stem=draw(_text),
        body=draw(bodies(kind)),
        rationale=draw(_text),
        sources=tuple(Source(SEED, s) for s in draw(st.lists(_text, min_size=1, max_size=2))),
        points=draw(st.integers(1, 5)),
        tags=tuple(draw(st.lists(_text, max_size=3))),
        enemies=(),
        vignette=draw(_text) if declared is ItemType.SCENARIO else None,
        carries=kind if declared is ItemType.SCENARIO else None,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(*(items(i) for i in range(1, n + 1)))))
def test_dumped_items_load_back_equal(written):
    text = dump_items_to_yaml("components", "Components: a title", written)
    pool = load_pool_text(text, "components.yaml")
    assert pool.items == written
    assert pool.title == "Components: a title"


def test_dump_looks_like_the_readme():
    item = Item(
        id="comp-001", version=1, pool="components", type=ItemType.SINGLE, difficulty=1,
        stem="Which is a component?", body=SingleBody((Choice("a", "Trust", "Yes."), Choice("b", "Sympathy", "No.")), "a"),
        rationale="Trust is listed.", sources=(Source(SEED, "Key components"),), enemies=("comp-002",),
    )
    text = dump_items_to_yaml("components", "Components", [item])
    assert "- {id: a, text: Trust, rationale: Yes.}" in text
    assert f"- {{seed: {SEED}, section: Key components}}" in text
    assert "enemies: [comp-002]" in text
    assert "points" not in text  # default values are left out


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), _text,
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_documents, st.sampled_from([None, True, False]))
def test_reader_means_what_safe_load_means(document, flow):
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    value, issues = read_yaml(text)
    assert value == yaml.safe_load(text)
    assert issues == []


def test_reader_handles_anchors_aliases_and_merges():
    text = "base: &b {a: 1, b: 2}\nother:\n  <<: *b\n  b: 3\nlist: [*b]\n"
    value, issues = read_yaml(text)
    assert value == yaml.safe_load(text) == {
        "base": {"a": 1, "b": 2}, "other": {"a": 1, "b": 3}, "list": [{"a": 1, "b": 2}]
    }
    assert issues == []
    assert value["other"].key_lines == {"b": 4, "a": 1}


def test_reader_records_lines_of_mappings_keys_and_list_entries():
    value, _ = read_yaml("top:\n  - x\n  -\n    k: v\n    n: 2\n")
    assert value.key_lines == {"top": 1}
    assert value["top"].line == 2
    assert value["top"].item_lines == [2, 4]  # an entry starts where its content does
    assert value["top"][1].line == 4
    assert value["top"][1].key_lines == {"k": 4, "n": 5}
