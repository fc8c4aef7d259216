"""Student and review views: students never receive keys or rationales; review shows them."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from question_bank import Layout
from question_bank import layout_for
from question_bank import review_view
from question_bank import student_view
from tests.question_bank.conftest import KINDS
from tests.question_bank.conftest import build_item


def _every_secret(item) -> list[str]:
    """Texts a student must not see before submitting: rationales (overall and per choice)."""
    body = item.body
    pieces = [item.rationale]
    for name in ("options", "premises", "responses", "categories", "statements"):
        pieces += [c.rationale for c in getattr(body, name, ()) if c.rationale]
    return pieces


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scenario", [False, True])
def test_student_view_holds_no_key_and_no_rationale(kind, scenario):
    item = build_item(kind, type="scenario") if scenario else build_item(kind)
    view = student_view(item, layout_for(item, "seed"))
    text = json.dumps(view)  # it is plain JSON, ready for the browser
    assert "key" not in view and "rationale" not in text and "sources" not in view
    for secret in _every_secret(item):
        assert secret not in text
    assert view["stem"] == item.stem and view["kind"] == kind
    assert view["vignette"] == (item.vignette if scenario else None)


def test_student_view_follows_the_layout():
    item = build_item("single")
    view = student_view(item, Layout(option_order=("c", "a", "b")))
    assert [o["id"] for o in view["options"]] == ["c", "a", "b"]
    assert view["options"][0] == {"id": "c", "text": "Empathy"}


def test_matching_and_classification_views():
    matching = student_view(build_item("matching"), Layout(premise_order=("p2", "p1", "p3"), response_order=("r3", "r1", "r2")))
    assert [p["id"] for p in matching["premises"]] == ["p2", "p1", "p3"]
    assert [r["id"] for r in matching["responses"]] == ["r3", "r1", "r2"]
    classification = student_view(build_item("classification"), Layout(statement_order=("s3", "s1", "s2")))
    assert [c["id"] for c in classification["categories"]] == ["therapeutic", "social"]
    assert [s["id"] for s in classification["statements"]] == ["s3", "s1", "s2"]


def test_true_false_view_offers_true_then_false():
    view = student_view(build_item("true_false"))
    assert view["options"] == [{"id": "true", "text": "True"}, {"id": "false", "text": "False"}]


def test_a_stale_layout_still_shows_every_option_once():
    view = student_view(build_item("single"), Layout(option_order=("c", "gone", "a")))
    assert [o["id"] for o in view["options"]] == ["c", "a", "b"]


def test_review_view_shows_key_rationales_and_the_score():
    item = build_item("multiple")
    view = review_view(item, Layout(option_order=("d", "c", "b", "a")), ["a", "b"])
    assert view["key"] == ["a", "c"]
    assert view["rationale"] == item.rationale
    assert view["sources"][0]["seed"] == item.sources[0].seed
    assert [(o["id"], o["is_key"], o["chosen"]) for o in view["options"]] == [
        ("d", False, False), ("c", True, False), ("b", False, True), ("a", True, True)
    ]
    assert view["options"][0]["rationale"] == "A barrier."
    assert view["score"] == Fraction(0) and view["response"] == ["a", "b"]


def test_review_view_of_placements():
    view = review_view(build_item("classification"), None, {"s1": "social"})
    assert [(s["id"], s["key"], s["given"]) for s in view["statements"]] == [
        ("s1", "therapeutic", "social"), ("s2", "social", None), ("s3", "therapeutic", None)
    ]
    assert view["key"] == {"s1": "therapeutic", "s2": "social", "s3": "therapeutic"}


def test_review_view_without_a_response_has_no_score():
    view = review_view(build_item("true_false"))
    assert view["key"] is False and "score" not in view
    assert [o["is_key"] for o in view["options"]] == [False, True]
    assert review_view(build_item("true_false"), answered=True)["score"] == 0
