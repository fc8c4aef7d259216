"""The production server as config/gunicorn.conf.py sets it up: one listening socket per worker
(SO_REUSEPORT, so the kernel spreads connections over the workers), and no silent sharing of a
port that another server already holds."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.processes import free_port
from tests.support.processes import wait_until_answers

ROOT = Path(__file__).resolve().parents[2]


def _gunicorn(port: int, tmp_path: Path, workers: int) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if k != "QUIZTOOL_REUSE_PORT"},  # the default
           "QUIZTOOL_ENV": "development", "QUIZTOOL_SECRET_KEY": "serving-test",
           "QUIZTOOL_DATABASE_URL": f"sqlite:///{tmp_path / 'serving.db'}"}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "lti_tool:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@contextmanager
def _serving(tmp_path: Path, workers: int) -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    server = _gunicorn(port, tmp_path, workers)
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/healthz", "gunicorn")
        yield port, server
    finally:
        server.terminate()
        server.communicate(timeout=30)


def _listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:port (from /proc/net/tcp: state 0A is LISTEN)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        return sum(1 for line in table.readlines()[1:]
                   if line.split()[1] == wanted and line.split()[3] == "0A")


def test_each_worker_listens_on_its_own_socket(tmp_path) -> None:
    with _serving(tmp_path, workers=2) as (port, _):
        assert _listening_sockets(port) == 2


def test_a_second_server_on_a_port_in_use_refuses_to_start(tmp_path) -> None:
    with _serving(tmp_path, workers=1) as (port, _):
        second = _gunicorn(port, tmp_path, workers=1)
        _, errors = second.communicate(timeout=60)
        assert second.returncode != 0
        assert f"127.0.0.1:{port} is already in use" in errors
        assert _listening_sockets(port) == 1  # the first server's, alone
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
