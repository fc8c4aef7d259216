"""Portable upserts for PostgreSQL and SQLite: ``INSERT ... ON CONFLICT (key) DO UPDATE`` (or
``DO NOTHING``), built once per shape."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Column
from sqlalchemy import Executable
from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table, key: dict[str, Any], values: dict[str, Any], *,
           keep_when_missing: tuple[str, ...] = (), returning: Column[Any] | None = None) -> Any:
    """Insert the row with this unique ``key``, or update its ``values``, in one statement.

    Concurrent writers of the same key (two first launches of one person on two workers) both
    succeed, with no savepoint and no retry. Columns named in ``keep_when_missing`` keep their
    stored value when the new one is None (a platform may withhold a name on one launch and
    send it on the next). Returns the written row's ``returning`` column, when asked.
    """
    statement = _statement(session.get_bind().dialect.name, table, tuple(key), tuple(values),
                           keep_when_missing, returning.name if returning is not None else None)
    result = session.execute(statement, {**key, **values})
    return result.scalar_one() if returning is not None else None


def upsert_rows(session: Session, table: Table, key: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """``upsert`` for several rows of the same shape in one round trip (the driver pipelines
    them): a login writes its state and its nonce together."""
    if not rows:
        return
    names = tuple(name for name in rows[0] if name not in key)
    statement = _statement(session.get_bind().dialect.name, table, key, names, (), None)
    session.execute(statement, rows)


@functools.lru_cache(maxsize=128)
def _statement(dialect: str, table: Table, key: tuple[str, ...], names: tuple[str, ...],
               keep_when_missing: tuple[str, ...], returning: str | None) -> Executable:
    """Built once per shape: upserts run on every launch and every autosave, and building the
    construct (and its cache key) each time costs more than executing it."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in key + names})
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={
            name: func.coalesce(excluded[name], table.c[name]) if name in keep_when_missing else excluded[name]
            for name in names
        },
    )
    return statement.returning(table.c[returning]) if returning else statement


def insert_if_absent(session: Session, table: Table, key: dict[str, Any], values: dict[str, Any]) -> bool:
    """Insert the row with this unique ``key`` unless it exists; True when this call inserted it.

    Simultaneous first writers (two first launches through a new deployment) all succeed and
    exactly one of them sees True; a stored row is never changed.
    """
    statement = _insert_ignoring_conflict(session.get_bind().dialect.name, table, tuple(key), tuple(values))
    return session.execute(statement, {**key, **values}).first() is not None  # a row only if inserted


@functools.lru_cache(maxsize=32)
def _insert_ignoring_conflict(dialect: str, table: Table, key: tuple[str, ...], names: tuple[str, ...]) -> Executable:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in key + names})
    return statement.on_conflict_do_nothing(index_elements=[table.c[name] for name in key]).returning(table.c[key[0]])
