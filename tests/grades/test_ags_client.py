"""The AGS client's small rules, without a platform: URLs, Retry-After, what each answer means,
the client assertion, the score document."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.utils import format_datetime

import jwt
import pytest
import requests
from sqlalchemy.orm import Session

from lti_tool.db import make_engine
from lti_tool.grade_sync import OutgoingScore
from lti_tool.lti.access_tokens import TokenScope
from lti_tool.lti.access_tokens import client_assertion
from lti_tool.lti.ags import classify
from lti_tool.lti.ags import retry_after_seconds
from lti_tool.lti.ags import score_document
from lti_tool.lti.ags import with_path_suffix
from lti_tool.lti.ags import with_query
from lti_tool.models.platform import Platform


def _response(status: int, body: str = "", **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers)
    return response


def test_moodle_urls_keep_their_query_after_the_scores_suffix() -> None:
    url = "https://moodle.example.edu/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3"
    assert with_path_suffix(url, "/scores") == (
        "https://moodle.example.edu/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3")
    assert with_path_suffix("https://canvas.example.edu/api/lti/courses/1/line_items/5", "/scores") == (
        "https://canvas.example.edu/api/lti/courses/1/line_items/5/scores")
    assert with_query("https://m.example.edu/lineitems?type_id=3", resource_link_id="a b", tag="t") == (
        "https://m.example.edu/lineitems?type_id=3&resource_link_id=a+b&tag=t")


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_seconds(_response(429, **{"Retry-After": "12"})) == 12
    later = datetime.now(UTC) + timedelta(seconds=120)
    from_date = retry_after_seconds(_response(429, **{"Retry-After": format_datetime(later, usegmt=True)}))
    assert 100 < from_date <= 120
    assert retry_after_seconds(_response(429)) is None
    assert retry_after_seconds(_response(429, **{"Retry-After": "soon"})) is None


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (500, "", "retry"), (502, "", "retry"), (503, "", "retry"), (504, "", "retry"),
        (429, "", "retry"), (403, "403 Forbidden (Rate Limit Exceeded)", "retry"), (409, "", "retry"),
        (400, "Incorrect score received", "failed"), (404, "", "failed"), (422, "not a student", "failed"),
        (403, '{"error": "user_agent_required"}', "failed"), (415, "", "failed"),
    ],
)
def test_what_each_platform_answer_means(status: int, body: str, outcome: str) -> None:
    result = classify(_response(status, body))
    assert result.outcome == outcome and result.status_code == status and result.answer == body


def test_the_client_assertion_names_the_token_url_or_the_registered_audience(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            platform = Platform(issuer="https://canvas.instructure.com", client_id="10000000000001",
                                auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                                auth_token_url="https://canvas.example.edu/login/oauth2/token",
                                key_set_url="https://sso.canvaslms.com/api/lti/security/jwks")
            plain = TokenScope.of(platform, ["b", "a", "a"])
            assert plain.scopes == ("a", "b") and plain.audience == platform.auth_token_url
            claims = jwt.decode(client_assertion(session, plain), options={"verify_signature": False})
            assert claims["aud"] == "https://canvas.example.edu/login/oauth2/token"
            assert claims["iss"] == claims["sub"] == "10000000000001" and claims["jti"]
            platform.auth_audience = "https://canvas.instructure.com/login/oauth2/token"
            other = TokenScope.of(platform, ["a", "b"])
            assert jwt.decode(client_assertion(session, other), options={"verify_signature": False})["aud"] == (
                "https://canvas.instructure.com/login/oauth2/token")
            assert other.cache_key == plain.cache_key  # same issuer, client, token URL, scopes
            assert TokenScope.of(platform, ["a"]).cache_key != plain.cache_key
            session.rollback()
    finally:
        engine.dispose()


def _score(**overrides: object) -> OutgoingScore:
    values = dict(submission_id=1, platform_pk=1, product="moodle", resource_link_pk=1, resource_link_id="rl",
                  resource_link_title="Quiz", lineitem_url="https://x/lineitem", lineitems_url=None, scopes=(),
                  user_sub="u1", score_given=7.25, score_maximum=10.0, activity_progress="Completed",
                  grading_progress="FullyGraded", comment=None,
                  timestamp=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
                  submitted_at=datetime(2026, 1, 2, 3, 0, 0, 123456, tzinfo=UTC), resend=False)
    values.update(overrides)
    return OutgoingScore(**values)  # type: ignore[arg-type]


def test_the_score_document() -> None:
    moodle = score_document(_score())
    assert moodle == {
        "userId": "u1", "scoreGiven": 7.25, "scoreMaximum": 10.0, "activityProgress": "Completed",
        "gradingProgress": "FullyGraded", "timestamp": "2026-01-02T03:04:05.678+00:00",
        "submission": {"submittedAt": "2026-01-02T03:00:00.123+00:00"},
    }
    started = score_document(_score(score_given=None, activity_progress="Started", grading_progress="NotReady"))
    assert "scoreGiven" not in started
    canvas = score_document(_score(product="canvas", resend=True, comment="Regraded"))
    assert canvas["https://canvas.instructure.com/lti/submission"] == {
        "submitted_at": "2026-01-02T03:00:00.123+00:00", "new_submission": False}
    assert canvas["comment"] == "Regraded"
