"""Every HTTP request the tool makes to a platform goes through a session made here.

The addresses the tool fetches come from outside: a platform's openid-configuration URL is typed
into an LMS by whoever holds a registration link, its endpoints come from that document, and AGS
and NRPS URLs arrive in launches. Without care that is a server-side request forgery: the tool
could be made to fetch ``http://169.254.169.254/`` or a database port on its own network. So:

- only https, except plain http to loopback in development (a local Moodle, the demo LMS);
- no user name or password in the URL;
- in production the host is resolved and *every* address must be public, and the address the
  socket actually connected to is checked again (a DNS answer that changes between the check and
  the connection, "DNS rebinding", gains nothing); ``OUTBOUND_ALLOWED_NETWORKS`` admits chosen
  private networks (a campus LMS on 10.x, an egress proxy);
- redirects are not followed, timeouts are bounded, and a response body larger than the caller's
  limit is refused instead of read into memory.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from lti_tool.platform_hosts import is_loopback_host
from lti_tool.platform_hosts import unmapped
from question_bank.numbers import whole_number

USER_AGENT = "quiztool-lti/0.1 (+LTI 1.3 tool)"
#: Bodies above this are refused unless a caller asks for less (rosters are the largest answers).
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """A request the tool will not make (or an answer it will not read); the message says why
    in words an administrator can act on."""


@dataclass(frozen=True)
class OutboundPolicy:
    development: bool = False
    allowed_networks: tuple[IpNetwork, ...] = ()
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Any) -> OutboundPolicy:
        return cls(
            development=config["ENV"] == "development",
            allowed_networks=parse_networks(config.get("OUTBOUND_ALLOWED_NETWORKS") or ()),
            timeout=float(config["HTTP_TIMEOUT_SECONDS"]),
        )

    def check_url(self, url: str) -> None:
        """Refuse a URL by its form alone (scheme, credentials, host), before any DNS."""
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise OutboundRefused(f"{_short(url)} carries a user name or password; the tool will not send them.")
        if not parts.hostname:
            raise OutboundRefused(f"{_short(url)} is not an address the tool can fetch.")
        if parts.scheme == "https":
            return
        if parts.scheme == "http" and self.development and is_loopback_host(parts.hostname):
            return
        if parts.scheme == "http":
            raise OutboundRefused(
                f"{_short(url)} uses plain http. Serve the LMS over https; only a local test LMS on "
                "this machine may use http, and only while the tool runs with QUIZTOOL_ENV=development."
            )
        raise OutboundRefused(f"{_short(url)} is not an http(s) address.")

    def check_address(self, address: str, host: str) -> None:
        """Refuse an address the tool must not talk to (production: anything not public)."""
        if self.development:
            return
        ip = unmapped(ipaddress.ip_address(address.split("%", 1)[0]))
        if any(ip in network for network in self.allowed_networks):
            return
        if not ip.is_global or ip.is_multicast:
            raise OutboundRefused(
                f"{host} resolves to {ip}, a loopback, private or reserved address; the tool does not "
                "contact those in production. If the LMS really lives on an internal network, add its "
                "network to QUIZTOOL_OUTBOUND_ALLOWED_NETWORKS."
            )

    def check_resolved(self, url: str) -> None:
        """Resolve the URL's host and check every address it has."""
        self.check_url(url)
        if self.development:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                       type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise OutboundRefused(f"The host {host} does not resolve ({error}).") from error
        for info in infos:
            self.check_address(str(info[4][0]), host)


def parse_networks(values: Iterable[str] | str) -> tuple[IpNetwork, ...]:
    """``10.0.0.0/8`` style networks from a setting (a list, or one comma-separated string)."""
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    try:
        return tuple(ipaddress.ip_network(str(v).strip(), strict=False) for v in values)
    except ValueError as error:
        raise ValueError(f"QUIZTOOL_OUTBOUND_ALLOWED_NETWORKS: {error}") from error


def _short(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


# -- a requests.Session that checks where its sockets really connected ------------------------------
def _guarded_pool_classes(check: Callable[[str, str], None]) -> dict[str, type[HTTPConnectionPool]]:
    def connect_checked(connection: HTTPConnection, new_conn: Callable[[], socket.socket]) -> socket.socket:
        sock = new_conn()
        try:
            check(str(sock.getpeername()[0]), connection.host)
        except BaseException:
            sock.close()
            raise
        return sock

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return connect_checked(self, super()._new_conn)

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return connect_checked(self, super()._new_conn)

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: OutboundPolicy) -> None:
        self._policy = policy
        super().__init__()

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pool_classes(self._policy.check_address)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _guarded_pool_classes(self._policy.check_address)
        return manager

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self._policy.check_url(request.url or "")
        return super().send(request, **kwargs)


class GuardedSession(requests.Session):
    """A requests.Session under an OutboundPolicy: no redirects, checked addresses, a timeout."""

    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__()
        self.policy = policy
        self.headers["User-Agent"] = USER_AGENT
        adapter = _GuardedAdapter(policy)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.policy.timeout)
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def http_session(policy: OutboundPolicy) -> GuardedSession:
    return GuardedSession(policy)


def read_limited(response: requests.Response, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The body of a response opened with ``stream=True``, refused past ``max_bytes``."""
    declared = response.headers.get("Content-Length", "")
    size = whole_number(declared, max_digits=30)
    if size is not None and size > max_bytes:
        response.close()
        raise OutboundRefused(f"{_short(response.url)} answered with {declared} bytes; the limit is {max_bytes}.")
    body = bytearray()
    for chunk in response.iter_content(chunk_size=65536):
        body.extend(chunk)
        if len(body) > max_bytes:
            response.close()
            raise OutboundRefused(f"{_short(response.url)} answered with more than {max_bytes} bytes.")
    return bytes(body)


def request_limited(session: requests.Session, method: str, url: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                    **kwargs: Any) -> requests.Response:
    """``session.request`` whose body is read (up to ``max_bytes``, else OutboundRefused) before
    it returns, so ``.text`` and ``.json()`` work as usual on an answer of bounded size."""
    response = session.request(method, url, stream=True, **kwargs)
    response._content = read_limited(response, max_bytes)  # noqa: SLF001 (requests' own cache)
    return response
