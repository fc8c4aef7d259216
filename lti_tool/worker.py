"""The grade delivery worker: posts due outbox rows, forever, outside any web request.

``quiztool worker`` runs ``run_worker`` in the foreground (stops on SIGTERM or Ctrl+C after the
delivery in progress); ``quiztool demo`` runs the same loop in a background thread;
tests call ``deliver_once`` for one synchronous pass. Any number of workers may run on any hosts:
rows are claimed with leases (see ``lti_tool.grade_sync``).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import timedelta

from flask import Flask

from lti_tool import grade_sync
from lti_tool import logs
from lti_tool import metrics
from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.lti.ags import AgsScorePublisher
from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.lti.storage import purge_expired
from lti_tool.services.identity import purge_expired_sessions
from lti_tool.services.personal_data import purge_old_attempts

log = logging.getLogger(__name__)


def delivery_policy(app: Flask) -> grade_sync.DeliveryPolicy:
    return grade_sync.DeliveryPolicy(
        lease_seconds=float(app.config["GRADE_CLAIM_SECONDS"]),
        retry_base_seconds=float(app.config["GRADE_RETRY_BASE_SECONDS"]),
        retry_max_seconds=float(app.config["GRADE_RETRY_MAX_SECONDS"]),
        max_tries=int(app.config["GRADE_MAX_TRIES"]),
    )


def make_publisher(app: Flask) -> AgsScorePublisher:
    return AgsScorePublisher(database(app).sessions, policy=OutboundPolicy.from_config(app.config))


def deliver_once(app: Flask, *, publisher: grade_sync.ScorePublisher | None = None,
                 limit: int | None = None) -> grade_sync.DeliveryReport:
    """One delivery pass, synchronously (tests, ``quiztool grades deliver``)."""
    own = publisher is None
    used = publisher or make_publisher(app)
    try:
        return grade_sync.deliver_pending(
            database(app).sessions,
            used,
            limit=limit or int(app.config["GRADE_BATCH_SIZE"]),
            policy=delivery_policy(app),
        )
    finally:
        if own:
            used.close()  # type: ignore[union-attr]


def deliver_lineitem_changes(app: Flask, *, publisher: AgsScorePublisher | None = None) -> int:
    """Send the gradebook column changes an instructor made (points, title) to the platforms."""
    own = publisher is None
    used = publisher or make_publisher(app)
    try:
        return grade_sync.deliver_lineitem_changes(database(app).sessions, used, policy=delivery_policy(app))
    finally:
        if own:
            used.close()


def expire_overdue_attempts(app: Flask) -> int:
    """Submit attempts whose time ran out (their scores then enter the outbox)."""
    try:
        from lti_tool.services.attempts import expire_overdue
    except ImportError:  # pragma: no cover - attempts not installed
        return 0
    # The scores these submits record carry this pass's id into the delivery log lines.
    with app.app_context(), session_scope(app) as session, logs.request_id_set(logs.new_request_id()):
        expired = expire_overdue(session)
    if expired:
        log.info("submitted %s attempt(s) whose time ran out", expired, extra={"event": "attempts.expired"})
    return expired


def purge(app: Flask) -> None:
    """Keep the launch-state, session and outbox tables small; drop attempts past retention."""
    with app.app_context(), session_scope(app) as session:
        purge_expired(session)
        purge_expired_sessions(session)
        grade_sync.purge_old(session, older_than=timedelta(days=float(app.config["GRADE_KEEP_DAYS"])))
        purge_old_attempts(session, older_than_days=float(app.config["RETENTION_DAYS"]))


class Worker:
    """The delivery loop. ``stop`` ends it after the delivery in progress."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        interval = float(self.app.config["GRADE_WORKER_INTERVAL_SECONDS"])
        purge_every = float(self.app.config["GRADE_PURGE_INTERVAL_SECONDS"])
        next_purge = time.monotonic()
        publisher = make_publisher(self.app)
        try:
            while not self.stopping.is_set():
                if time.monotonic() >= next_purge:
                    self._quietly(purge, "purge")
                    next_purge = time.monotonic() + purge_every
                self._quietly(expire_overdue_attempts, "expiry")
                self._quietly(lambda app: deliver_lineitem_changes(app, publisher=publisher), "line items")
                report = self._quietly(lambda app: deliver_once(app, publisher=publisher), "delivery")
                if report is not None and report.claimed:
                    log.info("grades: %s delivered, %s retrying, %s failed", report.delivered,
                             report.retrying, report.failed)
                    continue  # more may be due right away
                self.stopping.wait(interval)
        finally:
            publisher.close()

    def _quietly(self, step, name: str):  # noqa: ANN001, ANN202
        """A database blip must not end the worker: log it and go on with the next pass."""
        try:
            return step(self.app)
        except Exception:
            log.exception("grade worker: %s pass failed", name)
            return None


def run_worker(app: Flask) -> None:
    """Foreground loop for ``quiztool worker``: SIGTERM and Ctrl+C stop it cleanly."""
    worker = Worker(app)

    def _stop(_signum, _frame) -> None:  # noqa: ANN001
        log.info("grade worker stopping")
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    bind = app.config["WORKER_METRICS_BIND"]
    if bind:
        metrics.serve_process_metrics(bind)
    log.info("grade worker started: batch %s, lease %s s, at most %s tries%s", app.config["GRADE_BATCH_SIZE"],
             app.config["GRADE_CLAIM_SECONDS"], app.config["GRADE_MAX_TRIES"],
             f", metrics on http://{bind}/metrics" if bind else "", extra={"event": "worker.started"})
    worker.run()
    log.info("grade worker stopped", extra={"event": "worker.stopped"})


def start_in_background(app: Flask) -> Worker:
    """The same loop in a daemon thread (``quiztool demo``)."""
    worker = Worker(app)
    threading.Thread(target=worker.run, name="grade-worker", daemon=True).start()
    return worker
