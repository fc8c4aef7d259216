"""Assignment settings as custom parameters (the builder's form is ``schemas.builder``).

The custom parameter names are what Moodle and Canvas instructors can also type by hand:
``pools=components:5,barriers:5,comparison:5``, ``attempts=2``, ``time_limit=20`` (minutes,
0 = none), ``grading=highest|latest|average|first``, ``review=after_submit|after_due|never``,
``points=10`` (the grade's maximum sent to the gradebook).

``LinkConfigurationSchema`` reads them from a launch's custom parameters. **Defaults for those a
link leaves out** (``DEFAULT_CONFIGURATION``; they are also the builder's, and a link with none
of them at all is not set up yet, see ``services.assessments``): 20 questions, ``components:5,barriers:5,comparison:5,
phases:5``; one attempt; no time limit; highest grade kept; answers and rationales shown after
submitting; 10 points. The due date comes from the LMS when it sends one (Canvas:
``due_at=$Canvas.assignment.dueAt.iso8601``; an unsubstituted ``$...`` or empty value means none;
Moodle sends none).
"""

from __future__ import annotations

from typing import Any

from datetime import UTC
from datetime import datetime

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate
from marshmallow import post_load
from marshmallow import pre_load

from question_bank.messages import N_

GRADING = ("highest", "latest", "average", "first")
REVIEW = ("after_submit", "after_due", "never")


DEFAULT_CONFIGURATION: dict[str, str] = {
    "pools": "components:5,barriers:5,comparison:5,phases:5",
    "attempts": "1",
    "time_limit": "0",
    "grading": "highest",
    "review": "after_submit",
    "points": "10",
}


class LinkConfigurationSchema(Schema):
    """The assignment as a link's custom parameters describe it (typed by hand in Moodle/Canvas).

    Loads strings as platforms send them; blanks mean "use the default". The blueprint's
    feasibility against the bank is checked by the service, not here (schemas know no bank).
    """

    class Meta:
        unknown = EXCLUDE

    pools = fields.String(load_default=DEFAULT_CONFIGURATION["pools"])
    attempts = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20, error="attempts must be between 1 and 20"))
    time_limit = fields.Integer(load_default=0, validate=validate.Range(min=0, max=600, error="time_limit is minutes, from 0 (no limit) to 600"))
    grading = fields.String(load_default="highest", validate=validate.OneOf(GRADING, error="grading must be one of: " + ", ".join(GRADING)))
    review = fields.String(load_default="after_submit", validate=validate.OneOf(REVIEW, error="review must be one of: " + ", ".join(REVIEW)))
    points = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1000, error="points must be between 1 and 1000"))
    due_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)

    @pre_load
    def _blanks_are_defaults(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for name, value in data.items():
            text = str(value).strip() if value is not None else ""
            # An LMS sends a substitution variable it cannot fill unchanged ("$Canvas...").
            if text == "" or text.startswith("$"):
                continue
            cleaned[name] = text
        return cleaned

    @post_load
    def _utc(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        due: datetime | None = data.get("due_at")
        data["due_at"] = due.astimezone(UTC) if due else None
        return data


def configuration_problems(errors: dict[str, Any]) -> list[str]:
    """Marshmallow's errors as sentences an instructor can act on, one per parameter."""
    problems = []
    for name, messages in sorted(errors.items()):
        text = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        problems.append(N_("custom parameter %(name)s: %(problem)s", name=name, problem=text))
    return problems
