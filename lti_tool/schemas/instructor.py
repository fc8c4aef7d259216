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

from question_bank.messages import Message
from question_bank.messages import N_

MAX_EXTRA_MINUTES = 24 * 60
MAX_EXTRA_PERCENT = 400
MAX_EXTRA_ATTEMPTS = 20


#: The forms' fixed sentences as messages (marshmallow hands back plain strings: ``form_errors``
#: finds the message again so the page can say it in its language).
_SAID: dict[str, Message] = {}


def _said(message: Message) -> Message:
    _SAID[message] = message
    return message


def _whole(label: Message, high: int) -> fields.Integer:
    message = _said(N_("%(label)s: a whole number from %(low)s to %(high)s.", label=label, low="0", high=str(high)))
    return fields.Integer(load_default=0, validate=validate.Range(0, high, error=message),
                          error_messages={"invalid": message})


class AccommodationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    extra_minutes = _whole(N_("Extra minutes"), MAX_EXTRA_MINUTES)
    extra_percent = _whole(N_("Extra time in percent"), MAX_EXTRA_PERCENT)
    extra_attempts = _whole(N_("Extra attempts"), MAX_EXTRA_ATTEMPTS)

    @pre_load
    def _blanks_are_zero(self, data: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if not (isinstance(v, str) and v.strip() == "")}


class RegradeSchema(Schema):
    """``drop`` (a checkbox), ``accept`` (option ids to accept besides the key, repeated) and
    ``version`` (a checkbox: the corrected version to score against)."""

    class Meta:
        unknown = EXCLUDE

    drop = fields.Boolean(load_default=False, truthy={"on", "1", "true", "yes"}, falsy={"", "0", "false", "off", "no"},
                          error_messages={"invalid": _said(N_("Drop: tick the box or leave it empty."))})
    accept = fields.List(fields.String(validate=validate.Length(1, 100)), load_default=list)
    #: Score against this (newer, corrected) version of the item from the bank; None: the versions drawn.
    version = fields.Integer(load_default=None, allow_none=True, strict=False, validate=validate.Range(1, 1_000_000),
                             error_messages={"invalid": _said(N_("Version: tick the box or leave it empty."))})


def form_errors(error: ValidationError) -> dict[str, str]:
    """One sentence per field (a ``Message`` when it is one of the forms' own)."""
    def sentence(value: Any) -> str:
        parts = [_SAID.get(str(m), str(m)) for m in (value if isinstance(value, list) else [value])]
        return parts[0] if len(parts) == 1 else " ".join(parts)

    return {str(k): sentence(v) for k, v in error.normalized_messages().items()}
