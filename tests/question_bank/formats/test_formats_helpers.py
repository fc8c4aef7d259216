"""The shared pieces: plain text and HTML, marker tags, feedback folding, category paths."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from question_bank.formats import export_items
from question_bank.formats import import_items
from question_bank.formats._assemble import pool_from_category
from question_bank.formats._compose import general_feedback
from question_bank.formats._compose import split_general_feedback
from question_bank.formats._compose import split_question_text
from question_bank.formats._markers import default_ids
from question_bank.formats._markers import ids_marker
from question_bank.formats._markers import read_markers
from question_bank.formats._text import html_to_text
from question_bank.formats._text import normalise_text
from question_bank.formats._text import text_to_html
from question_bank.model import Choice
from question_bank.model import MatchingBody

from .items import MATCHING
from .strategies import texts


@given(texts)
def test_html_round_trip_is_exact_for_normalised_text(text: str) -> None:
    assert normalise_text(text) == text
    assert html_to_text(text_to_html(text)) == (text, set())


def test_foreign_html_becomes_plain_paragraphs_and_lines() -> None:
    markup = ("<div><p dir='ltr'>Trust&nbsp;&amp; <b>empathy</b>\n   matter.</p>"
              "<ul><li>one</li><li>two</li></ul><p>a<br/>b</p><script>x()</script>"
              "<img src='a.png'></div>")
    assert html_to_text(markup) == ("Trust & empathy matter.\n\none\ntwo\n\na\nb", {"img"})


def test_normalise_text() -> None:
    assert normalise_text("  a \t b \r\n\r\n\r\n\n c  \n") == "a b\n\nc"


def test_default_ids_and_id_markers() -> None:
    assert default_ids("option", 28)[-3:] == ["z", "aa", "ab"]
    assert default_ids("statement", 2) == ["s1", "s2"]
    assert ids_marker("option", ["a", "b"]) == []
    assert ids_marker("category", ["therapeutic", "social"]) == [
        "qb:ids.category=therapeutic|social"
    ]


def test_long_id_lists_are_split_into_tags_moodle_keeps_whole() -> None:
    ids = ["physical", "sexual", "intellectual", "emotional", "financial"]
    tags = ids_marker("category", ids)
    assert tags == ["qb:ids.category=physical|sexual|intellectual",
                    "qb:ids.category.2=emotional|financial"]
    assert all(len(tag) <= 50 for tag in tags)
    assert read_markers(list(reversed(tags))).ids == {"category": ids}


def test_markers_and_plain_tags_are_told_apart() -> None:
    markers = read_markers(["trust", "qb:version=3", "qb:enemy=comp-002", "qb:difficulty=9x",
                            "qb:ids.option.3=a", "trust"])
    assert markers.version == 3
    assert markers.enemies == ["comp-002"]
    assert markers.tags == ["trust", "qb:difficulty=9x"]
    assert markers.problems == [
        "marker tag 'qb:difficulty=9x' not understood (kept as a tag)",
        "marker qb:ids.option is incomplete; ignored",
    ]


def test_feedback_folding_names_pieces_by_role_when_ids_collide() -> None:
    body = MatchingBody(
        (Choice("x", "Premise", "why the premise"), Choice("y", "Other")),
        (Choice("x", "Response", "why the response"), Choice("z", "Third")),
        {"x": "x", "y": "z"},
    )
    item = replace(MATCHING, body=body)
    text = general_feedback(item)
    assert "[premise:x] Premise — why the premise\n[response:x] Response — why the response" \
        in text
    parts = split_general_feedback(text, [("premise", c) for c in body.premises]
                                   + [("response", c) for c in body.responses])
    assert parts.pieces == {("premise", "x"): "why the premise",
                            ("response", "x"): "why the response"}
    assert parts.rationale == item.rationale
    for fmt in ("gift", "moodle-xml", "qti12", "qti21"):
        assert import_items(export_items([item], fmt), fmt, "p").items == [item]


def test_a_rationale_that_only_mentions_sources_is_kept() -> None:
    parts = split_general_feedback("See the Source: section.\n\nSource: 000.txt § Intro", [])
    assert parts.rationale == "See the Source: section."
    assert [(s.seed, s.section) for s in parts.sources] == [("000.txt", "Intro")]


def test_scenario_split_needs_both_labels() -> None:
    assert split_question_text("Scenario: A\n\nQuestion: B") == ("A", "B")
    assert split_question_text("Scenario: A\n\nB") is None
    assert split_question_text("A\n\nQuestion: B") is None


@pytest.mark.parametrize("path,pool", [
    ("$course$/top/components", "components"),
    ("$course$/components", "components"),
    ("top/barriers", "barriers"),
    ("$course$/top/Default for NURS101", None),
    ("$course$/top", None),
    ("$system$/top/phases-extra", "phases-extra"),
])
def test_pool_from_category(path: str, pool: str | None) -> None:
    assert pool_from_category(path) == pool


@given(st.text(max_size=200))
def test_html_reader_never_raises(markup: str) -> None:
    text, dropped = html_to_text(markup)
    assert isinstance(text, str) and isinstance(dropped, set)
