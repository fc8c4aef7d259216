"""Shared fixtures: the two database backends, a migrated schema per backend, and clean tables.

Tests that touch the database take ``database_url``; they run once against SQLite and once
against the PostgreSQL server named by QUIZTOOL_TEST_POSTGRES_URL (skipped, loudly, without it).
The schema comes from the Alembic migrations, exactly as in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lti_tool import migrate
from lti_tool.models import Base

pytest_plugins = ["tests.support.stack"]

POSTGRES_URL = os.environ.get("QUIZTOOL_TEST_POSTGRES_URL", "")
NO_POSTGRES = (
    "QUIZTOOL_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is SKIPPED. "
    "scripts/test sets it when a server answers on 127.0.0.1:5432."
)


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return f"databases: SQLite and PostgreSQL ({make_url(POSTGRES_URL).render_as_string(hide_password=True)})"
    return "databases: SQLite only. " + NO_POSTGRES


def _create_postgres_database() -> tuple[str, str]:
    admin_url = make_url(POSTGRES_URL)
    name = f"quiztool_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    engine = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def migrated_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest migration, one per backend for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'quiztool.db'}"
        migrate.upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url, name = _create_postgres_database()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        _drop_postgres_database(name)


def empty_all_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def database_url(migrated_database: str) -> str:
    """The backend's database with every table emptied before the test."""
    empty_all_tables(migrated_database)
    return migrated_database
