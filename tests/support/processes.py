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


def wait_until_answers(url: str, what: str, *, seconds: float = 60, pause: float = 0.2) -> None:
    """Return once ``url`` answers 200; AssertionError naming ``what`` if it never does.

    A server that accepts connections before its workers are ready (gunicorn importing the app on
    a busy machine) holds the first requests: a slow answer is "not yet", like a refused one."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(pause)
    raise AssertionError(f"{what} did not start: {url} never answered 200 in {seconds:.0f} s")
