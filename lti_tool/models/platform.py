"""Platforms (LMS registrations), their deployments, and the tool's own signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import true
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from lti_tool.models.base import Base
from lti_tool.models.base import utcnow


class Platform(Base):
    """One registration of this tool on an LMS.

    Keyed by issuer *and* client id: every hosted Canvas shares one issuer.
    """

    __tablename__ = "platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human name shown to admins ("Moodle at example.edu").
    name: Mapped[str] = mapped_column(String(200), default="")
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    #: OIDC authorization endpoint the browser is redirected to.
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    #: OAuth2 token endpoint for AGS/NRPS.
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    #: Audience of our client assertion at the token endpoint, when it is not the token URL.
    auth_audience: Mapped[str | None] = mapped_column(String(1000))
    key_set_url: Mapped[str] = mapped_column(String(1000))
    #: Cached JWKS of the platform, refreshed after PLATFORM_JWKS_CACHE_SECONDS or on unknown kid.
    key_set: Mapped[dict[str, Any] | None]
    key_set_fetched_at: Mapped[datetime | None]
    #: "moodle", "canvas" or "other": selects platform quirks (score rules, throttling).
    product: Mapped[str] = mapped_column(String(40), default="other")
    #: Inactive platforms are refused at login with a message for the admin.
    active: Mapped[bool] = mapped_column(default=True)
    #: A new deployment id of this client is recorded (and usable) on its first valid launch;
    #: otherwise it waits for ``quiztool platform approve-deployment``. Chosen at registration:
    #: Canvas creates deployment ids per course and per account, so it is on for Canvas.
    auto_register_deployments: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Further hosts this platform's pages and services live on (``canvas.school.edu``, or a
    #: pattern ``*.instructure.com``), beside the hosts of its issuer and endpoint URLs. Bearer
    #: tokens go only to these hosts, and only these may frame the tool (lti_tool/platform_hosts).
    hosts: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    #: "dynamic" (Dynamic Registration) or "manual" (``quiztool platform add``).
    registered_via: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )


class Deployment(Base):
    """A deployment id of a platform; recorded on first launch unless approval is required."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    approved: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class RegistrationLink(Base):
    """A one-time Dynamic Registration URL an admin made with ``quiztool platform
    registration-link``. The registration URL is pasted into an LMS's admin page and is
    therefore public; only a link that is known, unexpired and unused opens registration."""

    __tablename__ = "registration_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token in the URL (the token itself is shown once, never stored).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Who it was made for, as the admin typed it (shown by ``registration-links``).
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: Set when a registration through the link starts; cleared again if the LMS refuses it.
    used_at: Mapped[datetime | None]
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id", ondelete="SET NULL"))


class ToolKey(Base):
    """An RSA key the tool signs with. Old keys stay published until ``retire_at``."""

    __tablename__ = "tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when a newer key takes over signing; after this time the key leaves the JWKS.
    retire_at: Mapped[datetime | None]
