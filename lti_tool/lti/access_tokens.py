"""OAuth2 client-credentials tokens for platform services, cached in the database.

One token per (issuer, client id, token URL, scope set), shared by every worker on every host and
used until shortly before it expires: Canvas throttles per installation and charges each token
request up front, so asking for a token per score gets a tool rate-limited (LTI-NOTES §3.4).

A worker that finds no usable token takes a short refresh lease on the cache row while it asks
the platform, so concurrent workers wait for that one token instead of each requesting their own.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import jwt
import requests
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.lti.keys import signing_key
from lti_tool.lti.outbound import OutboundRefused
from lti_tool.lti.outbound import request_limited
from lti_tool.models.base import utcnow
from lti_tool.models.grade_sync import AccessToken
from lti_tool.models.platform import Platform

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 300
#: Stop using a token this long before it expires (bounded by a tenth of its lifetime).
EXPIRY_MARGIN_SECONDS = 60


class TokenRequestFailed(Exception):
    """The token endpoint did not give a token; ``response`` is None on timeouts and
    connection errors."""

    def __init__(self, message: str, response: requests.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


@dataclass(frozen=True)
class TokenScope:
    issuer: str
    client_id: str
    token_url: str
    audience: str
    scopes: tuple[str, ...]

    @classmethod
    def of(cls, platform: Platform, scopes: tuple[str, ...] | list[str]) -> TokenScope:
        return cls(
            platform.issuer,
            platform.client_id,
            platform.auth_token_url,
            platform.auth_audience or platform.auth_token_url,
            tuple(sorted(set(scopes))),
        )

    @property
    def cache_key(self) -> str:
        parts = "\n".join((self.issuer, self.client_id, self.token_url, " ".join(self.scopes)))
        return hashlib.sha256(parts.encode()).hexdigest()


def client_assertion(session: Session, scope: TokenScope) -> str:
    """The JWT that authenticates us at the token endpoint (``private_key_jwt``)."""
    key = signing_key(session)
    now = int(time.time())
    claims = {
        "iss": scope.client_id,
        "sub": scope.client_id,
        "aud": scope.audience,  # exactly as registered: Canvas refuses a trailing slash
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECONDS,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid})


#: A token answer is a few hundred bytes.
MAX_TOKEN_ANSWER_BYTES = 64 * 1024


class TokenCache:
    def __init__(self, session_factory: Callable[[], Session], http: requests.Session, timeout: float) -> None:
        self._sessions = session_factory
        self._http = http
        self._timeout = timeout

    def token(self, scope: TokenScope, *, not_this: str | None = None) -> str:
        """A live token for ``scope``; ``not_this`` is a token the platform just refused (401),
        which is replaced, once, by whichever worker gets there first.

        The worker that refreshes holds a short lease on the cache row (``refreshing_until``)
        rather than a lock across the network call: the platform may share our database (the
        demo LMS does) and SQLite would block it."""
        give_up_waiting = time.monotonic() + self._timeout + 5
        while True:
            cached = self._cached(scope, not_this)
            if cached:
                return cached
            if self._take_refresh_lease(scope) or time.monotonic() > give_up_waiting:
                break
            time.sleep(0.05)  # another worker is asking the platform right now
        cached = self._cached(scope, not_this)  # it may have finished between our two looks
        if cached:
            self._release(scope)
            return cached
        try:
            with self._sessions() as session:
                assertion = client_assertion(session, scope)
                session.commit()
            token, lifetime = self._request(scope, assertion)
        except BaseException:
            self._release(scope)
            raise
        with self._sessions() as session:
            now = utcnow()
            session.execute(
                update(AccessToken)
                .where(AccessToken.cache_key == scope.cache_key)
                .values(access_token=token, fetched_at=now, expires_at=now + timedelta(seconds=lifetime),
                        refreshing_until=None)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        return token

    def _cached(self, scope: TokenScope, not_this: str | None) -> str | None:
        with self._sessions() as session:
            row = session.scalars(select(AccessToken).where(AccessToken.cache_key == scope.cache_key)).first()
            if row is None or not row.access_token or row.expires_at is None or row.access_token == not_this:
                return None
            lifetime = (row.expires_at - (row.fetched_at or row.expires_at)).total_seconds()
            margin = min(EXPIRY_MARGIN_SECONDS, max(lifetime / 10, 1))
            if row.expires_at - timedelta(seconds=margin) <= utcnow():
                return None
            return row.access_token

    def _take_refresh_lease(self, scope: TokenScope) -> bool:
        with self._sessions() as session:
            self._ensure_row(session, scope)
            now = utcnow()
            taken = session.execute(
                update(AccessToken)
                .where(
                    AccessToken.cache_key == scope.cache_key,
                    or_(AccessToken.refreshing_until.is_(None), AccessToken.refreshing_until < now),
                )
                .values(refreshing_until=now + timedelta(seconds=self._timeout + 5))
                .execution_options(synchronize_session=False)
            )
            session.commit()
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    def _release(self, scope: TokenScope) -> None:
        with self._sessions() as session:
            session.execute(
                update(AccessToken)
                .where(AccessToken.cache_key == scope.cache_key)
                .values(refreshing_until=None)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    def _ensure_row(self, session: Session, scope: TokenScope) -> None:
        exists = session.scalars(select(AccessToken.id).where(AccessToken.cache_key == scope.cache_key)).first()
        if exists is not None:
            return
        try:
            session.add(
                AccessToken(
                    cache_key=scope.cache_key,
                    issuer=scope.issuer,
                    client_id=scope.client_id,
                    token_url=scope.token_url,
                    scopes=" ".join(scope.scopes),
                )
            )
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker created it a moment ago

    def _request(self, scope: TokenScope, assertion: str) -> tuple[str, float]:
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": " ".join(scope.scopes),
        }
        try:
            response = request_limited(self._http, "POST", scope.token_url, data=data, timeout=self._timeout,
                                       headers={"Accept": "application/json"}, max_bytes=MAX_TOKEN_ANSWER_BYTES)
        except OutboundRefused as exc:
            raise TokenRequestFailed(f"token endpoint refused by the tool: {exc}") from exc
        except requests.RequestException as exc:
            raise TokenRequestFailed(f"token endpoint unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise TokenRequestFailed(f"token endpoint answered {response.status_code}", response)
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenRequestFailed("token endpoint answered 200 without an access_token", response) from exc
        return token, lifetime
