"""record_score refuses values that no platform would accept, before anything is queued."""

from __future__ import annotations

from datetime import datetime

import pytest

from lti_tool import grade_sync
from lti_tool.models.base import utcnow


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"activity_progress": "Done"}, "activity_progress"),
        ({"grading_progress": "Graded"}, "grading_progress"),
        ({"score_maximum": 0}, "score_maximum"),
        ({"score_given": -1}, "score_given"),
        ({"submitted_at": datetime(2026, 1, 1)}, "timezone"),
    ],
)
def test_bad_scores_are_refused(changes: dict, message: str) -> None:
    values = {"resource_link_pk": 1, "user_pk": 1, "score_given": 1, "score_maximum": 1, "submitted_at": utcnow()}
    values.update(changes)
    with pytest.raises(ValueError, match=message):
        grade_sync.record_score(None, **values)  # type: ignore[arg-type]  # refused before any query
