"""Matrix items: bank file, refusals with their lines, scoring per row, layout, views, formats."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from question_bank import layout_for
from question_bank import review_view
from question_bank import score_item
from question_bank import student_view
from question_bank.formats import FORMATS
from question_bank.formats import export_notes
from question_bank.model import ItemType
from question_bank.types import spec_for
from question_bank.types.matrix import MatrixBody
from tests.question_bank.types.support import line
from tests.question_bank.types.support import load_one
from tests.question_bank.types.support import pool_text
from tests.question_bank.types.support import problems
from tests.question_bank.types.support import round_trip
from tests.question_bank.types.support import skipped_with_note

ONE = """\
select: one
columns:
  - {id: fu, text: "Requires follow-up"}
  - {id: nofu, text: "No follow-up"}
rows:
  - {id: r1, text: "Temperature 38.9", rationale: "Fever."}
  - {id: r2, text: "Pulse 82", rationale: "Normal."}
  - {id: r3, text: "New confusion", rationale: "Acute change."}
  - {id: r4, text: "Oriented", rationale: "Expected."}
key: {r1: fu, r2: nofu, r3: fu, r4: nofu}
"""

MANY = """\
select: many
columns:
  - {id: c1, text: "Trust"}
  - {id: c2, text: "Empathy"}
  - {id: c3, text: "Respect"}
rows:
  - {id: r1, text: "Keeps promises", rationale: "Trust."}
  - {id: r2, text: "Sees the client's view and honours it", rationale: "Empathy and respect."}
key:
  r1: [c1]
  r2: [c2, c3]
"""


@pytest.fixture
def one(tmp_path):
    return load_one(tmp_path, pool_text(ONE, item_type="matrix"))


@pytest.fixture
def many(tmp_path):
    return load_one(tmp_path, pool_text(MANY, item_type="matrix"))


def test_both_selects_load(one, many):
    assert one.kind is ItemType.MATRIX and isinstance(one.body, MatrixBody)
    assert one.body.key == {"r1": ("fu",), "r2": ("nofu",), "r3": ("fu",), "r4": ("nofu",)}
    assert many.body.many and many.body.key == {"r1": ("c1",), "r2": ("c2", "c3")}
    assert spec_for(one).to_data(one.body)["key"] == {"r1": "fu", "r2": "nofu", "r3": "fu", "r4": "nofu"}
    assert spec_for(many).to_data(many.body)["key"] == {"r1": ["c1"], "r2": ["c2", "c3"]}


@pytest.mark.parametrize(("body", "needle", "field", "message"), [
    (ONE.replace("select: one", "select: some"), "select:", "select", "must be one"),
    (ONE.replace("r4: nofu}", "r4: maybe}"), "key:", "key.r4", "'maybe' is not a column"),
    (ONE.replace(", r4: nofu}", "}"), "key:", "key", "no column given for row r4"),
    (ONE.replace("r1: fu,", "r1: [fu],"), "key:", "key.r1", "select: one takes one column"),
    (MANY.replace("r1: [c1]", "r1: c1"), "r1: c1", "key.r1", "takes a list of columns"),
    (MANY.replace("r1: [c1]", "r1: []"), "r1: []", "key.r1", "at least one column"),
    (MANY.replace("r2: [c2, c3]", "r2: [c2, c2]"), "r2: [c2", "key.r2", "listed twice"),
    (ONE.replace('{id: r4, text: "Oriented", rationale: "Expected."}', '{id: r4, text: "Oriented"}'),
     "id: r4", "rows[3].rationale", "required field is missing"),
    (ONE.replace("{id: r2,", "{id: fu,"), "id: fu, text: \"Pulse", "rows[1].id", "also a column"),
])
def test_refusals_name_file_line_and_field(tmp_path, body, needle, field, message):
    text = pool_text(body, item_type="matrix")
    found = problems(tmp_path, text)
    expected = f"ngn.yaml:{line(text, needle)}: ngn-001: {field}: "
    assert any(p.startswith(expected) and message in p for p in found), found


def test_too_many_columns_refused(tmp_path):
    columns = "".join(f"  - {{id: k{n}, text: \"Column {n}\"}}\n" for n in range(7))
    body = ONE.replace('  - {id: fu, text: "Requires follow-up"}\n  - {id: nofu, text: "No follow-up"}\n',
                       columns).replace("fu,", "k0,").replace("nofu}", "k1}").replace("r2: nofu", "r2: k1").replace("r4: nofu", "r4: k1")
    found = problems(tmp_path, pool_text(body, item_type="matrix"))
    assert any("columns: at most 6 columns (has 7)" in p for p in found), found


@pytest.mark.parametrize(("response", "credit"), [
    ({"r1": "fu", "r2": "nofu", "r3": "fu", "r4": "nofu"}, Fraction(1)),
    ({"r1": "fu", "r2": "nofu", "r3": "fu"}, Fraction(3, 4)),
    ({"r1": "nofu", "r2": "fu", "r3": "nofu", "r4": "fu"}, Fraction(0)),
    ({"r1": "fu", "r2": "fu"}, Fraction(1, 4)),
    ({"r1": ["fu"]}, Fraction(1, 4)),       # a list of one is that column
    ({"r9": "fu"}, Fraction(0)),             # unknown rows count for nothing
    (["fu"], Fraction(0)),                   # wrong shape: nothing, never an error
    (None, Fraction(0)),
])
def test_select_one_scores_zero_one_per_row(one, response, credit):
    assert score_item(one, response) == credit


@pytest.mark.parametrize(("response", "credit"), [
    ({"r1": ["c1"], "r2": ["c2", "c3"]}, Fraction(1)),
    ({"r1": ["c1"], "r2": ["c3", "c2"]}, Fraction(1)),
    ({"r1": ["c1"], "r2": ["c2"]}, Fraction(1, 2)),          # a row half right is wrong
    ({"r1": ["c1", "c2"], "r2": ["c2", "c3"]}, Fraction(1, 2)),  # an extra tick spoils the row
    ({"r1": ["c1", "c2", "c3"], "r2": ["c1", "c2", "c3"]}, Fraction(0)),  # ticking all earns nothing
    ({"r1": [1]}, Fraction(0)),
])
def test_select_many_scores_zero_one_per_row(many, response, credit):
    assert score_item(many, response) == credit


def test_rows_are_shuffled_and_recorded_columns_are_not(one):
    layouts = {layout_for(one, f"seed-{n}").statement_order for n in range(30)}
    assert len(layouts) > 1
    layout = layout_for(one, "seed-1")
    assert layout.to_json() == {"statement_order": list(layout.statement_order)}
    view = student_view(one, layout)
    assert [r["id"] for r in view["rows"]] == list(layout.statement_order)
    assert [c["id"] for c in view["columns"]] == ["fu", "nofu"]
    assert view["select"] == "one" and view["template"] == "matrix"
    assert "key" not in view and all("rationale" not in r for r in view["rows"])


def test_review_marks_each_row(one):
    view = review_view(one, layout_for(one, "s"), {"r1": "fu", "r2": "fu"})
    rows = {r["id"]: r for r in view["rows"]}
    assert rows["r1"]["right"] is True and rows["r2"]["right"] is False and rows["r3"]["right"] is False
    assert rows["r2"]["given"] == ["fu"] and rows["r2"]["key"] == ["nofu"]
    assert rows["r3"]["rationale"] == "Acute change."
    assert view["score"] == Fraction(1, 4)
    assert view["key"] == {"r1": "fu", "r2": "nofu", "r3": "fu", "r4": "nofu"}


def test_response_schema_and_form_reading(one, many):
    spec = spec_for(one)
    view = student_view(one)
    field = spec.response_field(view)
    assert field.deserialize({"r1": "fu"}) == {"r1": "fu"}
    with pytest.raises(ValidationError):
        field.deserialize({"r1": "maybe"})
    with pytest.raises(ValidationError):
        field.deserialize({"r9": "fu"})
    form = MultiDict([("q2.r1", "fu"), ("q2.r3", "nofu"), ("q2.r2", "")])
    assert spec.response_from_form(view, "q2", form) == {"r1": "fu", "r3": "nofu"}
    many_view = student_view(many)
    many_field = spec.response_field(many_view)
    assert many_field.deserialize({"r2": ["c2", "c3"]}) == {"r2": ["c2", "c3"]}
    with pytest.raises(ValidationError):
        many_field.deserialize({"r2": ["c2", "c2"]})
    form = MultiDict([("q1.r2", "c2"), ("q1.r2", "c3")])
    assert spec.response_from_form(many_view, "q1", form) == {"r2": ["c2", "c3"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_select_one_round_trips_through_every_format(one, fmt):
    assert round_trip(one, fmt) == [one]


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "qti12"])
def test_select_many_is_skipped_with_a_note(many, fmt):
    notes = skipped_with_note(many, fmt)
    assert any(note.startswith("ngn-001: matrix multiple response") for note in notes), notes


def test_select_many_round_trips_through_qti21_with_its_scoring_noted(many):
    assert round_trip(many, "qti21") == [many]
    assert any("QTI players score each ticked cell" in n for n in export_notes([many], "qti21"))
