"""Which writes wait for the disk: answers, attempts and grades always; the OIDC login and the
launch (state, nonces, tool sessions: lost in a crash, they cost a relaunch) don't, on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lti_tool import create_app
from lti_tool.db import database
from lti_tool.db import get_session
from lti_tool.db import session_scope


@pytest.fixture
def app(database_url):  # noqa: ANN001, ANN201
    app = create_app({"DATABASE_URL": database_url, "ENV": "development", "SECRET_KEY": "durability"})
    yield app
    database(app).dispose()


def _settings(session) -> tuple[str, str]:  # noqa: ANN001
    """(synchronous_commit, "autocommit" or "transaction") of the session's connection."""
    sync = session.execute(text("SHOW synchronous_commit")).scalar_one()
    driver_connection = session.connection().connection.dbapi_connection
    return sync, "autocommit" if driver_connection.autocommit else "transaction"


def test_only_login_and_launch_sessions_skip_the_wait_for_the_disk(app) -> None:
    if database(app).engine.dialect.name == "sqlite":
        # One pool: WAL with synchronous=NORMAL for everything (see lti_tool.db).
        assert database(app).relaxed_sessions is database(app).sessions
        return
    with app.test_request_context("/s/token/"):
        assert _settings(get_session()) == ("on", "transaction")
    with session_scope(app) as session:  # the grade worker and the CLI
        assert _settings(session) == ("on", "transaction")
    with app.test_request_context("/lti/launch", method="POST"):
        assert _settings(get_session(relaxed=True)) == ("off", "autocommit")


def test_a_request_that_already_has_a_durable_session_only_relaxes_its_transaction(app) -> None:
    with app.test_request_context("/lti/login"):
        first = get_session()
        assert get_session(relaxed=True) is first
        if database(app).engine.dialect.name == "postgresql":
            assert _settings(first) == ("off", "transaction")  # SET LOCAL: this transaction only
            first.rollback()
            assert _settings(first)[0] == "on"
