"""``quiztool demo`` as a newcomer runs it: a real subprocess on a free port, its own instance folder."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests


@dataclass
class DemoProcess:
    port: int
    process: subprocess.Popen
    instance: Path

    @property
    def lms_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/demo-lms"

    @property
    def tool_url(self) -> str:
        return f"http://localhost:{self.port}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_demo(instance: Path) -> Iterator[DemoProcess]:
    """Start ``quiztool demo`` and wait until its LMS answers; stop it afterwards. The process's
    output is kept on ``process.stdout`` for the caller to read once it has stopped."""
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "QUIZTOOL_INSTANCE_PATH": str(instance), "HOME": str(instance)}
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from lti_tool.cli import main; sys.argv[0] = 'quiztool'; main()",
         "demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    demo = DemoProcess(port, process, instance)
    try:
        for _ in range(150):
            try:
                if requests.get(demo.lms_url + "/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("the demo did not start")
        yield demo
    finally:
        if process.poll() is None:
            process.terminate()
