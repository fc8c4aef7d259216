"""The hosts a registered platform lives on: where the tool sends its bearer tokens, and who may
frame the tool.

A platform's hosts are the origins of its issuer and of the endpoint URLs of its registration,
plus further hosts an admin names (``quiztool platform update ID --add-host canvas.school.edu``)
or a preset knows (hosted Canvas serves every institution from ``*.instructure.com``, its
sign-in service from ``*.canvaslms.com``). AGS and NRPS URLs arrive inside launches; an access
token is sent to one only when it is on one of these hosts, and the Content-Security-Policy's
``frame-ancestors`` lists the same hosts, so only the registered LMSs can show the tool in a frame.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import SplitResult
from urllib.parse import urlsplit

#: Instructure-hosted Canvas: one issuer per environment for every institution.
CANVAS_CLOUD_ISSUERS = (
    "https://canvas.instructure.com",
    "https://canvas.beta.instructure.com",
    "https://canvas.test.instructure.com",
)
#: Where hosted Canvas serves institutions (``school.instructure.com``) and its sign-in service
#: (``sso.canvaslms.com``). An institution on its own domain adds that host by hand.
CANVAS_CLOUD_HOSTS = ("*.instructure.com", "*.canvaslms.com")

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_PATTERN = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*(:[0-9]{{1,5}})?$")
_DEFAULT_PORTS = {"https": 443, "http": 80}


class InvalidHost(ValueError):
    pass


class RegisteredPlatform(Protocol):
    issuer: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    hosts: list[str]


def normalize_host(text: str) -> str:
    """``Canvas.School.edu`` → ``canvas.school.edu``; ``*.instructure.com`` stays a pattern."""
    value = text.strip().lower().rstrip(".")
    if "://" in value:
        raise InvalidHost(f"{text!r}: give a host name (canvas.school.edu), not a URL")
    if not _HOST_PATTERN.match(value):
        raise InvalidHost(f"{text!r} is not a host name (canvas.school.edu) or a pattern (*.instructure.com)")
    port = value.rpartition(":")[2] if ":" in value else ""
    if port and not 0 < int(port) < 65536:
        raise InvalidHost(f"{text!r} has no valid port")
    if value.startswith("*.") and value.count(".") < 2:
        raise InvalidHost(f"{text!r} would match every host under a top-level domain")
    return value


def unmapped(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """``::ffff:127.0.0.1`` is 127.0.0.1."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``*.localhost``, 127.0.0.0/8 or ::1 (by name, without DNS)."""
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return unmapped(ipaddress.ip_address(host)).is_loopback
    except ValueError:
        return False


def is_canvas_cloud(issuer: str) -> bool:
    return issuer.rstrip("/") in CANVAS_CLOUD_ISSUERS


def _netloc(parts: SplitResult) -> str | None:
    """Lower-case host[:port] of a URL, without its scheme's default port (None: unreadable)."""
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    return host if port in (None, _DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"


def host_matches(netloc: str, pattern: str) -> bool:
    """CSP-like matching: ``*.example.com`` matches any host below example.com, not the apex."""
    if pattern.startswith("*."):
        return netloc.endswith(pattern[1:]) and len(netloc) > len(pattern) - 1
    return netloc == pattern


@dataclass(frozen=True)
class PlatformHosts:
    #: (scheme, host[:port] or pattern) pairs.
    origins: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, platform: RegisteredPlatform) -> PlatformHosts:
        urls = (platform.issuer, platform.auth_login_url, platform.auth_token_url, platform.key_set_url)
        return cls.from_parts(urls, platform.hosts or ())

    @classmethod
    def from_parts(cls, urls: Iterable[str], hosts: Iterable[str]) -> PlatformHosts:
        origins: list[tuple[str, str]] = []
        for url in urls:
            parts = urlsplit(url or "")
            netloc = _netloc(parts) if parts.scheme in _DEFAULT_PORTS else None
            if netloc:
                origins.append((parts.scheme, netloc))
        for host in hosts:
            origins.append(("https", host))
            if is_loopback_host(host.rsplit(":", 1)[0] if host.count(":") == 1 else host):
                origins.append(("http", host))  # a local test LMS (plain http is for development only)
        return cls(tuple(dict.fromkeys(origins)))

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        netloc = _netloc(parts) if parts.scheme in _DEFAULT_PORTS else None
        if netloc is None or parts.username or parts.password:
            return False
        return any(scheme == parts.scheme and host_matches(netloc, pattern) for scheme, pattern in self.origins)

    def frame_sources(self) -> list[str]:
        """CSP source expressions for ``frame-ancestors``."""
        return [f"{scheme}://{pattern}" for scheme, pattern in self.origins]


def foreign_host_message(url: str, platform_id: int | None) -> str:
    host = urlsplit(url).netloc or url[:100]
    command = f"quiztool platform update {platform_id if platform_id is not None else 'ID'} --add-host {host}"
    return (f"{host} is not a host of this platform's registration, so no access token was sent to it. "
            f"If {host} really belongs to this LMS, allow it with `{command}`.")
