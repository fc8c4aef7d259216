"""Security headers on every response: pages, redirects, JSON, static files and errors.

- ``Referrer-Policy: no-referrer``: the pages after a launch carry their session token in the
  URL (``/s/<token>/``); no link or resource may leak it to another site through Referer.
- ``X-Content-Type-Options: nosniff``.
- ``Content-Security-Policy``: scripts, styles, images and fetches only from the tool itself
  (no inline script or style anywhere), no plugins, no ``<base>``; ``frame-ancestors`` lists
  the registered, active platforms' hosts (lti_tool/platform_hosts.py), so only those LMSs
  can show the tool in a frame. The Dynamic Registration pages are framed by an LMS that is
  not registered yet, so they may be framed by any https page (and loopback in development).
- ``Strict-Transport-Security`` when the request came over https.

The platforms' frame sources are read from the database at most every FRAME_ANCESTORS_CACHE_SECONDS
per process (registrations are rare; every response needs the header).
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from flask import Response
from flask import request
from sqlalchemy import select

from lti_tool.db import database
from lti_tool.models.platform import Platform
from lti_tool.platform_hosts import PlatformHosts

log = logging.getLogger(__name__)

_BASE_POLICY = ("default-src 'self'", "img-src 'self' data:", "object-src 'none'", "base-uri 'none'")
_REGISTRATION_PREFIX = "/lti/register"
_DEMO_LMS_PREFIX = "/demo-lms"
HSTS = "max-age=31536000"


class FrameSources:
    """The frame-ancestors sources of the registered platforms, cached for a few seconds."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._value: tuple[str, ...] | None = None
        self._read_at = 0.0

    def invalidate(self) -> None:
        self._read_at = 0.0

    def current(self) -> tuple[str, ...]:
        ttl = float(self._app.config["FRAME_ANCESTORS_CACHE_SECONDS"])
        if self._value is not None and time.monotonic() - self._read_at < ttl:
            return self._value
        with self._lock:
            if self._value is None or time.monotonic() - self._read_at >= ttl:
                try:
                    self._value = self._read()
                except Exception:  # noqa: BLE001 - a database outage must not turn every answer into a 500
                    log.warning("could not read the platforms for frame-ancestors; keeping the last known list")
                    self._value = self._value or ()
                self._read_at = time.monotonic()
        return self._value

    def _read(self) -> tuple[str, ...]:
        columns = (Platform.issuer, Platform.auth_login_url, Platform.auth_token_url, Platform.key_set_url,
                   Platform.hosts)
        sources: list[str] = []
        with database(self._app).sessions() as session:
            for row in session.execute(select(*columns).where(Platform.active.is_(True))):
                sources.extend(PlatformHosts.of(row).frame_sources())
        return tuple(dict.fromkeys(sources))


def _frame_ancestors(app: Flask, sources: FrameSources) -> str:
    if request.path.startswith(_REGISTRATION_PREFIX):
        extra = " http://localhost:* http://127.0.0.1:*" if app.config["ENV"] == "development" else ""
        return "frame-ancestors 'self' https:" + extra
    if request.path.startswith(_DEMO_LMS_PREFIX):
        return "frame-ancestors 'self'"
    return " ".join(("frame-ancestors 'self'", *sources.current()))


def policy_for(app: Flask, sources: FrameSources) -> str:
    parts = [*_BASE_POLICY, _frame_ancestors(app, sources)]
    if app.config.get("DEMO_LMS") and request.path.startswith(_DEMO_LMS_PREFIX):
        # The demo LMS shows its registered tools (other origins, wherever they run) in frames,
        # as a real LMS does.
        parts.append("frame-src 'self' http: https:")
    return "; ".join(parts)


def init_app(app: Flask) -> None:
    sources = FrameSources(app)
    app.extensions["frame_sources"] = sources

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Content-Security-Policy", policy_for(app, sources))
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
