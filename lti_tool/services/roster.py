"""The course roster, cached from the platform's Names and Role Provisioning Service.

The web layer asks the platform (``lti_tool.lti.nrps``) and hands the members here. Every member
gets an ``LtiUser`` (so a student who never opened the tool has a row the dashboard, accommodations
and exports can name) and a ``RosterEntry`` in the platform's order; members who left are
removed. A failed read keeps the previous roster and records the platform's answer, which the
instructor sees as it was given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol

from sqlalchemy import Row
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.lti import Context
from lti_tool.models.lti import LtiUser
from lti_tool.models.lti import RosterEntry
from lti_tool.models.upsert import upsert
from lti_tool.models.upsert import upsert_rows


class Member(Protocol):
    """What a roster member carries (``lti_tool.lti.nrps.Member`` is one)."""

    user_id: str
    name: str | None
    email: str | None
    roles: tuple[str, ...]

    @property
    def is_learner(self) -> bool: ...

    @property
    def active(self) -> bool: ...


_USERS = LtiUser.__table__
_ENTRIES = RosterEntry.__table__


def is_fresh(context: Context, now: datetime, max_age: timedelta) -> bool:
    return context.roster_fetched_at is not None and now - context.roster_fetched_at < max_age


def store(session: Session, context: Context, members: Iterable[Member], now: datetime) -> int:
    """Replace the cached roster of ``context`` with ``members``; returns how many. Flushes.

    A thousand members cost a handful of statements: the known users are read at once, new ones
    inserted in one batch, and only names that changed are written one by one."""
    listed = list({m.user_id: m for m in members}.values())
    known = _users_by_sub(session, context.platform_id, [m.user_id for m in listed])
    new = [{"platform_id": context.platform_id, "sub": m.user_id, "name": m.name, "email": m.email, "updated_at": now}
           for m in listed if m.user_id not in known]
    upsert_rows(session, _USERS, ("platform_id", "sub"), new)
    for member in listed:
        found = known.get(member.user_id)
        if found is not None and ((member.name or found.name) != found.name or (member.email or found.email) != found.email):
            upsert(session, _USERS, {"platform_id": context.platform_id, "sub": member.user_id},
                   {"name": member.name, "email": member.email, "updated_at": now}, keep_when_missing=("name", "email"))
    if new:
        known.update(_users_by_sub(session, context.platform_id, [row["sub"] for row in new]))
    upsert_rows(session, _ENTRIES, ("context_pk", "user_pk"), [
        {"context_pk": context.id, "user_pk": known[m.user_id].id, "roles": list(m.roles), "is_learner": m.is_learner,
         "active": m.active, "position": position, "fetched_at": now}
        for position, m in enumerate(listed)
    ])
    session.execute(
        delete(RosterEntry)
        .where(RosterEntry.context_pk == context.id, RosterEntry.user_pk.not_in([known[m.user_id].id for m in listed]))
        .execution_options(synchronize_session=False)
    )
    context.roster_fetched_at = now
    context.roster_error = None
    context.roster_error_at = None
    session.flush()
    return len(listed)


def _users_by_sub(session: Session, platform_id: int, subs: list[str]) -> dict[str, Row[Any]]:
    found: dict[str, Row[Any]] = {}
    for start in range(0, len(subs), 500):
        rows = session.execute(
            select(_USERS.c.id, _USERS.c.sub, _USERS.c.name, _USERS.c.email)
            .where(_USERS.c.platform_id == platform_id, _USERS.c.sub.in_(subs[start:start + 500]))
        )
        found.update({row.sub: row for row in rows})
    return found


def record_failure(session: Session, context: Context, message: str, now: datetime) -> None:
    context.roster_error = message[:2000]
    context.roster_error_at = now
    session.flush()
