"""Whether this process can serve launches: the database answers, its schema is the one this
code expects, and the tool has a key to sign with. Two indexed queries on a pooled connection,
cheap enough for a load balancer to ask every second."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy import exc
from sqlalchemy import select
from sqlalchemy import text

from lti_tool.models.platform import ToolKey

OK = "ok"


@dataclass(frozen=True)
class Readiness:
    #: check name -> "ok" or what is wrong, in words an operator acts on.
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


def readiness(engine: Engine, expected_revisions: frozenset[str], known_revisions: frozenset[str]) -> Readiness:
    """``expected_revisions``: this code's migration heads; ``known_revisions``: all it has. A
    database at a revision this code does not know was migrated by a newer release: still ready,
    so the old processes keep serving during a rolling upgrade."""
    try:
        with engine.connect() as connection:
            revisions = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
            has_key = connection.execute(
                select(ToolKey.id).where(ToolKey.retire_at.is_(None)).limit(1)
            ).first() is not None
    except exc.DBAPIError as error:
        reason = (str(error.orig).strip().splitlines() or ["no answer"])[0]
        if "alembic_version" in reason:
            return Readiness({"database": OK, "migrations": "no schema: run quiztool db upgrade",
                              "signing_key": "unknown"})
        return Readiness({"database": f"unreachable: {reason}", "migrations": "unknown", "signing_key": "unknown"})
    checks = {"database": OK}
    if revisions == expected_revisions or (revisions and not revisions <= known_revisions):
        checks["migrations"] = OK
    else:
        checks["migrations"] = (f"database at {', '.join(sorted(revisions)) or 'no revision'}, this code "
                                f"needs {', '.join(sorted(expected_revisions))}: run quiztool db upgrade")
    checks["signing_key"] = OK if has_key else "no signing key yet: run quiztool db upgrade"
    return Readiness(checks)
