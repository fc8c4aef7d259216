"""Run any WSGI app (a Flask app, a tiny fake tool) on a real loopback port, for real HTTP tests.

Usage in a test module or conftest::

    from tests.support.live_server import live_server   # the fixture, re-exported by conftest

    def test_something(live_server):
        base_url = live_server(app)                # started now, stopped after the test
        requests.get(base_url + "/healthz")

or, outside pytest fixtures, ``with serving(app) as base_url: ...``. When the app must know its
own URL before it is built (BASE_URL, the demo LMS issuer), bind first and attach later::

    server = LiveServer.bind()            # the port is known now
    app = create_app({"BASE_URL": server.url})
    server.start(app)
    ...
    server.stop()

``host`` may be "localhost" or "127.0.0.1" in the URL (the socket listens on 127.0.0.1 either way),
which lets one server play two sites, as ``quiztool demo`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

WSGIApp = Callable[..., Any]


def _not_started(environ: dict, start_response: Callable) -> list[bytes]:  # pragma: no cover
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"live server bound but no app attached yet"]


def _closing_when_dropped(app: WSGIApp) -> WSGIApp:
    """Werkzeug's server skips a response's ``close()`` when the client drops the connection in
    the middle of the body (a browser leaving a page while one of its scripts still downloads), so
    the static file stays open; with warnings as errors, its ResourceWarning then fails whichever
    test the garbage collector happens to run in. Handing the server a generator closes the
    response as soon as the server lets go of it, dropped or not."""

    def app_closing_its_response(environ: dict, start_response: Callable) -> Iterator[bytes]:
        response = app(environ, start_response)

        def body() -> Iterator[bytes]:
            try:
                yield from response
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()

        return body()

    return app_closing_its_response


class LiveServer:
    """A threaded werkzeug server on an ephemeral port."""

    def __init__(self, server: BaseWSGIServer, host: str) -> None:
        self._server = server
        self._host = host
        self._thread: threading.Thread | None = None

    @classmethod
    def bind(cls, host: str = "127.0.0.1") -> LiveServer:
        server = make_server("127.0.0.1", 0, _not_started, threaded=True)
        return cls(server, host)

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self, app: WSGIApp) -> str:
        self._server.app = _closing_when_dropped(app)  # type: ignore[attr-defined]
        # A short poll interval makes stop() quick (the default 0.5 s adds up over a suite).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"live-server-{self.port}", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()


@contextmanager
def serving(app: WSGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    server = LiveServer.bind(host)
    try:
        yield server.start(app)
    finally:
        server.stop()


@pytest.fixture
def live_server() -> Iterator[Callable[..., str]]:
    """A function ``start(app, host="127.0.0.1") -> base URL``; every server stops after the test."""
    servers: list[LiveServer] = []

    def start(app: WSGIApp, host: str = "127.0.0.1") -> str:
        server = LiveServer.bind(host)
        servers.append(server)
        return server.start(app)

    yield start
    for server in reversed(servers):
        server.stop()
