"""``quiztool demo`` as a newcomer runs it: a real subprocess on a free port, its own instance folder."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port
from tests.support.processes import wait_until_answers


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


@contextmanager
def running_demo(instance: Path) -> Iterator[DemoProcess]:
    """Start ``quiztool demo`` and wait until its LMS answers; stop it afterwards. The process's
    output is kept on ``process.stdout`` for the caller to read once it has stopped."""
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "QUIZTOOL_INSTANCE_PATH": str(instance), "HOME": str(instance)}
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from lti_tool.cli import main; sys.argv[0] = 'quiztool'; main()",
         "demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    demo = DemoProcess(port, process, instance)
    try:
        wait_until_answers(demo.lms_url + "/", "the demo")
        yield demo
    finally:
        if process.poll() is None:
            process.terminate()
