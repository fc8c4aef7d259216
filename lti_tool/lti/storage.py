"""pylti1p3's launch data storage backed by our database.

Login state, nonces and validated launches live in the ``launch_data`` table, so a login that
starts on one worker or host completes on any other. Keys are not bound to a session cookie
(cookies in an LMS iframe are unreliable); the browser binding is the state check in launch.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.upsert import insert_if_absent
from lti_tool.models.upsert import upsert
from lti_tool.models.upsert import upsert_rows
from lti_tool.models.base import utcnow
from lti_tool.models.lti import LaunchData

DEFAULT_LIFETIME_SECONDS = 86400

# Every login and launch runs these: built once, on the table (no ORM objects to track).
_TABLE = LaunchData.__table__
_LIVE_VALUE = select(_TABLE.c.value).where(_TABLE.c.key == bindparam("key"), _TABLE.c.expires_at > bindparam("now"))
_LIVE_PAIR = select(_TABLE.c.key, _TABLE.c.value).where(
    _TABLE.c.key.in_([bindparam("first"), bindparam("second")]), _TABLE.c.expires_at > bindparam("now"))


class DatabaseLaunchDataStorage(LaunchDataStorage[Any]):
    _session_cookie_name = ""  # no session-id cookie: see module docstring

    def __init__(self, session: Session, *, batch_writes: bool = False) -> None:
        """``batch_writes``: keep ``set_value`` rows until ``write_batch`` (a login writes its
        state and nonce in one round trip); reads in between would not see them."""
        super().__init__()
        self._db = session
        self._batch: list[dict[str, Any]] | None = [] if batch_writes else None

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self._db.execute(_LIVE_VALUE, {"key": self._prepare_key(key), "now": utcnow()}).scalar()

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        """One upsert statement: nonces and states are new random keys, so this is the hot path
        of every login."""
        expires_at = utcnow() + timedelta(seconds=exp or DEFAULT_LIFETIME_SECONDS)
        if self._batch is not None:
            self._batch.append({"key": self._prepare_key(key), "value": value, "expires_at": expires_at})
            return
        upsert(self._db, LaunchData.__table__, {"key": self._prepare_key(key)},
               {"value": value, "expires_at": expires_at})

    def write_batch(self) -> None:
        """Write what ``set_value`` kept (with ``batch_writes``), in one statement."""
        if self._batch:
            upsert_rows(self._db, LaunchData.__table__, ("key",), self._batch)
            self._batch.clear()

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def get_pair(self, first: str, second: str) -> tuple[Any, Any]:
        """The live values of two keys (None where absent), in one round trip."""
        keys = (self._prepare_key(first), self._prepare_key(second))
        found = dict(self._db.execute(_LIVE_PAIR, {"first": keys[0], "second": keys[1], "now": utcnow()}).all())
        return found.get(keys[0]), found.get(keys[1])

    def claim(self, key: str, exp: int) -> bool:
        """Write ``key`` unless it exists; True only for the one caller that wrote it (single use
        that remembers it was used: a second claim is told apart from an unknown key)."""
        return insert_if_absent(self._db, _TABLE, {"key": self._prepare_key(key)},
                                {"value": True, "expires_at": utcnow() + timedelta(seconds=exp)})


def purge_expired(session: Session) -> int:
    """Remove expired rows; run by the CLI/worker so the table stays small."""
    result = session.execute(delete(LaunchData).where(LaunchData.expires_at <= utcnow()))
    return result.rowcount  # type: ignore[attr-defined]


def count_live(session: Session) -> int:
    return len(list(session.scalars(select(LaunchData.key).where(LaunchData.expires_at > utcnow()))))
