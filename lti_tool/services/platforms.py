"""Manual platform registration: add, list, show, remove, approve deployments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform


class PlatformExists(Exception):
    pass


class PlatformNotFound(Exception):
    pass


def add_platform(session: Session, spec: dict[str, Any], *, replace: bool = False) -> Platform:
    """Register (or with ``replace`` update) a platform from a validated PlatformSpecSchema load."""
    platform = session.scalars(
        select(Platform).where(Platform.issuer == spec["issuer"], Platform.client_id == spec["client_id"])
    ).first()
    if platform is not None and not replace:
        raise PlatformExists(
            f"A platform with issuer {spec['issuer']} and client id {spec['client_id']} exists (id {platform.id})."
        )
    if platform is None:
        platform = Platform(issuer=spec["issuer"], client_id=spec["client_id"])
        session.add(platform)
    platform.name = spec.get("name") or platform.name or spec["issuer"]
    platform.auth_login_url = spec["auth_login_url"]
    platform.auth_token_url = spec["auth_token_url"]
    platform.auth_audience = spec.get("auth_audience")
    platform.key_set_url = spec["key_set_url"]
    platform.product = spec.get("product", "other")
    platform.key_set = None
    platform.key_set_fetched_at = None
    session.flush()
    known = {d.deployment_id for d in platform.deployments}
    for deployment_id in spec.get("deployment_ids", []):
        if deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id, approved=True))
    session.flush()
    return platform


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).order_by(Platform.id)))


def get_platform(session: Session, platform_id: int) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise PlatformNotFound(f"No platform with id {platform_id}; `quiztool platform list` shows them.")
    return platform


def remove_platform(session: Session, platform_id: int) -> Platform:
    platform = get_platform(session, platform_id)
    session.delete(platform)
    session.flush()
    return platform


def approve_deployment(session: Session, platform_id: int, deployment_id: str) -> Deployment:
    platform = get_platform(session, platform_id)
    for deployment in platform.deployments:
        if deployment.deployment_id == deployment_id:
            deployment.approved = True
            session.flush()
            return deployment
    raise PlatformNotFound(f"Platform {platform_id} has no deployment {deployment_id!r}.")


def describe(platform: Platform) -> dict[str, Any]:
    return {
        "id": platform.id,
        "name": platform.name,
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "auth_login_url": platform.auth_login_url,
        "auth_token_url": platform.auth_token_url,
        "auth_audience": platform.auth_audience,
        "key_set_url": platform.key_set_url,
        "product": platform.product,
        "active": platform.active,
        "deployments": [
            {"deployment_id": d.deployment_id, "approved": d.approved} for d in platform.deployments
        ],
    }
