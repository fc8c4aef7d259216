"""One person's data: everything the tool holds about them (export), all of it gone (erase), and
submitted attempts dropped after the retention period.

A person is one platform's LTI user (``platform id`` + ``sub``). Their rows are found from the
schema itself: every table with a foreign key to ``lti_users``, and every table hanging from
those (an attempt's answers), so a table added later is exported and erased without a change
here. A foreign key declared ``ON DELETE SET NULL`` marks a row that is not the person's own
(say, content they authored): erasing clears the reference and keeps the row. Launch data pylti1p3 kept for a deep-linking launch is found through the person's tool
sessions. What went to the LMS gradebook stays the LMS's business.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Table
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.models import Base
from lti_tool.models.assessment import SUBMITTED
from lti_tool.models.assessment import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.lti import LaunchData
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import ToolSession
from lti_tool.models.platform import Platform

log = logging.getLogger(__name__)

EXPORT_FORMAT = "quiztool-personal-data/1"


class PersonNotFound(LookupError):
    """No such platform, or the platform knows no such user."""


@dataclass(frozen=True)
class _Holder:
    """A table holding a person's rows, and how to select them: ``column`` in ``owners``."""

    table: Table
    column: str
    parent: _Holder | None
    #: The row only refers to the person (``ON DELETE SET NULL``): erase clears the column.
    refers_only: bool = False

    def rows_of(self, user_id: int) -> ColumnElement[bool]:
        column = self.table.c[self.column]
        if self.parent is None:
            return column == user_id
        parent_key = next(iter(self.parent.table.primary_key.columns))
        return column.in_(select(parent_key).where(self.parent.rows_of(user_id)))


def _holders() -> list[_Holder]:
    """Tables holding a person's rows, parents before children (breadth first from lti_users)."""
    users = LtiUser.__table__
    found: list[_Holder] = []
    frontier: list[tuple[Table, _Holder | None]] = [(users, None)]  # type: ignore[list-item]
    while frontier:
        parent_table, parent = frontier.pop(0)
        for table in Base.metadata.sorted_tables:
            for key in table.foreign_keys:
                if key.column.table is parent_table and key.column.primary_key and table is not parent_table:
                    refers_only = (key.ondelete or "").upper() == "SET NULL"
                    holder = _Holder(table, key.parent.name, parent, refers_only)
                    found.append(holder)
                    if not refers_only:
                        frontier.append((table, holder))
    return found


def find_person(session: Session, platform_id: int, sub: str) -> LtiUser:
    if session.get(Platform, platform_id) is None:
        raise PersonNotFound(f"no platform {platform_id} (quiztool platform list shows them)")
    user = session.scalars(select(LtiUser).where(LtiUser.platform_id == platform_id, LtiUser.sub == sub)).first()
    if user is None:
        raise PersonNotFound(f"platform {platform_id} has no user with LTI user id {sub!r}")
    return user


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    return {column.name: _plain(row._mapping[column]) for column in table.columns}


def _launch_keys(user_id: int) -> Any:
    return select(ToolSession.launch_id).where(ToolSession.user_id == user_id)


def export_person(session: Session, user: LtiUser) -> dict[str, Any]:
    """Every row the tool holds about ``user``, by table, as plain JSON values."""
    users = LtiUser.__table__
    tables: dict[str, list[dict[str, Any]]] = {
        users.name: [_row(users, r) for r in session.execute(select(users).where(users.c.id == user.id))]  # type: ignore[arg-type]
    }
    for holder in _holders():
        ordered = select(holder.table).where(holder.rows_of(user.id)).order_by(*holder.table.primary_key.columns)
        tables.setdefault(holder.table.name, []).extend(_row(holder.table, r) for r in session.execute(ordered))
    launch_data = LaunchData.__table__
    tables[launch_data.name] = [_row(launch_data, r) for r in session.execute(  # type: ignore[arg-type]
        select(launch_data).where(launch_data.c.key.in_(_launch_keys(user.id))))]
    platform = session.get(Platform, user.platform_id)
    assert platform is not None
    log.info("personal data exported: platform %s, user %s (%s rows)", platform.id, user.id,
             sum(len(rows) for rows in tables.values()), extra={"event": "user.exported", "user": user.id})
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "platform": {"id": platform.id, "issuer": platform.issuer, "client_id": platform.client_id},
        "lti_user_id": user.sub,
        "tables": {name: rows for name, rows in tables.items() if rows},
    }


def erase_person(session: Session, user: LtiUser) -> dict[str, int]:
    """Delete every row of ``user`` (children first; rows that only refer to them lose the
    reference); returns the count of rows changed per table. Flushes."""
    counts: dict[str, int] = {}
    launch_data = LaunchData.__table__
    counts[launch_data.name] = session.execute(
        delete(launch_data).where(launch_data.c.key.in_(_launch_keys(user.id)))
    ).rowcount  # type: ignore[attr-defined]
    for holder in reversed(_holders()):
        if holder.refers_only:
            statement = update(holder.table).where(holder.rows_of(user.id)).values({holder.column: None})
        else:
            statement = delete(holder.table).where(holder.rows_of(user.id))
        changed = session.execute(statement).rowcount  # type: ignore[attr-defined]
        counts[holder.table.name] = counts.get(holder.table.name, 0) + changed
    users = LtiUser.__table__
    counts[users.name] = session.execute(delete(users).where(users.c.id == user.id)).rowcount  # type: ignore[attr-defined]
    session.expunge(user)
    log.info("personal data erased: platform %s, user %s (%s rows)", user.platform_id, user.id,
             sum(counts.values()), extra={"event": "user.erased", "user": user.id, "rows": counts})
    return {name: count for name, count in counts.items() if count}


def purge_old_attempts(session: Session, *, older_than_days: float, now: datetime | None = None) -> int:
    """Delete submitted attempts (and their answers) submitted more than ``older_than_days`` ago;
    attempts in progress are never touched. 0 or less keeps everything. Flushes; returns how many."""
    if older_than_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    old = select(Attempt.id).where(Attempt.state == SUBMITTED, Attempt.submitted_at < cutoff)
    attempts = Attempt.__table__
    for holder in reversed(_holders()):  # rows hanging from attempts (answers), then the attempts
        if holder.parent is not None and holder.parent.table is attempts and not holder.refers_only:
            session.execute(delete(holder.table).where(holder.table.c[holder.column].in_(old)))
    removed = session.execute(delete(attempts).where(attempts.c.id.in_(old))).rowcount  # type: ignore[attr-defined]
    if removed:
        log.info("retention: deleted %s attempt(s) submitted before %s (RETENTION_DAYS=%s)", removed,
                 cutoff.date().isoformat(), older_than_days, extra={"event": "retention.purged", "attempts": removed})
    return removed
