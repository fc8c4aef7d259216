"""What matching and classification share: each row (premise, statement) gets one target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields

from question_bank.model import Choice
from question_bank.types.base import ids_of
from question_bank.types.base import one_of


def pair_review(key: Mapping[str, str], choice: Choice, response: object, shown: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": key.get(choice.id)}
    if shown:
        entry["given"] = response.get(choice.id) if isinstance(response, Mapping) else None
    return entry


def pair_field(view: Mapping[str, Any], rows: str, targets: str) -> fields.Field:
    return fields.Dict(
        keys=fields.String(validate=one_of(ids_of(view, rows), rows)),
        values=fields.String(validate=one_of(ids_of(view, targets), targets)),
        allow_none=True,
    )


def pair_form(view: Mapping[str, Any], rows: str, name: str, form: Any) -> dict[str, str]:
    chosen = {row: form.get(f"{name}.{row}", "") for row in ids_of(view, rows)}
    return {row: value for row, value in chosen.items() if value}
