"""Complete LTI launches per second against gunicorn (2 workers), with the demo LMS as platform.

One launch, as the issue defines it: the tool's OIDC login → the platform's auth answer (a signed
id_token) → the tool's launch POST → the first page. Every step is real HTTP on loopback, with
keep-alive connections as a browser keeps them.

What comes before the login is the LMS's own page: Canvas serves the page whose form starts the
login, and the demo LMS answers its launch link with a redirect to the login that carries a fresh
``lti_message_hint``. Those redirects are asked for before the clock starts, one per launch, so
each launch still has its own hint and the tool does all of its work, but the LMS's page (served
by the same gunicorn here, never by the tool's servers in production) is not counted. A third
line measures from the LMS's launch link for comparison (5 requests).

1. Closed loop: ``--concurrency`` browsers launch back to back as fast as the server answers.
   This gives the most launches/s the machine sustains (and, by Little's law, a latency of
   concurrency ÷ throughput: 50 browsers at 100 launches/s wait 500 ms on average).
2. Open loop: launches arrive at a fixed ``--rate`` (default 100/s), as students do, served by
   up to ``--concurrency`` browsers at once. Latency counts from the moment a launch was due,
   so a server that falls behind shows it (no coordinated omission).

    .venv/bin/python bench/launch.py [--concurrency 50] [--launches 1000] [--rate 100] [--database URL]

Each line also gives the load generator's own CPU per launch, a fixed workload for that line:
when it reads higher than in other runs of the same line, the machine ran slow during that
measurement (on the development VM at full speed: closed loop 1.1-1.2 ms).

Without --database it uses $QUIZTOOL_TEST_POSTGRES_URL's server (a fresh database) when set,
else a SQLite file. Target on 2 cores: >= 100 launches/s, p99 < 250 ms with 50 concurrent.
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import resource
import statistics
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from browser import Browser  # noqa: E402
from browser import HttpError  # noqa: E402
from stack import demo_stack  # noqa: E402
from stack import machine_speed_ms  # noqa: E402

COURSE_ID, LINK_ID, STUDENT_IDS = 1, 1, (3, 4, 5)
LAUNCH_LINK = f"/course/{COURSE_ID}/links/{LINK_ID}/launch?storage=0"


class Student(Browser):
    """A browser with the login initiations its LMS handed out, one per launch to come."""

    def __init__(self) -> None:
        super().__init__()
        self.logins: deque[str] = deque()

    def next_login(self) -> str:
        # A browser that outruns its share reuses its last hint (valid for 10 minutes).
        return self.logins.popleft() if len(self.logins) > 1 else self.logins[0]


class Run:
    """Latencies and errors of one measurement, collected from many threads."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.wall = 0.0
        self.load_generator_cpu = 0.0

    def measure(self, pool: list[Student], body: Callable[[Student], None]) -> None:
        started = _process_cpu()
        self.wall = run_threads(pool, body)
        self.load_generator_cpu = _process_cpu() - started

    def launch(self, browser: Student, lms: str, due: float, *, from_lms: bool) -> None:
        try:
            page = browser.follow("GET", f"{lms}{LAUNCH_LINK}" if from_lms else browser.next_login())
            problem = None if page.status_code == 200 and "Signed in as" in page.text else (
                f"{page.status_code} {page.url} {page.text[:200]!r}")
        except HttpError as error:
            problem = str(error)
        elapsed = time.perf_counter() - due
        with self.lock:
            if problem:
                self.errors.append(problem)
            else:
                self.durations.append(elapsed)

    def report(self, label: str) -> None:
        q = statistics.quantiles(self.durations, n=100) if len(self.durations) >= 2 else [0.0] * 99
        print(f"{label}: {len(self.durations)} ok, {len(self.errors)} errors in {self.wall:.1f} s "
              f"-> {len(self.durations) / self.wall:.1f} launches/s; latency p50 {q[49] * 1000:.0f} ms, "
              f"p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms; load generator "
              f"{self.load_generator_cpu / max(len(self.durations), 1) * 1000:.1f} ms CPU per launch")
        if self.errors:
            print("  first errors:", self.errors[:3])


def browsers(lms: str, count: int) -> list[Student]:
    """Signed-in browsers, each warmed up by one launch (connections open, JWKS cached)."""
    made = []
    for index in range(count):
        browser = Student()
        browser.follow("POST", f"{lms}/course/{COURSE_ID}/whoami",
                       {"user_id": str(STUDENT_IDS[index % len(STUDENT_IDS)]), "storage": "0"})
        browser.follow("GET", f"{lms}{LAUNCH_LINK}")
        made.append(browser)
    return made


def hand_out_logins(pool: list[Student], lms: str, launches: int) -> None:
    """What the LMS's page does before a launch, done before the clock starts: each browser
    asks the LMS's launch link for its login initiation (a fresh hint), once per launch to come."""
    share = -(-launches // len(pool)) + 2

    def body(browser: Student) -> None:
        browser.logins.clear()
        for _ in range(share):
            page = browser.request("GET", f"{lms}{LAUNCH_LINK}")
            if page.status_code != 302:
                raise HttpError(f"the LMS's launch link answered {page.status_code}: {page.text[:200]!r}")
            browser.logins.append(page.headers["Location"])

    run_threads(pool, body)


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_threads(pool: list[Student], body: Callable[[Student], None]) -> float:
    threads = [threading.Thread(target=body, args=(b,)) for b in pool]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - wall


def closed_loop(pool: list[Student], lms: str, launches: int, *, from_lms: bool = False) -> Run:
    run, remaining = Run(), [launches]

    def body(browser: Student) -> None:
        while True:
            with run.lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            run.launch(browser, lms, time.perf_counter(), from_lms=from_lms)

    run.measure(pool, body)
    return run


def open_loop(pool: list[Student], lms: str, launches: int, rate: float) -> Run:
    run, due_times = Run(), queue.Queue()
    start = time.perf_counter() + 0.05
    for n in range(launches):
        due_times.put(start + n / rate)
    for _ in pool:
        due_times.put(None)

    def body(browser: Student) -> None:
        while (due := due_times.get()) is not None:
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            run.launch(browser, lms, due, from_lms=False)

    run.measure(pool, body)
    run.wall -= 0.05
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--launches", type=int, default=1000, help="launches in each measurement")
    parser.add_argument("--rate", type=float, default=100.0, help="arrivals per second in the open-loop run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per gunicorn worker")
    parser.add_argument("--database")
    args = parser.parse_args()

    speed_before = machine_speed_ms()
    stack = demo_stack(args.database)
    gunicorn = stack.gunicorn(args.workers, args.threads)
    try:
        pool = browsers(stack.lms, args.concurrency)
        hand_out_logins(pool, stack.lms, args.launches)
        closed = closed_loop(pool, stack.lms, args.launches)
        hand_out_logins(pool, stack.lms, args.launches)
        opened = open_loop(pool, stack.lms, args.launches, args.rate)
        from_lms = closed_loop(pool, stack.lms, args.launches, from_lms=True)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        stack.drop()

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}; speed probe "
          f"{speed_before:.0f} ms before, {machine_speed_ms():.0f} ms after (a fixed loop: lower is faster)")
    print(f"setup: gunicorn {args.workers} workers x {args.threads} threads (gthread), database {stack.backend}, "
          f"{args.concurrency} browsers, load generator on the same machine")
    closed.report(f"closed loop, {args.concurrency} back to back")
    opened.report(f"open loop, {args.rate:g} arrivals/s")
    from_lms.report(f"closed loop from the LMS's launch link (5 requests), {args.concurrency} back to back")


if __name__ == "__main__":
    main()
