"""Several workers at once, and a worker killed in the middle of a delivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

from lti_tool.models.grade_sync import DELIVERED
from lti_tool.models.grade_sync import SENDING
from lti_tool.worker import deliver_once
from lti_tool.worker import make_publisher
from tests.grades.conftest import at_the_same_millisecond
from tests.grades.conftest import deliver_until_settled
from tests.grades.conftest import grade_of
from tests.grades.conftest import gradebook
from tests.grades.conftest import launch_learners
from tests.grades.conftest import outbox
from tests.grades.conftest import record
from tests.grades.conftest import set_fault
from tests.grades.conftest import stats


def test_parallel_workers_never_post_the_same_row_twice(demo_stack) -> None:
    students = launch_learners(demo_stack, 3)
    # Slow answers keep rows in flight while the other workers look for work.
    set_fault(demo_stack, "slow", delay=0.3, count=4, endpoints=["ags"])
    for given, student in zip((3, 6, 9), students):
        record(demo_stack, student, given)
    errors: list[BaseException] = []

    def work() -> None:
        publisher = make_publisher(demo_stack.app)
        try:
            for _ in range(15):
                deliver_once(demo_stack.app, publisher=publisher, limit=1)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            publisher.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    deliver_until_settled(demo_stack)
    assert all(r.status == DELIVERED and r.tries == 1 for r in outbox(demo_stack))
    book = gradebook(demo_stack)
    assert Counter(h["user_id"] for h in book["history"]) == Counter(s.sub for s in students)
    assert stats(demo_stack)["token_requests"] == 1  # the workers shared one token


def _worker_process(stack, lease_seconds: int) -> subprocess.Popen:  # noqa: ANN001
    env = {
        **os.environ,
        "QUIZTOOL_ENV": "development",
        "QUIZTOOL_SECRET_KEY": "worker-test",
        "QUIZTOOL_DATABASE_URL": stack.app.config["DATABASE_URL"],
        "QUIZTOOL_GRADE_CLAIM_SECONDS": str(lease_seconds),
        "QUIZTOOL_GRADE_WORKER_INTERVAL_SECONDS": "0.1",
        "QUIZTOOL_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-c", "from lti_tool.cli import main; main()", "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition, what: str, seconds: float = 60) -> None:  # noqa: ANN001
    give_up = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_leaves_the_row_to_the_next_worker(demo_stack) -> None:
    (ana,) = launch_learners(demo_stack, 1)
    set_fault(demo_stack, "slow", delay=3, count=1, endpoints=["ags"])
    row_id = record(demo_stack, ana, 7)
    process = _worker_process(demo_stack, lease_seconds=2)
    try:
        # The worker has claimed the row and its score POST is being held by the platform.
        _wait_for(lambda: stats(demo_stack).get("faults_injected", 0) == 1, "the slow score POST")
        assert outbox(demo_stack)[0].status == SENDING
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stderr.close()
    deliver_until_settled(demo_stack)  # the next worker, once the dead one's lease is over
    (delivered,) = outbox(demo_stack)
    assert delivered.id == row_id and delivered.status == DELIVERED and delivered.tries == 2
    # The platform still finishes the dead worker's POST (it never saw the client go). Its
    # timestamp is older than the retry's, so whichever order they arrive in, the newest stands.
    _wait_for(lambda: len(gradebook(demo_stack)["history"]) == 2, "the platform to finish the dead worker's POST")
    book = gradebook(demo_stack)
    assert grade_of(book, ana.sub)["score"] == 7 / 10 * book["line_items"][0]["score_maximum"]
    assert at_the_same_millisecond(grade_of(book, ana.sub)["timestamp"], delivered.score_timestamp)
    assert sorted(h["status"] for h in book["history"]) in ([200, 200], [200, 409])


def test_the_worker_command_delivers_and_stops_on_sigterm(demo_stack) -> None:
    students = launch_learners(demo_stack, 2)
    for student in students:
        record(demo_stack, student, 5)
    process = _worker_process(demo_stack, lease_seconds=60)
    try:
        _wait_for(lambda: all(r.status == DELIVERED for r in outbox(demo_stack)), "delivery by the worker")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stderr.close()


def test_parallel_workers_create_one_line_item_for_a_link_without_one(demo_stack) -> None:
    """Without the launch's ``lineitem`` the first delivery finds or creates it; workers racing
    for the link's other students must not create a second gradebook column."""
    from lti_tool.db import session_scope
    from lti_tool.models.lti import ResourceLink

    students = launch_learners(demo_stack, 3)
    with session_scope(demo_stack.app) as session:
        session.get(ResourceLink, students[0].link_pk).ags_lineitem = None
    for given, student in zip((3, 6, 9), students):
        record(demo_stack, student, given)

    def work() -> None:
        publisher = make_publisher(demo_stack.app)
        try:
            for _ in range(10):
                deliver_once(demo_stack.app, publisher=publisher, limit=1)
        finally:
            publisher.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deliver_until_settled(demo_stack)
    book = gradebook(demo_stack)
    created = [i for i in book["line_items"] if i["tag"] == "quiztool-grade"]
    assert len(created) == 1
    assert all(r.status == DELIVERED for r in outbox(demo_stack))
    assert {h["line_item_id"] for h in book["history"]} == {created[0]["id"]}


def test_a_slow_pass_gives_back_rows_whose_lease_may_run_out(demo_stack) -> None:
    """Rows claimed together are not sent once half their lease is gone: another worker may be
    about to take them over, and both would post them."""
    from lti_tool import grade_sync
    from lti_tool.db import database
    from lti_tool.models.grade_sync import PENDING

    students = launch_learners(demo_stack, 3)
    ids = [record(demo_stack, student, 5) for student in students]
    sent: list[int] = []

    class SlowPublisher:
        def publish(self, score: grade_sync.OutgoingScore) -> grade_sync.PublishResult:
            sent.append(score.submission_id)
            time.sleep(0.6)
            return grade_sync.PublishResult("delivered", 200)

    report = grade_sync.deliver_pending(database(demo_stack.app).sessions, SlowPublisher(), limit=10,
                                       policy=grade_sync.DeliveryPolicy(lease_seconds=1.0))
    assert sent == ids[:1] and report.delivered == 1 and report.held_back == 2
    given_back = outbox(demo_stack)[1:]
    assert all(r.status == PENDING and r.tries == 0 and r.claim_token is None for r in given_back)
