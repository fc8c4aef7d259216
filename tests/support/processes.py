"""Servers the tests start as subprocesses (``quiztool demo``, gunicorn): a free port to give
them, and the wait until they answer."""

from __future__ import annotations

import socket
import time

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answers(url: str, what: str, *, tries: int = 150, pause: float = 0.2) -> None:
    """Return once ``url`` answers 200; AssertionError naming ``what`` if it never does."""
    for _ in range(tries):
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(pause)
    raise AssertionError(f"{what} did not start: {url} never answered 200")
