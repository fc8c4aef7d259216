"""Forms of the instructor's pages: an accommodation, a regrade of one item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import pre_load
from marshmallow import validate

MAX_EXTRA_MINUTES = 24 * 60
MAX_EXTRA_PERCENT = 400
MAX_EXTRA_ATTEMPTS = 20


def _whole(label: str, high: int) -> fields.Integer:
    message = f"{label}: a whole number from 0 to {high}."
    return fields.Integer(load_default=0, validate=validate.Range(0, high, error=message),
                          error_messages={"invalid": message})


class AccommodationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    extra_minutes = _whole("Extra minutes", MAX_EXTRA_MINUTES)
    extra_percent = _whole("Extra time in percent", MAX_EXTRA_PERCENT)
    extra_attempts = _whole("Extra attempts", MAX_EXTRA_ATTEMPTS)

    @pre_load
    def _blanks_are_zero(self, data: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if not (isinstance(v, str) and v.strip() == "")}


class RegradeSchema(Schema):
    """``drop`` (a checkbox), ``accept`` (option ids to accept besides the key, repeated) and
    ``version`` (a checkbox: the corrected version to score against)."""

    class Meta:
        unknown = EXCLUDE

    drop = fields.Boolean(load_default=False, truthy={"on", "1", "true", "yes"}, falsy={"", "0", "false", "off", "no"},
                          error_messages={"invalid": "Drop: tick the box or leave it empty."})
    accept = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=list)
    #: Score against this (newer, corrected) version of the item from the bank; None: the versions drawn.
    version = fields.Integer(load_default=None, allow_none=True, strict=False, validate=validate.Range(1, 1_000_000),
                             error_messages={"invalid": "Version: tick the box or leave it empty."})


def form_errors(error: ValidationError) -> dict[str, str]:
    """One sentence per field."""
    messages = error.normalized_messages()
    return {str(k): " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in messages.items()}
