"""Drop-down cloze: bank file, refusals with lines, 0/1 per drop-down and dyads, layout, views,
formats (QTI 2.1 natively, the others skipped with a note)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from question_bank import layout_for
from question_bank import review_view
from question_bank import score_item
from question_bank import student_view
from question_bank.formats import export_notes
from question_bank.model import ItemType
from question_bank.types import spec_for
from tests.question_bank.types.support import line
from tests.question_bank.types.support import load_one
from tests.question_bank.types.support import pool_text
from tests.question_bank.types.support import problems
from tests.question_bank.types.support import round_trip
from tests.question_bank.types.support import skipped_with_note


def gap(name: str, key: str = "a") -> str:
    return (f"  - id: {name}\n    options:\n"
            + "".join(f'      - {{id: {name}{c}, text: "{name} option {c}", rationale: "Why {c}."}}\n' for c in "abc")
            + f"    key: {name}{key}\n")


PER_GAP = ('passage: "First {{g1}}, then {{g2}}, then {{g3}} and {{g4}}."\ngaps:\n'
           + gap("g1") + gap("g2", "b") + gap("g3") + gap("g4", "c") + "scoring: per_gap\n")
DYAD = PER_GAP.replace("scoring: per_gap", "scoring: dyad\npairs: [[g1, g2], [g3, g4]]")
HALF_DYAD = PER_GAP.replace("scoring: per_gap", "scoring: dyad\npairs: [[g1, g2]]")


@pytest.fixture
def per_gap(tmp_path):
    return load_one(tmp_path, pool_text(PER_GAP, item_type="cloze"))


@pytest.fixture
def dyad(tmp_path):
    return load_one(tmp_path, pool_text(DYAD, item_type="cloze"))


@pytest.fixture
def half_dyad(tmp_path):
    return load_one(tmp_path, pool_text(HALF_DYAD, item_type="cloze"))


def test_loads(per_gap, dyad):
    assert per_gap.kind is ItemType.CLOZE and [g.id for g in per_gap.body.gaps] == ["g1", "g2", "g3", "g4"]
    assert dyad.body.pairs == (("g1", "g2"), ("g3", "g4"))
    assert spec_for(dyad).to_data(dyad.body)["pairs"] == [["g1", "g2"], ["g3", "g4"]]


def test_a_stored_per_gap_item_rebuilds_without_pairs(per_gap):
    """An attempt's snapshot is to_data() without "pairs" when there are none; it must build again."""
    spec = spec_for(per_gap)
    data = spec.to_data(per_gap.body)
    assert "pairs" not in data
    assert spec.build(data) == per_gap.body


@pytest.mark.parametrize(("body", "needle", "field", "message"), [
    (PER_GAP.replace("{{g4}}", "{{g9}}"), "passage:", "passage", "{{g9}} names no gap"),
    (PER_GAP.replace(" and {{g4}}", ""), "- id: g4", "gaps[3].id", "gap 'g4' does not appear in the passage"),
    (PER_GAP.replace("key: g2b", "key: g1b"), "key: g1b", "gaps[1].key", "not among this gap's options"),
    (PER_GAP.replace("id: g2a,", "id: g1a,"), "id: g1a, text: \"g2", "gaps[1].options[0].id", "used elsewhere"),
    (PER_GAP.replace('text: "g3 option b", rationale: "Why b."', 'text: "g3 option b"'), "g3 option b",
     "gaps[2].options[1].rationale", "required field is missing"),
    (PER_GAP.replace("scoring: per_gap", "scoring: pairs"), "scoring:", "scoring", "must be per_gap or dyad"),
    (PER_GAP.replace("scoring: per_gap", "scoring: dyad"), "scoring:", "scoring", "needs pairs"),
    (DYAD.replace("[g3, g4]", "[g2, g4]"), "pairs:", "pairs[1]", "gap 'g2' is in two pairs"),
    (DYAD.replace("[g3, g4]", "[g3, g4, g1]"), "pairs:", "pairs[1]", "a pair links two gaps"),
    (DYAD.replace("[g3, g4]", "[g3, g8]"), "pairs:", "pairs[1]", "'g8' is not a gap"),
    (PER_GAP.replace("scoring: per_gap", "scoring: per_gap\npairs: [[g1, g2]]"), "pairs:", "pairs", "for scoring: dyad"),
])
def test_refusals_name_file_line_and_field(tmp_path, body, needle, field, message):
    text = pool_text(body, item_type="cloze")
    found = problems(tmp_path, text)
    expected = f"ngn.yaml:{line(text, needle)}: ngn-001: {field}: "
    assert any(p.startswith(expected) and message in p for p in found), found


ALL = {"g1": "g1a", "g2": "g2b", "g3": "g3a", "g4": "g4c"}


@pytest.mark.parametrize(("response", "per_gap_credit", "dyad_credit", "half_dyad_credit"), [
    (ALL, Fraction(1), Fraction(1), Fraction(1)),
    ({**ALL, "g2": "g2a"}, Fraction(3, 4), Fraction(1, 2), Fraction(2, 3)),   # breaks pair g1-g2
    ({**ALL, "g2": "g2a", "g3": "g3b"}, Fraction(1, 2), Fraction(0), Fraction(1, 3)),
    ({"g1": "g1a", "g3": "g3a"}, Fraction(1, 2), Fraction(0), Fraction(1, 3)),  # one of each pair
    ({"g1": "g1a", "g2": "g2b"}, Fraction(1, 2), Fraction(1, 2), Fraction(1, 3)),
    ({}, Fraction(0), Fraction(0), Fraction(0)),
    ("g1a", Fraction(0), Fraction(0), Fraction(0)),
])
def test_scoring_table(per_gap, dyad, half_dyad, response, per_gap_credit, dyad_credit, half_dyad_credit):
    assert score_item(per_gap, response) == per_gap_credit
    assert score_item(dyad, response) == dyad_credit
    assert score_item(half_dyad, response) == half_dyad_credit  # units: the pair, g3, g4


def test_layout_shuffles_within_each_gap_and_views_hide_the_key(per_gap):
    layout = layout_for(per_gap, "seed")
    assert sorted(layout.option_order) == sorted(f"g{n}{c}" for n in range(1, 5) for c in "abc")
    assert len({layout_for(per_gap, f"s{n}").option_order for n in range(20)}) > 1
    view = student_view(per_gap, layout)
    gaps = [p for p in view["parts"] if "gap" in p]
    assert [p["gap"] for p in gaps] == ["g1", "g2", "g3", "g4"]
    order = list(layout.option_order)
    assert [o["id"] for o in gaps[0]["options"]] == [i for i in order if i.startswith("g1")]
    assert "key" not in view and "rationale" not in str(view) and "is_key" not in str(view)
    assert view["parts"][0] == {"text": "First "}


def test_review_marks_each_gap_and_unit(dyad):
    view = review_view(dyad, layout_for(dyad, "s"), {**ALL, "g2": "g2a"})
    gaps = {p["gap"]: p for p in view["parts"] if "gap" in p}
    assert gaps["g1"]["right"] and not gaps["g2"]["right"]
    assert gaps["g2"]["given_text"] == "g2 option a" and gaps["g2"]["key_text"] == "g2 option b"
    assert [u["right"] for u in view["units"]] == [False, True]
    assert view["score"] == Fraction(1, 2)


def test_response_schema_and_form(per_gap):
    spec = spec_for(per_gap)
    view = student_view(per_gap)
    field = spec.response_field(view)
    assert field.deserialize({"g1": "g1b"}) == {"g1": "g1b"}
    with pytest.raises(ValidationError):
        field.deserialize({"g1": "g2a"})  # another drop-down's option
    with pytest.raises(ValidationError):
        field.deserialize({"g9": "g1a"})
    form = MultiDict([("q3.g1", "g1b"), ("q3.g2", ""), ("q3.g4", "g4a")])
    assert spec.response_from_form(view, "q3", form) == {"g1": "g1b", "g4": "g4a"}


@pytest.mark.parametrize("fmt", ["qti21", "moodle-xml", "qti12"])
@pytest.mark.parametrize("which", ["per_gap", "dyad"])
def test_round_trip(per_gap, dyad, which, fmt):
    item = per_gap if which == "per_gap" else dyad
    assert round_trip(item, fmt) == [item]


def test_a_foreign_moodle_gapselect_imports_as_cloze():
    from question_bank.formats import import_items

    xml = """<?xml version="1.0"?><quiz><question type="gapselect"><name><text>Gaps</text></name>
    <questiontext format="html"><text><![CDATA[<p>Fill in.</p><p>The [[1]] sat on the [[3]].</p>]]></text></questiontext>
    <selectoption><text>cat</text><group>1</group></selectoption>
    <selectoption><text>dog</text><group>1</group></selectoption>
    <selectoption><text>mat</text><group>2</group></selectoption>
    <selectoption><text>hat</text><group>2</group></selectoption></question></quiz>"""
    report = import_items(xml, "moodle-xml", pool="ngn")
    (item,) = report.items
    assert item.kind is ItemType.CLOZE and item.stem == "Fill in."
    assert item.body.passage == "The {{g1}} sat on the {{g2}}."
    assert [(g.key, [c.text for c in g.options]) for g in item.body.gaps] == [("a", ["cat", "dog"]), ("c", ["mat", "hat"])]


def test_dyad_scoring_is_noted_for_qti21(dyad, per_gap):
    assert any("dyad scoring" in n for n in export_notes([dyad], "qti21"))
    assert not any("dyad" in n for n in export_notes([per_gap], "qti21"))


def test_dyad_scoring_is_noted_for_moodle(dyad):
    assert any("Moodle scores each drop-down" in n for n in export_notes([dyad], "moodle-xml"))


def test_dyad_scoring_is_noted_for_canvas(dyad):
    assert any("Canvas scores each drop-down" in n for n in export_notes([dyad], "qti12"))


@pytest.mark.parametrize("fmt", ["gift"])
def test_other_formats_skip_with_a_note(per_gap, fmt):
    notes = skipped_with_note(per_gap, fmt)
    assert any(n.startswith("ngn-001: drop-down cloze") for n in notes), notes
