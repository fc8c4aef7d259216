"""pylti1p3's ToolConf backed by the platforms table, one instance per request.

Registrations are always looked up by issuer *and* client id (hosted Canvas shares one issuer
across every institution), so ``check_iss_has_one_client`` is always false.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import defer

from lti_tool.lti import keys
from lti_tool.models.base import utcnow
from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.models.upsert import insert_if_absent


#: Built once: a registration is looked up on every login and launch. A login never checks a
#: signature, so the cached JWKS stays unread (it loads on first access if something wants it).
_PLATFORM = (
    select(Platform)
    .options(defer(Platform.key_set))
    .where(Platform.issuer == bindparam("iss"), Platform.client_id == bindparam("client_id"))
)
#: A launch names its deployment too: both rows in one round trip.
_PLATFORM_AND_DEPLOYMENT = (
    select(Platform, Deployment)
    .outerjoin(Deployment, and_(Deployment.platform_id == Platform.id,
                                Deployment.deployment_id == bindparam("deployment_id")))
    .where(Platform.issuer == bindparam("iss"), Platform.client_id == bindparam("client_id"))
)


class DatabaseToolConf(ToolConfAbstract[Any]):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.issuers_relation_types = {}  # the base class keeps a class-level dict; never share it
        self._db = session
        self._platforms: dict[tuple[str, str], Platform | None] = {}
        self._deployments: dict[tuple[int, str], Deployment] = {}

    # -- lookups -------------------------------------------------------------------------------
    def platform(self, iss: str, client_id: str | None, deployment_id: str | None = None) -> Platform | None:
        """The registration of (iss, client_id). Naming the launch's ``deployment_id`` reads that
        deployment in the same query, for ``deployment`` to find without another."""
        if not client_id:
            return None
        cache_key = (iss, client_id)
        if cache_key not in self._platforms:
            params = {"iss": iss, "client_id": client_id}
            if deployment_id is None:
                self._platforms[cache_key] = self._db.scalars(_PLATFORM, params).first()
            else:
                row = self._db.execute(_PLATFORM_AND_DEPLOYMENT, {**params, "deployment_id": deployment_id}).first()
                self._platforms[cache_key] = row[0] if row else None
                if row and row[1] is not None:
                    self._deployments[(row[0].id, deployment_id)] = row[1]
        return self._platforms[cache_key]

    def platforms_for_issuer(self, iss: str) -> list[Platform]:
        return list(self._db.scalars(select(Platform).where(Platform.issuer == iss)))

    def deployment(self, platform: Platform, deployment_id: str) -> Deployment | None:
        known = self._deployments.get((platform.id, deployment_id))
        if known is not None:
            return known
        return self._read_deployment(platform, deployment_id)

    def record_deployment(self, platform: Platform, deployment_id: str, *, approved: bool) -> tuple[Deployment, bool]:
        """The deployment, recorded now if it is new: ``(row, recorded_by_this_call)``. Several
        first launches through a new deployment at once all get the one row, none a 500."""
        recorded = insert_if_absent(
            self._db, Deployment.__table__, {"platform_id": platform.id, "deployment_id": deployment_id},
            {"approved": approved, "created_at": utcnow()},
        )
        row = self._read_deployment(platform, deployment_id)
        assert row is not None  # inserted by this call or by the one it raced with
        self._deployments[(platform.id, deployment_id)] = row
        return row, recorded

    def _read_deployment(self, platform: Platform, deployment_id: str) -> Deployment | None:
        return self._db.scalars(
            select(Deployment).where(
                Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
            )
        ).first()

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

    def registration_for(self, platform: Platform) -> Registration:
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
