"""pylti1p3's ToolConf backed by the platforms table, one instance per request.

Registrations are always looked up by issuer *and* client id (hosted Canvas shares one issuer
across every institution), so ``check_iss_has_one_client`` is always false.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.lti import keys
from lti_tool.models.base import utcnow
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.models.upsert import insert_if_absent


@dataclass(frozen=True, slots=True)
class PlatformRecord:
    """A registration as a login or a launch reads it, on every one of them: plain columns, not
    an ORM entity (whose per-query setup cost more CPU than the query). A login leaves the
    cached JWKS unread (``key_set`` None): it never checks a signature."""

    id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    auth_audience: str | None
    key_set_url: str
    active: bool
    auto_register_deployments: bool
    key_set: dict[str, Any] | None = None
    key_set_fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    deployment_id: str
    approved: bool


_PLATFORMS, _DEPLOYMENTS = Platform.__table__, Deployment.__table__
_REGISTRATION_COLUMNS = tuple(_PLATFORMS.c[name] for name in PlatformRecord.__slots__[:-2])
_DEPLOYMENT_COLUMNS = tuple(_DEPLOYMENTS.c[name] for name in DeploymentRecord.__slots__)
_SAME_REGISTRATION = and_(_PLATFORMS.c.issuer == bindparam("iss"), _PLATFORMS.c.client_id == bindparam("client_id"))

#: Built once, like the two below: a registration is looked up on every login and launch.
_PLATFORM = select(*_REGISTRATION_COLUMNS).where(_SAME_REGISTRATION)
#: A launch names its deployment and checks a signature: the registration, its cached JWKS and
#: the deployment in one round trip.
_PLATFORM_AND_DEPLOYMENT = (
    select(*_REGISTRATION_COLUMNS, _PLATFORMS.c.key_set, _PLATFORMS.c.key_set_fetched_at, *_DEPLOYMENT_COLUMNS)
    .select_from(_PLATFORMS.outerjoin(_DEPLOYMENTS, and_(
        _DEPLOYMENTS.c.platform_id == _PLATFORMS.c.id, _DEPLOYMENTS.c.deployment_id == bindparam("deployment_id"))))
    .where(_SAME_REGISTRATION)
)
_DEPLOYMENT = select(*_DEPLOYMENT_COLUMNS).where(
    _DEPLOYMENTS.c.platform_id == bindparam("platform_id"), _DEPLOYMENTS.c.deployment_id == bindparam("deployment_id"))
_STORE_KEY_SET = update(_PLATFORMS).where(_PLATFORMS.c.id == bindparam("platform_id"))


class DatabaseToolConf(ToolConfAbstract[Any]):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.issuers_relation_types = {}  # the base class keeps a class-level dict; never share it
        self._db = session
        self._platforms: dict[tuple[str, str], PlatformRecord | None] = {}
        self._deployments: dict[tuple[int, str], DeploymentRecord] = {}

    # -- lookups -------------------------------------------------------------------------------
    def platform(self, iss: str, client_id: str | None, deployment_id: str | None = None) -> PlatformRecord | None:
        """The registration of (iss, client_id). Naming the launch's ``deployment_id`` reads that
        deployment and the cached JWKS in the same query."""
        if not client_id:
            return None
        cache_key = (iss, client_id)
        if cache_key not in self._platforms:
            params = {"iss": iss, "client_id": client_id}
            if deployment_id is None:
                row = self._db.execute(_PLATFORM, params).first()
                self._platforms[cache_key] = PlatformRecord(*row) if row else None
            else:
                row = self._db.execute(_PLATFORM_AND_DEPLOYMENT, {**params, "deployment_id": deployment_id}).first()
                self._platforms[cache_key] = PlatformRecord(*row[:-2]) if row else None
                if row and row.deployment_id is not None:
                    self._deployments[(row.id, deployment_id)] = DeploymentRecord(*row[-2:])
        return self._platforms[cache_key]

    def platforms_for_issuer(self, iss: str) -> list[PlatformRecord]:
        rows = self._db.execute(select(*_REGISTRATION_COLUMNS).where(_PLATFORMS.c.issuer == iss))
        return [PlatformRecord(*row) for row in rows]

    def store_key_set(self, platform: PlatformRecord, key_set: dict[str, Any]) -> PlatformRecord:
        """Cache a freshly fetched JWKS on the registration; returns the record that has it."""
        fetched_at = utcnow()
        self._db.execute(_STORE_KEY_SET, {"platform_id": platform.id, "key_set": key_set,
                                          "key_set_fetched_at": fetched_at})
        stored = replace(platform, key_set=key_set, key_set_fetched_at=fetched_at)
        self._platforms[(platform.issuer, platform.client_id)] = stored
        return stored

    def deployment(self, platform: PlatformRecord, deployment_id: str) -> DeploymentRecord | None:
        known = self._deployments.get((platform.id, deployment_id))
        if known is not None:
            return known
        return self._read_deployment(platform, deployment_id)

    def record_deployment(self, platform: PlatformRecord, deployment_id: str, *,
                          approved: bool) -> tuple[DeploymentRecord, bool]:
        """The deployment, recorded now if it is new: ``(row, recorded_by_this_call)``. Several
        first launches through a new deployment at once all get the one row, none a 500."""
        recorded = insert_if_absent(
            self._db, _DEPLOYMENTS, {"platform_id": platform.id, "deployment_id": deployment_id},
            {"approved": approved, "created_at": utcnow()},
        )
        row = self._read_deployment(platform, deployment_id)
        assert row is not None  # inserted by this call or by the one it raced with
        self._deployments[(platform.id, deployment_id)] = row
        return row, recorded

    def _read_deployment(self, platform: PlatformRecord, deployment_id: str) -> DeploymentRecord | None:
        row = self._db.execute(_DEPLOYMENT, {"platform_id": platform.id, "deployment_id": deployment_id}).first()
        return DeploymentRecord(*row) if row else None

    # -- pylti1p3 contract ------------------------------------------------------------------------
    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        raise NotImplementedError("registrations are keyed by issuer and client id")

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration | None:  # type: ignore[override]
        platform = self.platform(iss, client_id)
        return self.registration_for(platform) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        raise NotImplementedError("deployments are looked up with their client id")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        platform = self.platform(iss, client_id)
        if platform is None:
            return None
        row = self.deployment(platform, deployment_id)
        if row is None or not row.approved:
            return None
        return LtiDeployment().set_deployment_id(row.deployment_id)

    def registration_for(self, platform: PlatformRecord) -> Registration:
        registration = (
            ToolRegistration(lambda: keys.signing_key(self._db))
            .set_issuer(platform.issuer)
            .set_client_id(platform.client_id)
            .set_auth_login_url(platform.auth_login_url)
            .set_auth_token_url(platform.auth_token_url)
            .set_key_set_url(platform.key_set_url)
        )
        if platform.auth_audience:
            registration.set_auth_audience(platform.auth_audience)
        return registration

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any):  # type: ignore[override]
        return keys.jwks(self._db)


class ToolRegistration(Registration):
    """A Registration that signs with our stored key and kid (pylti1p3 would derive its own kid).

    The key is looked up only when something signs (a deep linking answer): logins and launches,
    the hot path, never need it.
    """

    def __init__(self, load_key: Callable[[], keys.SigningKey]) -> None:
        super().__init__()
        self._load_key = load_key
        self._key: keys.SigningKey | None = None

    def _signing(self) -> keys.SigningKey:
        if self._key is None:
            self._key = self._load_key()
        return self._key

    def get_kid(self) -> str | None:
        return self._signing().kid

    def get_tool_private_key(self) -> str | None:
        return self._signing().private_key_pem

    def get_tool_public_key(self) -> str | None:
        return self._signing().public_key_pem
