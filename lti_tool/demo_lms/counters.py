"""Request counters shared by all workers, so tests can check a tool caches its access tokens.

Each increment is its own committed transaction: a refused request still counts.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db import session_scope
from lti_tool.models.demo_lms import DemoCounter

TOKEN_REQUESTS = "token_requests"
TOKENS_ISSUED = "tokens_issued"
AGS_REQUESTS = "ags_requests"
NRPS_REQUESTS = "nrps_requests"
FAULTS_INJECTED = "faults_injected"


def increment(name: str) -> None:
    with session_scope() as session:
        _increment(session, name)


def _increment(session: Session, name: str) -> None:
    done = session.execute(
        update(DemoCounter).where(DemoCounter.name == name).values(value=DemoCounter.value + 1)
    )
    if done.rowcount:  # type: ignore[attr-defined]
        return
    session.add(DemoCounter(name=name, value=1))
    try:
        session.flush()
    except IntegrityError:  # another worker created it first
        session.rollback()
        session.execute(
            update(DemoCounter).where(DemoCounter.name == name).values(value=DemoCounter.value + 1)
        )


def snapshot(session: Session) -> dict[str, int]:
    return {c.name: c.value for c in session.scalars(select(DemoCounter).order_by(DemoCounter.name))}


def reset(session: Session) -> None:
    for counter in session.scalars(select(DemoCounter)):
        counter.value = 0
