"""Grade delivery throughput and lag: N scores recorded at once, K ``quiztool worker`` processes
posting them to the demo LMS (served by gunicorn, 2 workers) over real HTTP.

Prints scores/s, lag from record to delivery (p50/p95/p99), token requests (1 expected: the token
is shared by every worker) and score POSTs received by the platform (N expected: no row is
posted twice). ``--fault 503`` makes the platform fail its next ``--fault-count`` requests first.

    .venv/bin/python bench/grades.py [--scores 300] [--workers 2] [--database URL] [--fault 503]

Without --database it uses $QUIZTOOL_TEST_POSTGRES_URL's server (a fresh database) when set,
else a SQLite file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser import Browser  # noqa: E402
from bench.stack import demo_stack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scores", type=int, default=300, help="students, one score each")
    parser.add_argument("--workers", type=int, default=2, help="quiztool worker processes")
    parser.add_argument("--database")
    parser.add_argument("--fault", choices=("none", "503", "429", "slow"), default="none")
    parser.add_argument("--fault-count", type=int, default=20)
    args = parser.parse_args()

    from sqlalchemy import func
    from sqlalchemy import select

    from lti_tool import grade_sync
    from lti_tool.db import database
    from lti_tool.db import session_scope
    from lti_tool.demo_lms import faults
    from lti_tool.models.base import utcnow
    from lti_tool.models.demo_lms import DemoEnrollment
    from lti_tool.models.demo_lms import DemoUser
    from lti_tool.models.grade_sync import DELIVERED
    from lti_tool.models.grade_sync import ScoreSubmission
    from lti_tool.models.lti import LtiUser
    from lti_tool.models.lti import ResourceLink

    stack = demo_stack(args.database, GRADE_RETRY_BASE_SECONDS="0.5", GRADE_WORKER_INTERVAL_SECONDS="0.2")
    url, drop, env, app = stack.url, stack.drop, stack.env, stack.app
    lms = stack.lms
    processes: list[subprocess.Popen] = []
    gunicorn = stack.gunicorn(2, 4)
    try:
        client = Browser()  # one real launch: the tool learns the link and its AGS endpoints
        client.follow("POST", f"{lms}/course/1/whoami", {"user_id": "3", "storage": "0"})
        client.follow("GET", f"{lms}/course/1/links/1/launch?storage=0")
        with session_scope(app) as session:
            link = session.scalars(select(ResourceLink)).one()
            platform_pk = link.platform_id
            users = []
            for n in range(args.scores):  # enrolled in the LMS and known to the tool
                sub = uuid.uuid4().hex
                person = DemoUser(sub=sub, given_name=f"S{n}", family_name="Bench", email=f"s{n}@bench.test")
                session.add(person)
                session.flush()
                session.add(DemoEnrollment(user_id=person.id, course_id=1, role="learner"))
                users.append(LtiUser(platform_id=platform_pk, sub=sub))
            session.add_all(users)
            session.flush()
            user_pks = [u.id for u in users]
            if args.fault != "none":
                faults.set_fault(session, args.fault, count=args.fault_count, delay=0.5 if args.fault == "slow" else None,
                                 retry_after=1 if args.fault == "429" else None)
        requests.post(f"{lms}/admin/stats/reset", timeout=10)
        with session_scope(app) as session:  # the moment of a mass submit
            for user_pk in user_pks:
                grade_sync.record_score(session, resource_link_pk=link.id, user_pk=user_pk, score_given=7,
                                        score_maximum=10, submitted_at=utcnow())
        wall = time.perf_counter()
        for _ in range(args.workers):
            processes.append(subprocess.Popen(
                [sys.executable, "-c", "from lti_tool.cli import main; main()", "worker"],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
            ))
        while True:
            with session_scope(app) as session:
                delivered = session.scalar(select(func.count()).where(ScoreSubmission.status == DELIVERED))
            if delivered >= args.scores or time.perf_counter() - wall > 600:
                break
            time.sleep(0.1)
        wall = time.perf_counter() - wall
        with session_scope(app) as session:
            rows = session.scalars(select(ScoreSubmission)).all()
            lags = sorted((r.delivered_at - r.created_at).total_seconds() for r in rows if r.delivered_at)
            tries = sum(r.tries for r in rows)
        counters = requests.get(f"{lms}/admin/stats", timeout=10).json()["counters"]
        book = requests.get(f"{lms}/course/1/gradebook.json", timeout=30).json()
        posts = [h for h in book["history"] if h["status"] == 200]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
        database(app).dispose()
        drop()

    q = statistics.quantiles(lags, n=100) if len(lags) >= 2 else [lags[0] if lags else 0.0] * 99
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"setup: demo LMS on gunicorn 2x4 gthread, {args.workers} quiztool worker process(es), "
          f"database {url.split(':', 1)[0]}, fault {args.fault}" + (f" x{args.fault_count}" if args.fault != "none" else ""))
    print(f"delivered {len(lags)}/{args.scores} in {wall:.1f} s -> {len(lags) / wall:.1f} scores/s; {tries} sends in all")
    print(f"lag record->delivered: p50 {q[49]:.2f} s, p95 {q[94]:.2f} s, p99 {q[98]:.2f} s (includes worker start-up)")
    print(f"platform: {counters.get('token_requests', 0)} token request(s), {len(posts)} accepted score POSTs, "
          f"{counters.get('ags_requests', 0)} AGS requests, {counters.get('faults_injected', 0)} faults injected")


if __name__ == "__main__":
    main()
