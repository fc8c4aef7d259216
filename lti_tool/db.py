"""The database engines and the request-scoped Session.

Services receive a Session and only flush; the view (or CLI command, or worker) that called them
commits once. Outside a request, ``session_scope`` gives the same unit of work. The exception is
the OIDC login and the launch, the hottest requests: on PostgreSQL their session autocommits each
statement (see ``get_session``), so nothing they write may depend on a later write succeeding.
"""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import exc
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

EXTENSION_KEY = "quiztool.db"


#: PostgreSQL connections whose commits don't wait for the WAL flush (see ``get_session``).
RELAXED_OPTIONS = "-c synchronous_commit=off"


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    #: Sessions for the OIDC login and the launch (see ``get_session``). On PostgreSQL their
    #: connections come from a second, small pool in autocommit with synchronous_commit=off;
    #: elsewhere they are ``sessions``.
    relaxed_sessions: sessionmaker[Session]

    def dispose(self) -> None:
        """Close every pooled connection (before dropping a database, at shutdown)."""
        self.engine.dispose()
        relaxed_engine = self.relaxed_sessions.kw.get("bind")
        if relaxed_engine is not None and relaxed_engine is not self.engine:
            relaxed_engine.dispose()


def make_engine(url: str, *, ping_after_idle: float = 10.0, relaxed: bool = False) -> Engine:
    """The engine for ``url``. A pooled PostgreSQL connection is pinged before use when the server
    has sent something on it while idle (what a restart or pg_terminate_backend does) or when it
    sat idle longer than ``ping_after_idle`` seconds (a proxy or firewall may have dropped it
    silently). Busy connections skip the ping: it is a network round trip on every request."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL never corrupts; a power cut may lose the last commits, as with
            # PostgreSQL's synchronous_commit=off below. Full durability stays on PostgreSQL.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if relaxed:
        engine = create_engine(url, pool_size=5, max_overflow=10, isolation_level="AUTOCOMMIT",
                               connect_args={"options": RELAXED_OPTIONS})
    else:
        engine = create_engine(url, pool_size=10, max_overflow=10)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling without a round trip per checkout: a connection that
    fails the ping is discarded and the pool hands out a fresh one (SQLAlchemy retries)."""

    @event.listens_for(engine, "checkin")
    def _remember_checkin(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        last_used = record.info.get("checked_in_at")
        if last_used is None:
            return  # made for this checkout
        if time.monotonic() - last_used < idle_seconds and not _server_spoke(dbapi_connection):
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"idle connection failed its ping: {error}") from error
        if not alive:
            raise exc.DisconnectionError("idle connection failed its ping")


def _server_spoke(dbapi_connection) -> bool:  # noqa: ANN001
    """Whether an idle connection's socket is readable. Between transactions the server only
    speaks to end the connection (a termination notice, then end of file), so this means "ping
    it before use". A local poll, not a round trip; ``True`` when it cannot be checked."""
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # noqa: BLE001 - no poll(), or the driver says the connection is closed
        return True


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    ping_after = float(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    engine = make_engine(url, ping_after_idle=ping_after)
    sessions = sessionmaker(engine, expire_on_commit=False)
    relaxed = sessions
    if engine.dialect.name == "postgresql":
        relaxed = sessionmaker(make_engine(url, ping_after_idle=ping_after, relaxed=True), expire_on_commit=False)
    app.extensions[EXTENSION_KEY] = Database(engine, sessions, relaxed)
    app.teardown_appcontext(_close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[EXTENSION_KEY]


def get_session(*, relaxed: bool = False) -> Session:
    """The Session of the current request (or app context), created on first use.

    ``relaxed=True`` is for the OIDC login and the launch (the tool's and the demo LMS's), the
    hottest requests, whose writes each stand on their own (login state, a nonce consumed, the
    upserted user and course, a new tool session) and whose loss in a database crash costs only
    a relaunch. On PostgreSQL every statement then commits by itself (no BEGIN and COMMIT round
    trips) without waiting for the WAL flush. Never for answers, attempts or grades. The view
    passes it on its first call; a session made earlier only gets ``relax_durability``.
    """
    if "db_session" not in g:
        made = database().relaxed_sessions if relaxed else database().sessions
        g.db_session = made()
        g.db_session_relaxed = relaxed
    elif relaxed and not g.get("db_session_relaxed"):
        relax_durability(g.db_session)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything the view did not commit


def relax_durability(session: Session) -> None:
    """For transactions whose loss on a database crash costs only a relaunch (login state,
    nonces, tool sessions): don't wait for the WAL flush. Grades and answers never use this.
    A session made by ``get_session(relaxed=True)`` already is relaxed and needs no call."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """One unit of work outside a request: commit on success, roll back on error."""
    session = database(app).sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
