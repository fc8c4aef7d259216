"""marshmallow schemas for every JSON document the demo LMS accepts from a tool or a tester.

Unknown members are ignored like real platforms do, except URI-named extension members of line
items and scores (Canvas's), which are kept. A bad document is answered 400 with the messages.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


class AwareDateTime(fields.DateTime):
    """ISO 8601 with a UTC offset: a timestamp without one is ambiguous (Blackboard refuses it too)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any):  # noqa: ANN202
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.tzinfo is None:
            raise ValidationError("must be ISO 8601 with a time zone offset, e.g. 2025-01-31T12:00:00.123+00:00")
        return result


class LineItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    scoreMaximum = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    label = fields.String(required=True, validate=validate.Length(min=1, max=300))
    resourceId = fields.String(allow_none=True, validate=validate.Length(max=255))
    tag = fields.String(allow_none=True, validate=validate.Length(max=255))
    resourceLinkId = fields.String(allow_none=True)
    startDateTime = AwareDateTime(allow_none=True)
    endDateTime = AwareDateTime(allow_none=True)
    gradesReleased = fields.Boolean(allow_none=True)


class SubmissionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    startedAt = AwareDateTime(allow_none=True)
    submittedAt = AwareDateTime(allow_none=True)


class ScoreSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    userId = fields.String(required=True, validate=validate.Length(min=1))
    scoreGiven = fields.Float(allow_none=True, validate=validate.Range(min=0))
    scoreMaximum = fields.Float(allow_none=True, validate=validate.Range(min=0, min_inclusive=False))
    comment = fields.String(allow_none=True)
    timestamp = AwareDateTime(required=True)
    activityProgress = fields.String(required=True, validate=validate.OneOf(ACTIVITY_PROGRESS))
    gradingProgress = fields.String(required=True, validate=validate.OneOf(GRADING_PROGRESS))
    submission = fields.Nested(SubmissionSchema, allow_none=True)

    @validates_schema
    def _maximum_with_score(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("scoreGiven") is not None and data.get("scoreMaximum") is None:
            raise ValidationError("scoreMaximum is required when scoreGiven is sent", "scoreMaximum")


class DeepLinkLineItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    scoreMaximum = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    label = fields.String(validate=validate.Length(min=1, max=300))
    resourceId = fields.String(validate=validate.Length(max=255))
    tag = fields.String(validate=validate.Length(max=255))


class ResourceLinkItemSchema(Schema):
    """One ``ltiResourceLink`` content item of a deep-linking response."""

    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.Equal("ltiResourceLink", error="only ltiResourceLink items are accepted here"))
    title = fields.String(validate=validate.Length(max=300))
    text = fields.String()
    url = fields.Url(require_tld=False, schemes={"http", "https"})
    custom = fields.Dict(keys=fields.String(), values=fields.Raw())
    lineItem = fields.Nested(DeepLinkLineItemSchema)

    @validates_schema
    def _custom_values_are_scalars(self, data: dict[str, Any], **_kwargs: Any) -> None:
        for key, value in (data.get("custom") or {}).items():
            if not isinstance(value, (str, int, float, bool)):
                raise ValidationError(f"custom parameter {key!r} must be a string", "custom")


def uri_members(document: dict[str, Any]) -> dict[str, Any]:
    """Vendor extension members: keys that are URIs (``https://canvas.instructure.com/lti/...``)."""
    return {k: v for k, v in document.items() if isinstance(k, str) and "://" in k}


def first_error(error: ValidationError) -> str:
    """A one-line summary: ``field: message; other: message``."""
    messages = error.messages
    if isinstance(messages, dict):
        parts = []
        for field, problems in messages.items():
            text = "; ".join(str(p) for p in problems) if isinstance(problems, list) else str(problems)
            parts.append(f"{field}: {text}")
        return "; ".join(parts)
    return "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
