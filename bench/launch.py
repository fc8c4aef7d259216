"""Complete LTI launches per second against gunicorn (2 workers), with the demo LMS as platform.

One launch = the LMS's launch link → the tool's OIDC login → the platform's auth answer (a
signed id_token) → the tool's launch POST → the first page. Every step is real HTTP on
loopback. Prints launches/s and p50/p95/p99 of a whole launch at the chosen concurrency.

    .venv/bin/python bench/launch.py [--concurrency 50] [--launches 1000] [--database URL]

Without --database it uses $QUIZTOOL_TEST_POSTGRES_URL's server (a fresh database) when set,
else a SQLite file. Target on 2 cores: >= 100 launches/s, p99 < 250 ms at 50 concurrent.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import sys
import threading
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stack import demo_stack  # noqa: E402


class Client:
    """One simulated browser: follows redirects and auto-posting forms, keeps cookies per host
    (``requests`` will not send Secure cookies over http; browsers do on loopback)."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.jar: dict[str, dict[str, str]] = {}

    def request(self, method: str, url: str, data: dict | None = None) -> requests.Response:
        host = urlsplit(url).netloc
        response = self.http.request(method, url, data=data, cookies=self.jar.get(host, {}),
                                     allow_redirects=False, timeout=30)
        self.jar.setdefault(host, {}).update({c.name: c.value for c in response.cookies})
        return response

    def follow(self, method: str, url: str, data: dict | None = None) -> requests.Response:
        for _ in range(10):
            response = self.request(method, url, data)
            if response.status_code in (302, 303):
                url, method, data = urljoin(url, response.headers["Location"]), "GET", None
                continue
            if response.status_code == 200 and 'name="id_token"' in response.text:
                action = re.search(r'<form\b[^>]*action="([^"]+)"', response.text)
                fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text)
                url, method, data = unescape(action.group(1)), "POST", {n: unescape(v) for n, v in fields}
                continue
            return response
        raise RuntimeError("redirect loop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--launches", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per gunicorn worker")
    parser.add_argument("--database")
    args = parser.parse_args()

    stack = demo_stack(args.database)
    lms = stack.lms
    gunicorn = stack.gunicorn(args.workers, args.threads)
    try:
        course_id, link_id = 1, 1
        student_ids = [3, 4, 5]
        durations: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        remaining = [args.launches]

        def user(index: int) -> None:
            client = Client()
            client.follow("POST", f"{lms}/course/{course_id}/whoami",
                          {"user_id": str(student_ids[index % len(student_ids)]), "storage": "0"})
            client.follow("GET", f"{lms}/course/{course_id}/links/{link_id}/launch?storage=0")  # warm-up
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                start = time.perf_counter()
                try:
                    page = client.follow("GET", f"{lms}/course/{course_id}/links/{link_id}/launch?storage=0")
                    ok = page.status_code == 200 and "Signed in as" in page.text
                except requests.RequestException as error:
                    ok, page = False, None
                    errors.append(str(error))
                elapsed = time.perf_counter() - start
                with lock:
                    if ok:
                        durations.append(elapsed)
                    elif page is not None:
                        errors.append(f"{page.status_code} {page.url} {page.text[:200]!r}")

        threads = [threading.Thread(target=user, args=(i,)) for i in range(args.concurrency)]
        wall = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        stack.drop()

    quantiles = statistics.quantiles(durations, n=100) if len(durations) >= 2 else [0.0] * 99
    backend = stack.backend
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"setup: gunicorn {args.workers} workers x {args.threads} threads (gthread), database {backend}, "
          f"{args.concurrency} concurrent clients, load generator on the same machine")
    print(f"launches: {len(durations)} ok, {len(errors)} errors in {wall:.1f} s -> {len(durations) / wall:.1f} launches/s")
    print(f"launch latency: p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms, "
          f"p99 {quantiles[98] * 1000:.0f} ms")
    client_cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"load generator CPU: {client_cpu.ru_utime + client_cpu.ru_stime:.1f} s over {wall:.1f} s wall "
          f"(it shares the 2 cores with gunicorn and the database)")
    if errors:
        print("first errors:", errors[:5])


if __name__ == "__main__":
    main()
