"""Bow-tie: bank file, refusals with lines, 0/1 per slot, layout, views, formats (skipped, noted)."""

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


def listing(name: str, prefix: str, count: int) -> str:
    return f"{name}:\n" + "".join(
        f'  - {{id: {prefix}{n}, text: "{name} {n}", rationale: "Why {prefix}{n}."}}\n' for n in range(1, count + 1))


BOWTIE = (listing("conditions", "c", 3) + listing("actions", "a", 5) + listing("parameters", "p", 5)
          + "key: {condition: c1, actions: [a1, a2], parameters: [p1, p2]}\n")


@pytest.fixture
def bowtie(tmp_path):
    return load_one(tmp_path, pool_text(BOWTIE, item_type="bowtie"))


def test_loads(bowtie):
    assert bowtie.kind is ItemType.BOWTIE
    assert (bowtie.body.condition, bowtie.body.key_actions, bowtie.body.key_parameters) == ("c1", ("a1", "a2"), ("p1", "p2"))
    assert spec_for(bowtie).to_data(bowtie.body)["key"] == {"condition": "c1", "actions": ["a1", "a2"], "parameters": ["p1", "p2"]}


@pytest.mark.parametrize(("body", "needle", "field", "message"), [
    (BOWTIE.replace("condition: c1", "condition: c9"), "key:", "key.condition", "'c9' is not a condition"),
    (BOWTIE.replace("actions: [a1, a2]", "actions: [a1, p2]"), "key:", "key.actions[1]", "'p2' is not one of the actions"),
    (BOWTIE.replace("actions: [a1, a2]", "actions: []"), "key:", "key.actions", "choose at least one action"),
    (BOWTIE.replace("parameters: [p1, p2]", "parameters: [p1, p1]"), "key:", "key.parameters", "listed 2 times"),
    (BOWTIE.replace("parameters: [p1, p2]", "parameters: [p1, p2, p3, p4, p5]"), "key:", "key.parameters", "every one of the parameters is keyed"),
    (BOWTIE.replace("{id: a3,", "{id: c3,"), 'text: "actions 3"', "actions[2].id", "used in another list"),
    (BOWTIE.replace('text: "parameters 4", rationale: "Why p4."', 'text: "parameters 4"'), "parameters 4",
     "parameters[3].rationale", "required field is missing"),
    (BOWTIE.replace("key: {condition: c1,", "key: {condition: c1, bonus: a3,"), "key:", "key.bonus", "unknown field"),
])
def test_refusals_name_file_line_and_field(tmp_path, body, needle, field, message):
    text = pool_text(body, item_type="bowtie")
    found = problems(tmp_path, text)
    expected = f"ngn.yaml:{line(text, needle)}: ngn-001: {field}: "
    assert any(p.startswith(expected) and message in p for p in found), found


@pytest.mark.parametrize(("response", "credit"), [
    ({"condition": "c1", "actions": ["a1", "a2"], "parameters": ["p1", "p2"]}, Fraction(1)),
    ({"condition": "c2", "actions": ["a1", "a2"], "parameters": ["p1", "p2"]}, Fraction(4, 5)),
    ({"condition": "c1", "actions": ["a1", "a3"], "parameters": ["p3", "p2"]}, Fraction(3, 5)),
    ({"condition": "c1"}, Fraction(1, 5)),
    ({"actions": ["a2"], "parameters": ["p1"]}, Fraction(2, 5)),
    ({"condition": "c1", "actions": ["a1", "a2", "a3"], "parameters": ["p1"]}, Fraction(2, 5)),  # too many: side earns 0
    ({"condition": "c3", "actions": ["a3", "a4"], "parameters": ["p4", "p5"]}, Fraction(0)),
    (["c1"], Fraction(0)),
    ({"condition": "c1", "actions": "a1"}, Fraction(1, 5)),   # wrong shape on a side: that side 0
])
def test_zero_one_per_slot(bowtie, response, credit):
    assert score_item(bowtie, response) == credit


def test_layout_and_views(bowtie):
    layout = layout_for(bowtie, "seed")
    assert sorted(layout.option_order) == sorted([f"c{n}" for n in range(1, 4)] + [f"a{n}" for n in range(1, 6)]
                                                 + [f"p{n}" for n in range(1, 6)])
    assert len({layout_for(bowtie, f"s{n}").option_order for n in range(20)}) > 1
    view = student_view(bowtie, layout)
    order = list(layout.option_order)
    assert [a["id"] for a in view["actions"]] == [i for i in order if i.startswith("a")]
    assert view["choose"] == {"actions": 2, "parameters": 2}
    assert "key" not in view and "rationale" not in str(view)
    review = review_view(bowtie, layout, {"condition": "c1", "actions": ["a1", "a3"], "parameters": []})
    actions = {a["id"]: a for a in review["actions"]}
    assert actions["a1"]["right"] and not actions["a3"]["right"] and not actions["a2"]["right"]
    assert {c["id"]: c["right"] for c in review["conditions"]}["c1"]
    assert review["score"] == Fraction(2, 5)


def test_response_schema_and_form(bowtie):
    spec = spec_for(bowtie)
    view = student_view(bowtie)
    field = spec.response_field(view)
    good = {"condition": "c1", "actions": ["a1"], "parameters": ["p2", "p3"]}
    assert field.deserialize(good) == good
    for bad in ({"condition": "a1"}, {"actions": ["a1", "a2", "a3"]}, {"actions": ["a1", "a1"]},
                {"parameters": ["zz"]}, {"extra": 1}):
        with pytest.raises(ValidationError):
            field.deserialize(bad)
    form = MultiDict([("q2.condition", "c2"), ("q2.actions", "a1"), ("q2.actions", "a4")])
    assert spec.response_from_form(view, "q2", form) == {"condition": "c2", "actions": ["a1", "a4"]}


def test_qti21_round_trip(bowtie):
    assert round_trip(bowtie, "qti21") == [bowtie]


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "qti12"])
def test_formats_skip_with_a_note(bowtie, fmt):
    notes = skipped_with_note(bowtie, fmt)
    assert any(n.startswith("ngn-001: bow-tie") for n in notes), notes
