"""What operators and their machines ask of a running server: is it alive (``/healthz``), can it
serve (``/readyz``), what is it doing (``/metrics``); and what every request leaves behind: a
request id (the ``X-Request-Id`` header, and in every log line), a log line, a latency sample."""

from __future__ import annotations

import hmac
import logging
import time
from ipaddress import ip_address

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from sqlalchemy.exc import SQLAlchemyError

from lti_tool import db
from lti_tool import logs
from lti_tool import metrics
from lti_tool.migrate import head_revisions
from lti_tool.migrate import known_revisions
from lti_tool.services.health import readiness

bp = Blueprint("operations", __name__)
request_log = logging.getLogger("lti_tool.requests")

REQUEST_ID_HEADER = "X-Request-Id"


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers. Touches nothing else: a database outage must not get it restarted."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Send traffic here? 200 when the database answers, its schema is at this code's head (or
    newer) and a signing key exists; 503 naming what is wrong otherwise."""
    state = readiness(db.database().engine, head_revisions(), known_revisions())
    body = jsonify(status="ready" if state.ready else "not ready", checks=state.checks)
    body.headers["Cache-Control"] = "no-store"
    return body, 200 if state.ready else 503


@bp.get("/metrics")
def prometheus_metrics() -> Response | tuple[Response, int]:
    if not _may_read_metrics():
        return jsonify(error="Set QUIZTOOL_METRICS_TOKEN and send it as a bearer token, or scrape "
                             "from this host (loopback)."), 403
    with db.database().sessions() as session:
        try:
            text = metrics.exposition(session)
        except SQLAlchemyError as error:  # the database is down: still report the counters
            logging.getLogger(__name__).warning("metrics: the grade outbox could not be read: %s",
                                                str(getattr(error, "orig", error)).strip().splitlines()[0])
            text = metrics.exposition(None)
    return Response(text, mimetype=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def _may_read_metrics() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        return hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}")
    try:
        return ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = logs.accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
    g.request_id_binding = logs.bind_request_id(g.request_id)


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    seconds = time.perf_counter() - g.request_started
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.REQUEST_SECONDS.labels(route, request.method).observe(seconds)
    if current_app.config["LOG_REQUESTS"]:
        request_log.info("%s %s %s", request.method, route, response.status_code, extra={
            "method": request.method, "route": route, "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1)})
    return response


def _end(_error: BaseException | None) -> None:
    binding = g.pop("request_id_binding", None)
    if binding is not None:
        logs.unbind_request_id(binding)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)
