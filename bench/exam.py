"""An exam: N students launch within a minute, start, answer 20 questions with autosave, submit.

Against the tool on gunicorn (2 workers) with PostgreSQL, the demo LMS as platform and
`quiztool worker` delivering grades. Prints per-step p50/p95/p99, errors, and the grade lag
(submit answered → score recorded at the platform) p50/p95.

    .venv/bin/python bench/exam.py [--students 300] [--ramp 60] [--database URL]

Targets on 2 cores: zero errors, autosave p99 < 200 ms, grade lag p95 < 5 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import threading
import time
from datetime import UTC
from datetime import datetime
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from browser import Browser  # noqa: E402
from browser import HttpError  # noqa: E402
from stack import demo_stack  # noqa: E402

QUESTIONS = "components:5,barriers:5,comparison:5,phases:5"
SECTION = re.compile(r'<section class="question" id="q(\d+)" data-slot="\d+" data-kind="([a-z_]+)"(.*?)</section>', re.S)


def answer_for(kind: str, html: str, rng: random.Random) -> object:
    """A plausible answer in the engine's response shape, read from the question's own HTML."""
    if kind in ("single", "true_false", "multiple"):
        values = re.findall(r'type="(?:radio|checkbox)" id="[^"]+" name="q\d+" value="([^"]+)"', html)
        if kind == "true_false":
            return rng.choice([True, False])
        if kind == "single":
            return rng.choice(values)
        return rng.sample(values, k=min(2, len(values)))
    rows = re.findall(r'data-row="([^"]+)"', html)
    if kind == "ordering":
        rng.shuffle(rows)
        return rows
    targets = re.search(r'data-targets="([^"]*)"', html).group(1).split()
    return {row: rng.choice(targets) for row in rows}


def quantiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms (n={len(values)})"


def add_students(app, count: int) -> list[int]:  # noqa: ANN001
    """Enrol COUNT students in the demo course and set the quiz to 20 questions."""
    from sqlalchemy import select

    from lti_tool.db import session_scope
    from lti_tool.models.demo_lms import DemoEnrollment
    from lti_tool.models.demo_lms import DemoResourceLink
    from lti_tool.models.demo_lms import DemoUser

    with app.app_context(), session_scope(app) as session:
        link = session.scalars(select(DemoResourceLink)).first()
        link.custom = {**link.custom, "pools": QUESTIONS, "attempts": "1", "time_limit": "60"}
        ids = []
        for n in range(count):
            user = DemoUser(sub=f"bench-{n:04d}", given_name="Student", family_name=f"{n:04d}",
                            email=f"s{n}@example.edu")
            session.add(user)
            session.flush()
            session.add(DemoEnrollment(course_id=link.course_id, user_id=user.id, role="learner"))
            ids.append(user.id)
        return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which students arrive")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds a student spends on a question before answering (uniform 0.5x-1.5x)")
    parser.add_argument("--database")
    args = parser.parse_args()

    stack = demo_stack(args.database)
    url, lms, app = stack.url, stack.lms, stack.app
    student_ids = add_students(app, args.students)
    server = stack.gunicorn(args.workers, args.threads)
    worker = stack.worker()
    steps: dict[str, list[float]] = {k: [] for k in ("launch", "start", "questions page", "autosave", "submit")}
    errors: list[str] = []
    submitted_at: dict[str, float] = {}
    lock = threading.Lock()

    def timed(step: str, call):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - start
        ok = response.status_code < 400
        with lock:
            (steps[step].append(elapsed) if ok else errors.append(f"{step}: {response.status_code} {response.url}"))
        return response if ok else None

    def student(index: int) -> None:
        try:
            take_exam(index)
        except HttpError as error:
            with lock:
                errors.append(f"student {index}: {error}")

    def take_exam(index: int) -> None:
        rng = random.Random(index)
        client = Browser()
        # Sign in to the LMS without rendering its course page: with 300 enrolled students that
        # page is the emulator's heaviest (a real LMS runs elsewhere) and is no step of the tool.
        client.request("POST", f"{lms}/course/1/whoami", {"user_id": str(student_ids[index]), "storage": "0"})
        page = timed("launch", lambda: client.follow("GET", f"{lms}/course/1/links/1/launch?storage=0"))
        if page is None:
            return
        start_action = re.search(r'<form method="post" action="([^"]+/start)"', page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if not (start_action and csrf):
            errors.append(f"no start button: {page.url}")
            return
        quiz = timed("start", lambda: client.follow("POST", urljoin(page.url, unescape(start_action.group(1))),
                                                    {"csrf_token": csrf.group(1)}))
        if quiz is None:
            return
        all_url = re.sub(r"/questions/\d+$", "/questions", quiz.url)
        full = timed("questions page", lambda: client.follow("GET", all_url))
        if full is None:
            return
        save_url = urljoin(full.url, unescape(re.search(r'data-autosave="([^"]+)"', full.text).group(1)))
        token = re.search(r'data-csrf="([^"]+)"', full.text).group(1)
        for slot, kind, html in SECTION.findall(full.text):
            time.sleep(rng.uniform(0.5, 1.5) * args.think)  # a student reading the question
            body = {"slot": int(slot), "response": answer_for(kind, html, rng)}
            timed("autosave", lambda body=body: client.request(
                "POST", save_url, json_body=body, headers={"X-CSRF-Token": token}))
        submit_url = re.sub(r"/questions$", "/submit", full.url)
        done = timed("submit", lambda: client.follow("POST", submit_url, {"csrf_token": token}))
        if done is not None:
            with lock:
                submitted_at[f"bench-{index:04d}"] = time.time()

    threads = []
    wall = time.perf_counter()
    try:
        for index in range(args.students):
            thread = threading.Thread(target=student, args=(index,))
            thread.start()
            threads.append(thread)
            time.sleep(args.ramp / max(args.students, 1))
        for thread in threads:
            thread.join()
        lags = wait_for_grades(app, submitted_at, timeout=120)
    finally:
        wall = time.perf_counter() - wall
        worker.terminate()
        server.terminate()
        worker.wait(timeout=10)
        server.wait(timeout=10)
        stack.drop()

    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"setup: gunicorn {args.workers} workers x {args.threads} threads, {url.split(':', 1)[0]}, "
          f"{args.students} students arriving over {args.ramp:.0f} s, ~{args.think:g} s per question, quiztool worker, "
          "load generator on the same machine")
    for step, values in steps.items():
        print(f"{step:>15}: {quantiles(values)}")
    print(f"errors: {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
    print(f"submitted: {len(submitted_at)}; grades recorded at the platform: {len(lags)}")
    if len(lags) >= 2:
        q = statistics.quantiles(lags, n=100)
        print(f"grade lag (submit answered -> score recorded by the platform): p50 {q[49]:.2f} s, p95 {q[94]:.2f} s")
    print(f"wall time: {wall:.0f} s")


def wait_for_grades(app, submitted_at: dict[str, float], timeout: float) -> list[float]:  # noqa: ANN001
    """Seconds from each student's submit to the first FullyGraded score the platform accepted."""
    from sqlalchemy import select

    from lti_tool.db import session_scope
    from lti_tool.models.demo_lms import DemoScorePost

    deadline = time.time() + timeout
    while True:
        with app.app_context(), session_scope(app) as session:
            posts = session.scalars(select(DemoScorePost).where(DemoScorePost.status_code < 300)).all()
            first: dict[str, datetime] = {}
            for post in posts:
                payload = post.payload if isinstance(post.payload, dict) else {}
                if payload.get("gradingProgress") == "FullyGraded" and post.user_sub in submitted_at:
                    first.setdefault(post.user_sub, post.received_at)
        if len(first) >= len(submitted_at) or time.time() > deadline:
            return [max(0.0, first[sub].astimezone(UTC).timestamp() - submitted_at[sub]) for sub in first]
        time.sleep(0.5)


if __name__ == "__main__":
    main()
