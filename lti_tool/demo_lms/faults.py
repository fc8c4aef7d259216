"""Misbehaviour on demand: make the token and service endpoints fail like real platforms do.

The setting lives in the platform row so every worker sees it. Modes:

- ``503``: ``503 Service Unavailable`` with a JSON error (and ``Retry-After`` if set).
- ``429``: ``429 Too Many Requests`` with ``Retry-After: <retry_after>``.
- ``403_rate_limit``: Canvas's throttle answer, ``403`` with body
  ``403 Forbidden (Rate Limit Exceeded)`` and ``X-Rate-Limit-Remaining: 0.0``.
- ``slow``: wait ``delay`` seconds, then answer normally.
- ``unreachable``: drop the connection without any answer. The WSGI server's socket
  (``werkzeug.socket`` under the werkzeug server, ``gunicorn.socket`` under gunicorn) is shut
  down, so the client sees the connection closed before a status line (requests raises
  ``ConnectionError``), and the server treats the failed write as a client that went away.
  Under any other server the request is held for ``DEMO_LMS_UNREACHABLE_SECONDS`` (longer than
  any sane client timeout) and then answered 504.

``count`` fails the next N matching requests and then recovers (mode returns to ``none``);
without ``count`` the fault lasts until changed. ``endpoints`` chooses which of ``token``,
``ags`` and ``nrps`` misbehave (default: token and ags).
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

from flask import current_app
from flask import request
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.db import session_scope
from lti_tool.models.demo_lms import DemoPlatform
from lti_tool.demo_lms import counters
from lti_tool.demo_lms.blueprint import ServiceError
from lti_tool.demo_lms.platform import PLATFORM_ROW_ID
from lti_tool.demo_lms.platform import get_platform

log = logging.getLogger(__name__)

FAULT_MODES = ("none", "503", "429", "403_rate_limit", "slow", "unreachable")
FAULT_ENDPOINTS = ("token", "ags", "nrps")
DEFAULT_ENDPOINTS = ["token", "ags"]
CANVAS_THROTTLE_BODY = "403 Forbidden (Rate Limit Exceeded)"


class FaultSchema(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(FAULT_MODES))
    count = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    retry_after = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    delay = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=600))
    endpoints = fields.List(
        fields.String(validate=validate.OneOf(FAULT_ENDPOINTS)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1),
    )


def set_fault(
    session: Session,
    mode: str = "none",
    *,
    count: int | None = None,
    retry_after: int | None = None,
    delay: float | None = None,
    endpoints: list[str] | None = None,
) -> dict[str, Any]:
    """Switch a fault on (or off with ``mode="none"``). Validates like the JSON endpoint does;
    raises ``marshmallow.ValidationError`` on bad values. Flushes; the caller commits."""
    raw = {"mode": mode, "count": count, "retry_after": retry_after, "delay": delay, "endpoints": endpoints}
    return apply_settings(session, FaultSchema().load(raw))


def apply_settings(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    if data["mode"] == "slow" and not data.get("delay"):
        raise ValidationError({"delay": ["'slow' needs a delay in seconds."]})
    platform = get_platform(session)
    platform.fault_mode = data["mode"]
    platform.fault_remaining = data.get("count") if data["mode"] != "none" else None
    platform.fault_retry_after = data.get("retry_after")
    platform.fault_delay = data.get("delay")
    platform.fault_endpoints = list(data.get("endpoints") or DEFAULT_ENDPOINTS)
    session.flush()
    return describe(platform)


def describe(platform: DemoPlatform) -> dict[str, Any]:
    return {
        "mode": platform.fault_mode,
        "count": platform.fault_remaining,
        "retry_after": platform.fault_retry_after,
        "delay": platform.fault_delay,
        "endpoints": list(platform.fault_endpoints or DEFAULT_ENDPOINTS),
    }


def inject(endpoint: str) -> None:
    """Called first by every token/AGS/NRPS view: misbehave if a fault is on for ``endpoint``.

    Runs in its own committed transaction, so a countdown advances even though the failing
    request itself commits nothing.
    """
    with session_scope() as session:
        fault = _consume(session, endpoint)
    if fault is None:
        return
    counters.increment(counters.FAULTS_INJECTED)
    mode = fault["mode"]
    retry_headers = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] is not None else {}
    if mode == "slow":
        time.sleep(float(fault["delay"] or 0))
        return
    if mode == "503":
        raise ServiceError(503, "service_unavailable", "the demo LMS is down (fault injection)", headers=retry_headers)
    if mode == "429":
        headers = {"Retry-After": str(fault["retry_after"] if fault["retry_after"] is not None else 1)}
        raise ServiceError(429, "too_many_requests", "slow down (fault injection)", headers=headers)
    if mode == "403_rate_limit":
        headers = {"X-Rate-Limit-Remaining": "0.0", **retry_headers}
        raise ServiceError(403, "rate_limited", headers=headers, body=CANVAS_THROTTLE_BODY)
    if mode == "unreachable":
        _drop_connection()


def _consume(session: Session, endpoint: str) -> dict[str, Any] | None:
    platform = get_platform(session)
    if platform.fault_mode == "none" or endpoint not in (platform.fault_endpoints or DEFAULT_ENDPOINTS):
        return None
    fault = describe(platform)
    if platform.fault_remaining is None:
        return fault
    # Atomic countdown: of several workers racing for the last failure, exactly one gets it.
    taken = session.execute(
        update(DemoPlatform)
        .where(DemoPlatform.id == PLATFORM_ROW_ID, DemoPlatform.fault_remaining > 0)
        .values(fault_remaining=DemoPlatform.fault_remaining - 1)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return None
    session.expire(platform)
    if platform.fault_remaining == 0:
        platform.fault_mode = "none"
        platform.fault_remaining = None
        platform.fault_retry_after = None
        platform.fault_delay = None
    return fault


def _drop_connection() -> None:
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        # Whatever we answer now is written to a dead socket; the server logs a dropped client.
        raise ServiceError(503, "unreachable", "connection dropped (fault injection)")
    time.sleep(current_app.config["DEMO_LMS_UNREACHABLE_SECONDS"])
    raise ServiceError(504, "unreachable", "no answer (fault injection)")
