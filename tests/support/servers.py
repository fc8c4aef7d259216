"""Serve a Flask app on a real loopback port in a background thread, for HTTP round trips.

The tool is addressed as http://localhost:PORT and the demo LMS as http://127.0.0.1:PORT: two
different sites, so a browser treats the tool's iframe as cross-site, as in a real LMS.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server


@dataclass
class RunningServer:
    port: int
    server: BaseWSGIServer

    @property
    def tool_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def lms_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/demo-lms"


def bind() -> BaseWSGIServer:
    """A threaded server on a free port; the app is attached by ``serve``."""
    return make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]


@contextmanager
def serve(app: Flask, server: BaseWSGIServer) -> Iterator[RunningServer]:
    server.app = app  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield RunningServer(server.server_port, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
