"""Names and Role Provisioning Services 2.0, tool side: the course roster from the platform.

Paging follows each ``Link: <...>; rel="next"`` URL exactly as sent (pylti1p3 2.0.0 lowercases
it, which breaks Moodle's ``/CourseSection/`` URLs on page two), asks for the largest page Canvas
allows (50), stops at a page cap rather than looping forever on a platform bug, and refreshes the
shared service token once on a 401. Members are read through a schema: unknown fields are ignored,
a member without ``user_id`` is skipped, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from sqlalchemy.orm import Session

from lti_tool.lti.access_tokens import TokenCache
from lti_tool.lti.access_tokens import TokenRequestFailed
from lti_tool.lti.access_tokens import TokenScope
from lti_tool.lti.claims import classify_roles
from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.lti.outbound import OutboundRefused
from lti_tool.lti.outbound import http_session
from lti_tool.lti.outbound import request_limited
from lti_tool.models.platform import Platform
from lti_tool.platform_hosts import PlatformHosts
from lti_tool.platform_hosts import foreign_host_message

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
PAGE_SIZE = 50
MAX_PAGES = 200
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


class RosterUnavailable(Exception):
    """The platform did not give the roster; the message says why, for the instructor."""


class _MemberSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    user_id = fields.String(required=True)
    roles = fields.List(fields.String(), load_default=list)
    status = fields.String(load_default="Active")
    name = fields.String(load_default=None, allow_none=True)
    given_name = fields.String(load_default=None, allow_none=True)
    family_name = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)


@dataclass(frozen=True)
class Member:
    user_id: str
    roles: tuple[str, ...]
    status: str
    name: str | None
    email: str | None

    @property
    def is_learner(self) -> bool:
        is_instructor, is_learner = classify_roles(self.roles)
        return is_learner and not is_instructor

    @property
    def active(self) -> bool:
        return self.status.lower() == "active"


@dataclass(frozen=True)
class Roster:
    members: tuple[Member, ...]
    pages: int
    skipped: int


def _with_limit(url: str, page_size: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "limit"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("limit", str(page_size))])))


def next_page_url(link_header: str | None) -> str | None:
    """The rel="next" URL of a Link header, untouched (case matters in Moodle's paths)."""
    if not link_header:
        return None
    match = _NEXT_LINK.search(link_header)
    return match.group(1) if match else None


def _member(raw: object) -> Member | None:
    try:
        data = _MemberSchema().load(raw if isinstance(raw, dict) else {})
    except ValidationError:
        return None
    name = data["name"] or " ".join(p for p in (data["given_name"], data["family_name"]) if p) or None
    return Member(data["user_id"], tuple(data["roles"]), data["status"], name, data["email"])


def fetch_roster(session_factory: Callable[[], Session], platform: Platform, memberships_url: str,
                 *, policy: OutboundPolicy, page_size: int = PAGE_SIZE) -> Roster:
    """Every page of the roster. A token is sent only to a host of the platform's registration
    (the first URL comes from a launch, the next ones from the platform's Link headers)."""
    http = http_session(policy)
    timeout = policy.timeout
    tokens = TokenCache(session_factory, http, timeout)
    hosts = PlatformHosts.of(platform)
    scope = TokenScope.of(platform, [NRPS_SCOPE])
    members: list[Member] = []
    skipped = pages = 0
    url: str | None = _with_limit(memberships_url, page_size)
    token: str | None = None
    refreshed = False
    while url and pages < MAX_PAGES:
        if not hosts.allows(url):
            raise RosterUnavailable(foreign_host_message(url, platform.id))
        try:
            token = token or tokens.token(scope)
            response = request_limited(http, "GET", url, timeout=timeout, headers={
                "Authorization": f"Bearer {token}", "Accept": MEMBERSHIP_CONTAINER})
        except OutboundRefused as error:
            raise RosterUnavailable(f"the roster request was refused by the tool: {error}") from error
        except TokenRequestFailed as error:
            raise RosterUnavailable(f"the LMS gave no access token for the roster: {error}") from error
        except requests.RequestException as error:
            raise RosterUnavailable(f"the LMS did not answer the roster request: {error}") from error
        if response.status_code == 401 and not refreshed:
            refreshed = True
            token = tokens.token(scope, not_this=token)
            continue
        if response.status_code != 200:
            raise RosterUnavailable(f"the LMS answered {response.status_code} to the roster request: "
                                    f"{response.text[:300]}")
        try:
            body = response.json()
        except ValueError as error:
            raise RosterUnavailable("the LMS's roster is not JSON") from error
        for raw in body.get("members", []) if isinstance(body, dict) else []:
            member = _member(raw)
            if member is None:
                skipped += 1
            else:
                members.append(member)
        pages += 1
        url = next_page_url(response.headers.get("Link"))
    return Roster(tuple(members), pages, skipped)
