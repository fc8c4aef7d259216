"""The Assignment and Grade Services client: posts one outbox row's score to the platform.

Plain ``requests`` with our own client assertion rather than pylti1p3's ServiceConnector, which
caches tokens per object and never retries (LTI-NOTES §7). The worker calls ``publish`` and gets
back what to do with the row: delivered, retry (5xx, timeouts, connection errors, 409, throttling
with the platform's Retry-After), or failed (400, 404, 422, a 403 that is not throttling) with
the platform's answer kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
from sqlalchemy.orm import Session

from lti_tool.grade_sync import OutgoingLineItem
from lti_tool.grade_sync import OutgoingScore
from lti_tool.grade_sync import PublishResult
from lti_tool.lti.access_tokens import TokenCache
from lti_tool.lti.access_tokens import TokenRequestFailed
from lti_tool.lti.access_tokens import TokenScope
from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.lti.outbound import OutboundRefused
from lti_tool.lti.outbound import http_session
from lti_tool.lti.outbound import request_limited
from lti_tool.models.platform import Platform
from lti_tool.platform_hosts import PlatformHosts
from lti_tool.platform_hosts import foreign_host_message

log = logging.getLogger(__name__)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
#: Line items we create carry this tag, so we find them again by resource link id and tag.
LINEITEM_TAG = "quiztool-grade"
ANSWER_LIMIT = 4000


def with_path_suffix(url: str, suffix: str) -> str:
    """``…/lineitem?type_id=3`` + ``/scores`` → ``…/lineitem/scores?type_id=3`` (Moodle's URLs
    carry a query string; the suffix belongs to the path)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def iso_millis(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def retry_after_seconds(response: requests.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def is_throttled(response: requests.Response) -> bool:
    """429, or Canvas's 403 "Rate Limit Exceeded"."""
    if response.status_code == 429:
        return True
    return response.status_code == 403 and "rate limit exceeded" in response.text.lower()


def classify(response: requests.Response, lineitem_url: str | None = None) -> PublishResult:
    """What a non-2xx platform answer means for the outbox row."""
    status = response.status_code
    answer = response.text[:ANSWER_LIMIT]
    if is_throttled(response):
        return PublishResult("retry", status, answer, f"throttled ({status})", retry_after_seconds(response), lineitem_url)
    if status >= 500 or status in (408, 409):
        # 409: the platform holds a score with our timestamp (a send it kept though we never saw
        # the answer); the next try gets a later timestamp.
        return PublishResult("retry", status, answer, f"HTTP {status}", retry_after_seconds(response), lineitem_url)
    return PublishResult("failed", status, answer, f"refused by the platform: HTTP {status}", None, lineitem_url)


class _Refused(Exception):
    def __init__(self, result: PublishResult) -> None:
        super().__init__(result.error)
        self.result = result


class AgsScorePublisher:
    """``ScorePublisher`` over HTTP. One per worker thread (it holds a requests.Session).

    Line item URLs arrive in launches: a bearer token goes only to a host of the platform's
    registration (lti_tool/platform_hosts.py), and every request obeys the outbound policy."""

    def __init__(self, session_factory: Callable[[], Session], *, policy: OutboundPolicy) -> None:
        self._sessions = session_factory
        self._timeout = policy.timeout
        self.http = http_session(policy)
        self.tokens = TokenCache(session_factory, self.http, policy.timeout)

    def close(self) -> None:
        self.http.close()

    def publish(self, score: OutgoingScore) -> PublishResult:
        with self._sessions() as session:
            platform = session.get(Platform, score.platform_pk)
            if platform is None:
                return PublishResult("failed", error="the platform registration was removed")
            scope = TokenScope.of(platform, self._scopes(score))
            hosts = PlatformHosts.of(platform)
        try:
            call = _Calls(self, scope, hosts, score.platform_pk)
            lineitem = score.lineitem_url or self._find_or_create_lineitem(call, score)
            response = call.send(
                "POST",
                with_path_suffix(lineitem, "/scores"),
                json_body=score_document(score),
                content_type=SCORE_TYPE,
                accept="application/json",
            )
        except _Refused as refused:
            return refused.result
        if response.status_code in (200, 201, 202, 204):
            return PublishResult("delivered", response.status_code, response.text[:ANSWER_LIMIT], lineitem_url=lineitem)
        return classify(response, lineitem)

    def update_lineitem(self, change: OutgoingLineItem) -> PublishResult:
        """Set the line item's ``scoreMaximum`` and ``label`` (a GET, then a PUT of the whole
        line item: AGS replaces it, so the fields we do not own are sent back as they were)."""
        if change.scopes and SCOPE_LINEITEM not in change.scopes:
            return PublishResult("failed", error="the LMS did not give this tool the right to change its "
                                 "gradebook column (AGS lineitem scope): change the points in the LMS")
        with self._sessions() as session:
            platform = session.get(Platform, change.platform_pk)
            if platform is None:
                return PublishResult("failed", error="the platform registration was removed")
            scope = TokenScope.of(platform, (SCOPE_LINEITEM,))
            hosts = PlatformHosts.of(platform)
        try:
            call = _Calls(self, scope, hosts, change.platform_pk)
            current = call.send("GET", change.lineitem_url, accept=LINEITEM_TYPE)
            if current.status_code != 200:
                return classify(current, change.lineitem_url)
            try:
                document = current.json()
            except ValueError:
                document = None
            if not isinstance(document, dict):
                return PublishResult("failed", current.status_code, current.text[:ANSWER_LIMIT],
                                     "the LMS's line item is not a JSON object")
            document.update(scoreMaximum=change.score_maximum, label=change.label)
            response = call.send("PUT", change.lineitem_url, json_body=document, content_type=LINEITEM_TYPE,
                                 accept=LINEITEM_TYPE)
        except _Refused as refused:
            return refused.result
        if response.status_code in (200, 201, 204):
            return PublishResult("delivered", response.status_code, response.text[:ANSWER_LIMIT],
                                 lineitem_url=change.lineitem_url)
        return classify(response, change.lineitem_url)

    def _scopes(self, score: OutgoingScore) -> tuple[str, ...]:
        """Ask only for scopes the launch listed for this link (Canvas refuses others): score,
        plus line item access when the line item must be found or created."""
        granted = set(score.scopes)
        wanted = {SCOPE_SCORE}
        if not score.lineitem_url:
            wanted.add(SCOPE_LINEITEM if SCOPE_LINEITEM in granted or not granted else SCOPE_LINEITEM_READONLY)
        return tuple(sorted(wanted & granted if granted else wanted)) or (SCOPE_SCORE,)

    def _find_or_create_lineitem(self, call: _Calls, score: OutgoingScore) -> str:
        if not score.lineitems_url:
            raise _Refused(PublishResult("failed", error="the launch gave no AGS line item nor line items URL"))
        found = call.send(
            "GET",
            with_query(score.lineitems_url, resource_link_id=score.resource_link_id, tag=LINEITEM_TAG),
            accept=LINEITEM_CONTAINER_TYPE,
        )
        if found.status_code != 200:
            raise _Refused(classify(found))
        try:
            items = found.json()
        except ValueError:
            items = []
        for item in items if isinstance(items, list) else []:
            # Check the filters ourselves: a platform may ignore them and list every line item.
            if (isinstance(item, dict) and item.get("id") and item.get("tag") == LINEITEM_TAG
                    and item.get("resourceLinkId", score.resource_link_id) == score.resource_link_id):
                return str(item["id"])
        created = call.send(
            "POST",
            score.lineitems_url,
            json_body={
                "scoreMaximum": score.score_maximum,
                "label": score.resource_link_title or "Quiz",
                "resourceLinkId": score.resource_link_id,
                "tag": LINEITEM_TAG,
            },
            content_type=LINEITEM_TYPE,
            accept=LINEITEM_TYPE,
        )
        if created.status_code not in (200, 201):
            raise _Refused(classify(created))
        try:
            return str(created.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise _Refused(PublishResult("failed", created.status_code, created.text[:ANSWER_LIMIT],
                                         "the platform created a line item without an id")) from None


class _Calls:
    """Authenticated requests for one delivery: a 401 refreshes the token once."""

    def __init__(self, publisher: AgsScorePublisher, scope: TokenScope, hosts: PlatformHosts,
                 platform_pk: int) -> None:
        self._publisher = publisher
        self._scope = scope
        self._hosts = hosts
        self._platform_pk = platform_pk
        self._token: str | None = None
        self._refreshed = False

    def _bearer(self, not_this: str | None = None) -> str:
        try:
            return self._publisher.tokens.token(self._scope, not_this=not_this)
        except TokenRequestFailed as exc:
            if exc.response is None:
                raise _Refused(PublishResult("retry", error=str(exc))) from exc
            result = classify(exc.response)
            if result.outcome == "failed" and exc.response.status_code == 401:
                # invalid_client: often a key the platform has not fetched yet; worth retrying.
                result = PublishResult("retry", 401, result.answer, f"token refused: {result.answer}")
            raise _Refused(PublishResult(result.outcome, result.status_code, result.answer,
                                         f"token endpoint: {result.error}", result.retry_after)) from exc

    def send(self, method: str, url: str, *, json_body: dict[str, Any] | None = None,
             content_type: str | None = None, accept: str) -> requests.Response:
        if not self._hosts.allows(url):
            log.warning("AGS: refused to send a token to %s (platform %s)", url[:200], self._platform_pk)
            raise _Refused(PublishResult("failed", error=foreign_host_message(url, self._platform_pk)))
        if self._token is None:
            self._token = self._bearer()
        while True:
            headers = {"Authorization": f"Bearer {self._token}", "Accept": accept}
            if content_type:
                headers["Content-Type"] = content_type
            try:
                response = request_limited(self._publisher.http, method, url, json=json_body, headers=headers,
                                           timeout=self._publisher._timeout)
            except OutboundRefused as refused:
                raise _Refused(PublishResult("failed", error=str(refused))) from refused
            except requests.RequestException as exc:
                raise _Refused(PublishResult("retry", error=f"{type(exc).__name__}: {exc}")) from exc
            if response.status_code == 401 and not self._refreshed:
                self._refreshed = True
                self._token = self._bearer(not_this=self._token)
                continue
            return response


def score_document(score: OutgoingScore) -> dict[str, Any]:
    document: dict[str, Any] = {
        "userId": score.user_sub,
        "scoreMaximum": score.score_maximum,
        "activityProgress": score.activity_progress,
        "gradingProgress": score.grading_progress,
        "timestamp": iso_millis(score.timestamp),
        "submission": {"submittedAt": iso_millis(score.submitted_at)},
    }
    if score.score_given is not None:
        document["scoreGiven"] = score.score_given
    if score.comment:
        document["comment"] = score.comment
    if score.product == "canvas":
        document[CANVAS_SUBMISSION] = {
            # A resync re-sends the original time: nothing is marked late by the resend.
            "submitted_at": iso_millis(score.submitted_at),
            "new_submission": not score.resend,
        }
    return document
