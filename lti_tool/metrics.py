"""Prometheus metrics: what happens (counted where it happens) and what waits (read from the
database when Prometheus scrapes).

Counters and histograms live in the process that counts them. Under gunicorn every worker is a
process of its own, so ``config/gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
private directory per server) before any worker imports this module: prometheus_client then
writes each process's values to files there and ``/metrics`` adds them up, whichever worker
answers the scrape. The grade worker (``quiztool worker``) is a separate program, often on
another host: it serves its own delivery counters when ``WORKER_METRICS_BIND`` is set.

The state of the grade outbox (depth, oldest pending score, deliveries of the last hour) is
read from the database at scrape time, so every web process reports the same numbers, and they
stay right across restarts and whichever worker delivered.

Labels carry opaque ids only: refusal codes, route patterns (never URLs: they hold session
tokens), and platform ids (``quiztool platform list`` names them; ``quiztool_platform_info``
maps them to issuer and client id).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from lti_tool.models.base import utcnow
from lti_tool.models.grade_sync import FAILED
from lti_tool.models.grade_sync import PENDING
from lti_tool.models.grade_sync import SENDING

CONTENT_TYPE = CONTENT_TYPE_LATEST

LAUNCHES = Counter(
    "quiztool_launches_total", "Launches that opened the tool, by LTI message type.", ["message_type"]
)
REFUSALS = Counter(
    "quiztool_launch_refusals_total",
    "Logins and launches refused, by refusal code (docs/troubleshooting.md lists them).",
    ["code"],
)
REQUEST_SECONDS = Histogram(
    "quiztool_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
AUTOSAVES = Counter(
    "quiztool_autosaves_total",
    "Answers autosaved while a student works, by result (saved, refused: bad input, closed: "
    "the attempt had ended; changed: refused, the answer was saved in another window since).",
    ["result"],
)
DELIVERIES = Counter(
    "quiztool_grade_deliveries_total",
    "Grade sends to a platform's gradebook, by outcome (delivered, retrying, failed, superseded) "
    "and platform id. Counted by the process that delivers (quiztool worker, or the demo).",
    ["outcome", "platform"],
)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


class _ThisProcess(Collector):
    """The counters of this process (when not under gunicorn's multi-process mode)."""

    def collect(self) -> Iterable:
        return REGISTRY.collect()


class OutboxCollector(Collector):
    """The grade outbox as it stands, per platform (``grade_sync.outbox_by_platform``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterable:
        depth = GaugeMetricFamily("quiztool_grade_outbox", "Scores in the grade outbox waiting "
                                  "(pending), being sent (sending) or refused for good (failed), by platform id.",
                                  labels=["status", "platform"])
        oldest = GaugeMetricFamily("quiztool_grade_oldest_pending_seconds", "Age of the oldest score "
                                   "not yet delivered, by platform id (absent when none waits).", labels=["platform"])
        recent = GaugeMetricFamily("quiztool_grade_delivered_last_hour", "Scores delivered in the last "
                                   "hour, by platform id.", labels=["platform"])
        info = GaugeMetricFamily("quiztool_platform_info", "Registered platforms: id, issuer, client id, "
                                 "product; always 1.", labels=["platform", "issuer", "client_id", "product"])
        from lti_tool.grade_sync import outbox_by_platform  # grade_sync counts into this module

        now = utcnow()
        for platform in outbox_by_platform(self.session, with_last_failure=False):
            label = str(platform.platform_id)
            info.add_metric([label, platform.issuer, platform.client_id, platform.product], 1)
            for status, count in ((PENDING, platform.pending), (SENDING, platform.sending), (FAILED, platform.failed)):
                depth.add_metric([status, label], count)
            recent.add_metric([label], platform.delivered_last_hour)
            age = platform.oldest_pending_age(now)
            if age is not None:
                oldest.add_metric([label], age.total_seconds())
        return [depth, oldest, recent, info]


def exposition(session: Session | None) -> bytes:
    """The text Prometheus scrapes: every process's counters, plus the outbox from ``session``."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    if session is not None:
        registry.register(OutboxCollector(session))
    return generate_latest(registry)


def serve_process_metrics(bind: str) -> None:
    """Serve this process's counters on ``host:port`` (the grade worker's own /metrics)."""
    from prometheus_client import start_http_server

    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host or "127.0.0.1")
