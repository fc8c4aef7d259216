"""The platform row, its issuer, and every URL the platform publishes.

The issuer is the LMS's public base URL including ``/demo-lms``. It is resolved in this order:
``DEMO_LMS_URL`` if configured, else the URL ``ensure_demo`` stored, else the current request's
host. Every absolute URL the platform hands out (endpoints in the id_token, Link headers, the
OpenID configuration) is built from it, so a tool sees the same URLs whichever worker answers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from flask import has_request_context
from flask import request
from sqlalchemy.orm import Session

from lti_tool.models.demo_lms import DemoPlatform

PLATFORM_ROW_ID = 1
MOUNT_PATH = "/demo-lms"
PLATFORM_NAME = "Quiztool demo LMS"
FLAVOURS = ("moodle", "canvas")


def normalise_lms_url(lms_url: str) -> str:
    """``http://host:port/demo-lms`` without a trailing slash; refuses URLs outside the mount."""
    url = lms_url.rstrip("/")
    if not url.startswith(("http://", "https://")) or not url.endswith(MOUNT_PATH):
        raise ValueError(
            f"the demo LMS URL must be absolute and end with {MOUNT_PATH!r} "
            f"(e.g. http://127.0.0.1:5000{MOUNT_PATH}), got {lms_url!r}"
        )
    return url


def get_platform(session: Session) -> DemoPlatform:
    """The platform row, created on first use with the issuer known at that moment."""
    platform = session.get(DemoPlatform, PLATFORM_ROW_ID)
    if platform is None:
        platform = DemoPlatform(
            id=PLATFORM_ROW_ID,
            issuer=_fallback_issuer(),
            guid=secrets.token_hex(16),
            name=PLATFORM_NAME,
            flavour="moodle",
            launch_options={},
            fault_mode="none",
            fault_endpoints=[],
        )
        session.add(platform)
        session.flush()
    return platform


def _configured_issuer() -> str | None:
    """The issuer set by DEMO_LMS_URL, which wins over the stored one; None when unset."""
    configured = current_app.config.get("DEMO_LMS_URL") or ""
    return normalise_lms_url(configured) if configured else None


def _fallback_issuer() -> str:
    configured = _configured_issuer()
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/") + MOUNT_PATH
    return "http://127.0.0.1:5000" + MOUNT_PATH


def issuer(session: Session) -> str:
    return _configured_issuer() or get_platform(session).issuer


@dataclass(frozen=True)
class PlatformUrls:
    """Absolute URLs of the platform's endpoints, all under the issuer."""

    base: str

    def at(self, path: str, **query: object) -> str:
        url = self.base + path
        params = {k: v for k, v in query.items() if v is not None}
        return f"{url}?{urlencode(params)}" if params else url

    @property
    def auth(self) -> str:
        return self.at("/auth")

    @property
    def token(self) -> str:
        return self.at("/token")

    @property
    def jwks(self) -> str:
        return self.at("/jwks")

    @property
    def openid_configuration(self) -> str:
        return self.at("/.well-known/openid-configuration")

    @property
    def registration(self) -> str:
        return self.at("/register")

    @property
    def deep_link_return(self) -> str:
        return self.at("/deep-linking/return")

    def launch_return(self, course_id: int) -> str:
        return self.at(f"/course/{course_id}/return")

    def lineitems(self, course_id: int, tool_id: int, **query: object) -> str:
        return self.at(f"/services/{course_id}/lineitems", type_id=tool_id, **query)

    def lineitem(self, course_id: int, item_id: int, tool_id: int, suffix: str = "") -> str:
        """Moodle-shaped: the line item URL carries ``?type_id=``, so tools must insert path
        segments (``/scores``) before the query string."""
        return self.at(f"/services/{course_id}/lineitems/{item_id}/lineitem{suffix}", type_id=tool_id)

    def memberships(self, course_id: int, tool_id: int, **query: object) -> str:
        """Mixed-case path segments, like Moodle's: a client that lowercases URLs gets a 404."""
        return self.at(f"/services/CourseSection/{course_id}/bindings/{tool_id}/memberships", **query)


def urls(session: Session) -> PlatformUrls:
    return PlatformUrls(issuer(session))


def urls_of(platform: Any) -> PlatformUrls:
    """``urls`` for a caller that already read the platform row."""
    return PlatformUrls(_configured_issuer() or platform.issuer)
