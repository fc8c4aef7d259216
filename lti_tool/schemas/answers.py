"""What a student may send as an answer, as far as HTTP is concerned: the autosave body, the
question page's navigation fields, and reading a response out of a posted form. What a response
may *be* is each item type's rule (``question_bank.types``, ``response_field``), built against
the ids the student was shown (the item's ``student_view``), so unknown ids are refused.

Shapes are the engine's response shapes (``question_bank.model``): single -> option id;
multiple -> list of option ids; true/false -> boolean; ordering -> every option id once, in
order; matching -> ``{premise_id: response_id}``; classification -> ``{statement_id:
category_id}``. ``null`` clears an answer. The HTML form's fields are turned into the same
shapes by ``response_from_form``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from question_bank import types as item_types
from question_bank.types import ItemTypeSpec


class AutosaveSchema(Schema):
    """The JSON body of an autosave: which slot (1-based) and the response (no keys)."""

    class Meta:
        unknown = RAISE

    slot = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    response = fields.Raw(allow_none=True)
    #: The revision of the answer the page showed (0: none yet); a save over a later one is refused.
    revision = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0))
    #: Instead of ``response``: the question's form fields (``{"q3.r1": ["yes"]}``), read with
    #: the item type's form reading (quiz.js sends these for types it has no reader for).
    form_fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                              data_key="fields")

    @validates_schema
    def _one_answer(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "response" not in data and "form_fields" not in data:
            raise ValidationError("Missing data for required field.", "response")
        if "response" in data and "form_fields" in data:
            raise ValidationError("send either response or fields, not both", "response")


class QuestionPageFormSchema(Schema):
    """The navigation part of a question page's form: which questions it showed (their answer
    fields are read by ``response_from_form``) and where to go after saving."""

    class Meta:
        unknown = RAISE

    shown = fields.List(fields.Integer(strict=False, validate=validate.Range(min=1)), required=True,
                        validate=validate.Length(min=1, error="the form names no question"))
    go = fields.String(load_default="")
    #: The revision of each shown question's answer when the page was made, in the order of
    #: ``shown`` (absent from pages made before revisions were counted).
    revisions = fields.List(fields.Integer(strict=False, validate=validate.Range(min=0)), load_default=list)

    @staticmethod
    def from_form(form: Any) -> dict[str, Any]:
        return {"shown": form.getlist("shown"), "go": form.get("go", ""), "revisions": form.getlist("rev")}

    @validates_schema
    def _one_revision_per_question(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("revisions") and len(data["revisions"]) != len(data.get("shown", [])):
            raise ValidationError("one revision per shown question", "revisions")


def response_field(view: Mapping[str, Any]) -> fields.Field:
    """The marshmallow field that accepts a response to the item shown as ``view``: its type's
    own rule (``question_bank.types``), the same for the HTML form and the autosave JSON."""
    return _spec(view).response_field(view)


def _spec(view: Mapping[str, Any]) -> ItemTypeSpec:
    try:
        return item_types.spec_for(view["kind"])
    except (KeyError, ValueError):
        raise ValueError(f"no answer schema for kind {view.get('kind')!r}") from None


def load_response(view: Mapping[str, Any], raw: object) -> Any:
    """The validated response, or ValidationError naming what is wrong. Empty answers are None."""
    schema = Schema.from_dict({"response": response_field(view)})()
    response = schema.load({"response": raw})["response"]
    if response in ([], {}, ""):
        return None
    return response


def response_from_form(view: Mapping[str, Any], slot: int, form: Any) -> object:
    """The raw response the no-JavaScript form posted for question ``slot`` (unvalidated).

    Field names start ``q{slot}``; what follows is the type's (``response_from_form`` of its
    module): ``q{slot}`` (radio or checkboxes), ``q{slot}.{premise or statement id}`` (selects),
    ``q{slot}.pos.{option id}`` (ordering: a position select per option).
    """
    return _spec(view).response_from_form(view, f"q{slot}", form)
