"""The answer schemas against every kind of item in the shipped bank: the keyed response of each
item loads as itself, ids the student was not shown are refused, and empty answers clear."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

import question_bank
from lti_tool.schemas.answers import load_response
from lti_tool.schemas.answers import response_from_form
from lti_tool.schemas.assignment import LinkConfigurationSchema
from tests.attempts.conftest import keyed_response

BANK = question_bank.load_bank()
ONE_OF_EACH = {kind: next(i for i in BANK.items() if i.kind == kind) for kind in question_bank.ItemType
               if kind is not question_bank.ItemType.SCENARIO}


@pytest.mark.parametrize("kind", list(ONE_OF_EACH), ids=lambda k: k.value)
def test_the_key_loads_and_strangers_are_refused(kind) -> None:  # noqa: ANN001
    item = ONE_OF_EACH[kind]
    view = question_bank.student_view(item)
    key = keyed_response(item)
    loaded = load_response(view, key)
    assert (sorted(loaded) if kind.value == "multiple" else loaded) == key
    assert question_bank.score_item(item, loaded) == item.points
    stranger = {"single": "zz", "multiple": ["zz"], "true_false": "perhaps", "ordering": ["zz"],
                "matching": {"zz": "zz"}, "classification": {"zz": "zz"}, "matrix": {"zz": "zz"},
                "extended_multiple": ["zz"], "cloze": {"zz": "zz"}, "bowtie": {"condition": "zz"},
                "highlight": ["zz"]}[kind.value]
    with pytest.raises(ValidationError):
        load_response(view, stranger)
    assert load_response(view, None) is None


def test_ordering_must_place_every_option_once() -> None:
    item = ONE_OF_EACH[question_bank.ItemType.ORDERING]
    view = question_bank.student_view(item)
    key = list(keyed_response(item))
    with pytest.raises(ValidationError):
        load_response(view, key[:-1])
    with pytest.raises(ValidationError):
        load_response(view, [key[0], *key[:-1]])
    positions = MultiDict({f"q4.pos.{oid}": str(n) for n, oid in enumerate(reversed(key), 1)})
    assert response_from_form(view, 4, positions) == list(reversed(key))
    twice = MultiDict({f"q4.pos.{oid}": "1" for oid in key})
    with pytest.raises(ValidationError):
        response_from_form(view, 4, twice)


def test_matching_and_classification_may_be_partly_answered() -> None:
    for kind in (question_bank.ItemType.MATCHING, question_bank.ItemType.CLASSIFICATION):
        item = ONE_OF_EACH[kind]
        key = keyed_response(item)
        first = next(iter(key))
        assert load_response(question_bank.student_view(item), {first: key[first]}) == {first: key[first]}


def test_link_configuration_reads_what_platforms_send() -> None:
    schema = LinkConfigurationSchema()
    loaded = schema.load({"attempts": " 3 ", "time_limit": "", "due_at": "2030-01-31T23:59:00-05:00",
                          "canvas_user_id": "$Canvas.user.id"})
    assert loaded["attempts"] == 3 and loaded["time_limit"] == 0
    assert loaded["due_at"].isoformat() == "2030-02-01T04:59:00+00:00"
    assert schema.load({"due_at": "$Canvas.assignment.dueAt.iso8601"})["due_at"] is None
    errors = schema.validate({"attempts": "0", "review": "later", "points": "x"})
    assert set(errors) == {"attempts", "review", "points"}
