"""The database drops every connection between two answer saves (a restart, a failover): the
saved answers survive and the next save works (the engine pings pooled connections first)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text

from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.models.assessment import Answer
from tests.attempts.conftest import configure_link
from tests.attempts.conftest import correct_responses
from tests.attempts.conftest import launch


def terminate_connections(url: str) -> int:
    """What a restart does to the app: every server process of its database ends."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            ended = [row.pid for row in connection.execute(text(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))]
            # pg_terminate_backend only signals: wait until the processes are gone, as a restart
            # is over before clients come back (else a request may race the dying backend)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": ended}).scalar():
                time.sleep(0.05)
            return len(ended)
    finally:
        engine.dispose()


def test_answers_survive_and_saving_goes_on_after_the_connections_drop(demo_stack, people) -> None:
    if database(demo_stack.app).engine.dialect.name != "postgresql":
        pytest.skip("terminating server connections is a PostgreSQL test")
    configure_link(demo_stack, {"pools": "components:2,barriers:2,comparison:2"})
    student = launch(demo_stack, people["learners"][0])
    attempt_id, _ = student.start()
    keys = correct_responses(demo_stack, attempt_id)
    assert student.autosave(attempt_id, 1, keys[1]).status_code == 200
    assert terminate_connections(demo_stack.app.config["DATABASE_URL"]) >= 1
    assert student.autosave(attempt_id, 2, keys[2]).status_code == 200
    assert terminate_connections(demo_stack.app.config["DATABASE_URL"]) >= 1
    assert student.get(f"attempts/{attempt_id}/questions/3").status_code == 200
    with session_scope(demo_stack.app) as session:
        saved = {a.slot: a.response for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))}
    assert set(saved) == {1, 2}
