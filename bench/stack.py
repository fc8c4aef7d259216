"""What every benchmark needs: a fresh database, the tool + demo LMS configured for a port, gunicorn.

The tool is http://localhost:PORT and the demo LMS http://127.0.0.1:PORT/demo-lms, one gunicorn
serving both (as ``quiztool demo`` does), configured from ``config/gunicorn.conf.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def machine_speed_ms() -> float:
    """CPU milliseconds of a fixed pure-Python loop (lower is faster). Cloud VMs change speed
    under us (this one by 2x within an hour); printing this beside a figure lets runs made at
    different times be compared."""
    started = time.process_time()
    total = 0
    for n in range(3_000_000):
        total += n * n % 7
    return (time.process_time() - started) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(url: str | None) -> tuple[str, Callable[[], None]]:
    """A new empty database and the function that drops it: on the PostgreSQL server of ``url``
    (or $QUIZTOOL_TEST_POSTGRES_URL) when there is one, else a SQLite file."""
    from sqlalchemy import create_engine
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    pg = url or os.environ.get("QUIZTOOL_TEST_POSTGRES_URL")
    if pg and pg.startswith("postgresql"):
        admin = make_url(pg)
        name = f"quiztool_bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with engine.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()

        return admin.set(database=name).render_as_string(hide_password=False), drop
    path = Path(tempfile.mkdtemp()) / "bench.db"
    return f"sqlite:///{path}", lambda: None


@dataclass
class Stack:
    url: str
    port: int
    env: dict[str, str]
    app: object
    drop: Callable[[], None]

    @property
    def tool(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def lms(self) -> str:
        return f"http://127.0.0.1:{self.port}/demo-lms"

    @property
    def backend(self) -> str:
        return self.url.split(":", 1)[0]

    def gunicorn(self, workers: int = 2, threads: int = 4) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
             "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "lti_tool:create_app()"],
            env=self.env, cwd=ROOT,
        )
        for _ in range(150):
            try:
                if requests.get(f"{self.tool}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        return process

    def worker(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", "from lti_tool.cli import main; main()", "worker"],
                                env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def demo_stack(database: str | None, **settings: str) -> Stack:
    """Migrated database, demo LMS registered with the tool; ``settings`` are extra QUIZTOOL_*."""
    sys.path.insert(0, str(ROOT))
    from lti_tool import create_app
    from lti_tool.demo import prepare_demo

    url, drop = fresh_database(database)
    port = free_port()
    env = {
        **os.environ,
        "QUIZTOOL_ENV": "development",
        "QUIZTOOL_DATABASE_URL": url,
        "QUIZTOOL_SECRET_KEY": "bench-secret",
        "QUIZTOOL_DEMO_LMS": "true",
        "QUIZTOOL_BASE_URL": f"http://localhost:{port}",
        "QUIZTOOL_DEMO_LMS_URL": f"http://127.0.0.1:{port}/demo-lms",
        "QUIZTOOL_LOG_LEVEL": "WARNING",
        **{f"QUIZTOOL_{k}": v for k, v in settings.items()},
    }
    config = {k[len("QUIZTOOL_"):]: v for k, v in env.items()
              if k.startswith("QUIZTOOL_") and not k.startswith("QUIZTOOL_TEST_")}
    app = create_app(config | {"DEMO_LMS": True})
    prepare_demo(app)
    return Stack(url, port, env, app, drop)
