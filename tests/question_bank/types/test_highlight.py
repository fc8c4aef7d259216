"""Highlight: bank file, refusals with lines, +/- scoring, views, QTI 2.1 hot text round trip,
the other formats skipped with a note."""

from __future__ import annotations

from fractions import Fraction

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from question_bank import layout_for
from question_bank import review_view
from question_bank import score_item
from question_bank import student_view
from question_bank.model import ItemType
from question_bank.types import spec_for
from tests.question_bank.types.support import line
from tests.question_bank.types.support import load_one
from tests.question_bank.types.support import pool_text
from tests.question_bank.types.support import problems
from tests.question_bank.types.support import round_trip
from tests.question_bank.types.support import skipped_with_note

PHRASES = "".join(f'  - {{id: p{n}, text: "phrase {n}", rationale: "Why {n}."}}\n' for n in range(1, 6))
HIGHLIGHT = ('passage: "Note. {{p1}}; {{p2}}.\\nLater: {{p3}}, {{p4}} and {{p5}}."\n'
             f"phrases:\n{PHRASES}key: [p2, p4]\n")


@pytest.fixture
def item(tmp_path):
    return load_one(tmp_path, pool_text(HIGHLIGHT, item_type="highlight"))


def test_loads(item):
    assert item.kind is ItemType.HIGHLIGHT and item.body.key == frozenset({"p2", "p4"})
    assert spec_for(item).to_data(item.body)["key"] == ["p2", "p4"]


@pytest.mark.parametrize(("body", "needle", "field", "message"), [
    (HIGHLIGHT.replace("{{p5}}", "{{p9}}"), "passage:", "passage", "{{p9}} names no phrase"),
    (HIGHLIGHT.replace("{{p5}}", "{{p4}}"), "id: p4", "phrases[3].id", "appears 2 times"),
    (HIGHLIGHT.replace("[p2, p4]", "[p2, p7]"), "key:", "key[1]", "'p7' is not a phrase"),
    (HIGHLIGHT.replace("[p2, p4]", "[p1, p2, p3, p4, p5]"), "key:", "key", "every phrase is keyed"),
    (HIGHLIGHT.replace("[p2, p4]", "[]"), "key:", "key", "select at least one phrase"),
    (HIGHLIGHT.replace('text: "phrase 3", rationale: "Why 3."', 'text: "phrase 3"'), "phrase 3",
     "phrases[2].rationale", "required field is missing"),
])
def test_refusals_name_file_line_and_field(tmp_path, body, needle, field, message):
    text = pool_text(body, item_type="highlight")
    found = problems(tmp_path, text)
    expected = f"ngn.yaml:{line(text, needle)}: ngn-001: {field}: "
    assert any(p.startswith(expected) and message in p for p in found), found


@pytest.mark.parametrize(("response", "credit"), [
    (["p2", "p4"], Fraction(1)),
    (["p2"], Fraction(1, 2)),
    (["p2", "p4", "p1"], Fraction(1, 2)),   # a wrong selection cancels a right one
    (["p2", "p1"], Fraction(0)),
    (["p1", "p3", "p5"], Fraction(0)),      # floor 0
    (["p1", "p2", "p3", "p4", "p5"], Fraction(0)),  # selecting everything earns nothing
    ([], Fraction(0)),
    ({"p2": True}, Fraction(0)),
])
def test_plus_minus_table(item, response, credit):
    assert score_item(item, response) == credit


def test_views(item):
    layout = layout_for(item, "seed")
    assert layout.to_json() == {}  # nothing shuffled: the passage's order is its meaning
    view = student_view(item, layout)
    assert [p.get("phrase") for p in view["parts"] if "phrase" in p] == ["p1", "p2", "p3", "p4", "p5"]
    assert view["parts"][0] == {"text": "Note. "}
    assert "key" not in view and "rationale" not in str(view)
    review = review_view(item, layout, ["p2", "p1"])
    marks = {p["id"]: (p["is_key"], p["chosen"], p["right"]) for p in review["phrases"]}
    assert marks["p1"] == (False, True, False) and marks["p2"] == (True, True, True)
    assert marks["p4"] == (True, False, False) and marks["p3"] == (False, False, True)
    assert review["score"] == Fraction(0)


def test_response_schema_and_form(item):
    spec = spec_for(item)
    view = student_view(item)
    field = spec.response_field(view)
    assert field.deserialize(["p1", "p3"]) == ["p1", "p3"]
    for bad in (["zz"], ["p1", "p1"]):
        with pytest.raises(ValidationError):
            field.deserialize(bad)
    assert spec.response_from_form(view, "q5", MultiDict([("q5", "p2"), ("q5", "p5")])) == ["p2", "p5"]


def test_qti21_hot_text_round_trip(item):
    assert round_trip(item, "qti21") == [item]


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "qti12"])
def test_other_formats_skip_with_a_note(item, fmt):
    notes = skipped_with_note(item, fmt)
    assert any(n.startswith("ngn-001: highlight") for n in notes), notes
