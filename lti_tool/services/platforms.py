"""Manual platform registration: add, update, list, show, remove, approve deployments.

Adding never overwrites: a platform's endpoints and keys change only through ``update_platform``
(``quiztool platform update``), which logs every field it changes, old and new value.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models.platform import Deployment
from lti_tool.models.platform import Platform
from lti_tool.platform_hosts import normalize_host

log = logging.getLogger(__name__)

#: Fields ``update_platform`` may change, besides ``add_hosts``/``remove_hosts``.
UPDATABLE = ("name", "auth_login_url", "auth_token_url", "auth_audience", "key_set_url", "product", "active",
             "auto_register_deployments")


class PlatformExists(Exception):
    pass


class PlatformNotFound(Exception):
    pass


def find_platform(session: Session, issuer: str, client_id: str) -> Platform | None:
    return session.scalars(select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)).first()


def add_platform(session: Session, spec: dict[str, Any]) -> Platform:
    """Register a platform from a validated PlatformSpecSchema load; an existing (issuer,
    client_id) is refused (PlatformExists), never changed."""
    existing = find_platform(session, spec["issuer"], spec["client_id"])
    if existing is not None:
        raise PlatformExists(
            f"A platform with issuer {spec['issuer']} and client id {spec['client_id']} exists (id {existing.id})."
        )
    platform = Platform(
        issuer=spec["issuer"],
        client_id=spec["client_id"],
        name=spec.get("name") or spec["issuer"],
        auth_login_url=spec["auth_login_url"],
        auth_token_url=spec["auth_token_url"],
        auth_audience=spec.get("auth_audience"),
        key_set_url=spec["key_set_url"],
        product=spec.get("product", "other"),
        auto_register_deployments=bool(spec.get("auto_register_deployments")),  # unsaid: approval needed
        hosts=list(spec.get("hosts", [])),
        registered_via="manual",
    )
    session.add(platform)
    session.flush()
    for deployment_id in dict.fromkeys(spec.get("deployment_ids", [])):
        platform.deployments.append(Deployment(deployment_id=deployment_id, approved=True))
    session.flush()
    log.info("platform %s added: iss=%s client_id=%s auto_register_deployments=%s hosts=%s",
             platform.id, platform.issuer, platform.client_id, platform.auto_register_deployments, platform.hosts)
    return platform


def update_platform(session: Session, platform_id: int, changes: dict[str, Any], *, by: str = "admin") -> list[str]:
    """Change a platform's settings; returns one line per changed field ("field: old -> new"),
    each also logged. A new key set URL drops the cached JWKS."""
    platform = get_platform(session, platform_id)
    changed: list[str] = []
    for name in UPDATABLE:
        if name in changes and changes[name] is not None and getattr(platform, name) != changes[name]:
            changed.append(f"{name}: {getattr(platform, name)!r} -> {changes[name]!r}")
            setattr(platform, name, changes[name])
    hosts = list(platform.hosts or [])
    for host in changes.get("add_hosts") or ():
        host = normalize_host(host)
        if host not in hosts:
            hosts.append(host)
    for host in changes.get("remove_hosts") or ():
        host = normalize_host(host)
        if host in hosts:
            hosts.remove(host)
    if hosts != list(platform.hosts or []):
        changed.append(f"hosts: {platform.hosts!r} -> {hosts!r}")
        platform.hosts = hosts
    if "key_set_url" in changes and any(line.startswith("key_set_url") for line in changed):
        platform.key_set = None
        platform.key_set_fetched_at = None
    session.flush()
    for line in changed:
        log.warning("platform %s (iss=%s client_id=%s) changed by %s: %s",
                    platform.id, platform.issuer, platform.client_id, by, line)
    return changed


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
        "registered_via": platform.registered_via,
        "auto_register_deployments": platform.auto_register_deployments,
        "hosts": list(platform.hosts or []),
        "deployments": [
            {"deployment_id": d.deployment_id, "approved": d.approved} for d in platform.deployments
        ],
    }
