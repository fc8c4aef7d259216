"""Assignment settings an instructor chooses, as a form (deep linking) or as custom parameters.

The custom parameter names are what Moodle and Canvas instructors can also type by hand:
``pools=components:5,barriers:5,comparison:5``, ``attempts=2``, ``time_limit=20`` (minutes,
0 = none), ``grading=highest|latest|average|first``, ``review=after_submit|after_due|never``.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates

POOLS_PATTERN = re.compile(r"^\s*[a-z_]+\s*:\s*\d+\s*(,\s*[a-z_]+\s*:\s*\d+\s*)*$")
GRADING = ("highest", "latest", "average", "first")
REVIEW = ("after_submit", "after_due", "never")


class AssignmentSettingsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    pools = fields.String(required=True)
    attempts = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20))
    time_limit = fields.Integer(load_default=0, validate=validate.Range(min=0, max=600))
    grading = fields.String(load_default="highest", validate=validate.OneOf(GRADING))
    review = fields.String(load_default="after_submit", validate=validate.OneOf(REVIEW))
    points = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1000))

    @validates("pools")
    def _pools(self, value: str, **_: Any) -> None:
        if not POOLS_PATTERN.match(value):
            raise ValidationError(
                "Write pools as name:count pairs separated by commas, e.g. components:5,barriers:5."
            )

    @staticmethod
    def defaults() -> dict[str, Any]:
        return {
            "title": "Quiz: the therapeutic relationship",
            "pools": "components:5,barriers:5,comparison:5,phases:5",
            "attempts": 2,
            "time_limit": 30,
            "grading": "highest",
            "review": "after_submit",
            "points": 10,
        }

    @staticmethod
    def custom_parameters(settings: dict[str, Any]) -> dict[str, str]:
        return {
            "pools": settings["pools"].replace(" ", ""),
            "attempts": str(settings["attempts"]),
            "time_limit": str(settings["time_limit"]),
            "grading": settings["grading"],
            "review": settings["review"],
        }
