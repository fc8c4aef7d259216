"""One portable upsert for PostgreSQL and SQLite: ``INSERT ... ON CONFLICT (key) DO UPDATE``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column
from sqlalchemy import Table
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
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(**key, **values)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={
            name: func.coalesce(excluded[name], table.c[name]) if name in keep_when_missing else excluded[name]
            for name in values
        },
    )
    if returning is None:
        session.execute(statement)
        return None
    return session.execute(statement.returning(returning)).scalar_one()
