"""A cheap simulated browser for the benchmarks, on http.client.

The load generator shares the machine's 2 cores with gunicorn and the database, so every
millisecond of its CPU is taken from the server it measures. ``requests`` spent about 14 ms of
CPU per launch (5 requests); this client keeps one keep-alive connection per host, as a browser
does, and spends a small fraction of that.
"""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlsplit

AUTO_POST = re.compile(r'<form\b[^>]*action="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest)


class HttpError(OSError):
    """A connection failure the benchmark counts as an error."""


@dataclass
class Page:
    status_code: int
    url: str
    headers: http.client.HTTPMessage
    text: str


class Browser:
    """Cookies per host (``localhost`` and ``127.0.0.1`` are two sites, as in the demo) and one
    keep-alive connection per host; follows redirects and the auto-posting forms of a launch."""

    def __init__(self, timeout: float = 30) -> None:
        self.timeout = timeout
        self.connections: dict[str, http.client.HTTPConnection] = {}
        self.jar: dict[str, dict[str, str]] = {}

    def request(self, method: str, url: str, data: dict | None = None, *, json_body: object = None,
                headers: dict[str, str] | None = None) -> Page:
        parts = urlsplit(url)
        host = parts.netloc
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = dict(headers or {})
        body: bytes | None = None
        if json_body is not None:
            body, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body, sent["Content-Type"] = urlencode(data).encode(), "application/x-www-form-urlencoded"
        cookies = self.jar.get(host)
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        for reused in (True, False):
            connection = self.connections.get(host)
            fresh = connection is None
            if fresh:
                connection = self.connections[host] = http.client.HTTPConnection(host, timeout=self.timeout)
            try:
                connection.request(method, target, body=body, headers=sent)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except STALE as error:
                connection.close()
                del self.connections[host]
                if fresh or not reused:  # a new connection failing is a real error
                    raise HttpError(f"{method} {url}: {error!r}") from error
            except OSError as error:
                connection.close()
                self.connections.pop(host, None)
                raise HttpError(f"{method} {url}: {error!r}") from error
        if response.will_close:
            connection.close()
            del self.connections[host]
        self._remember_cookies(host, response.headers)
        return Page(response.status, url, response.headers, text)

    def _remember_cookies(self, host: str, headers: http.client.HTTPMessage) -> None:
        for line in headers.get_all("Set-Cookie") or ():
            pair, _, attributes = line.partition(";")
            name, _, value = pair.strip().partition("=")
            jar = self.jar.setdefault(host, {})
            if not value or "max-age=0" in attributes.lower():
                jar.pop(name, None)
            else:
                jar[name] = value

    def follow(self, method: str, url: str, data: dict | None = None) -> Page:
        """The page a browser ends on: 302/303 become GETs; a page whose form carries an
        ``id_token`` posts itself (the platform's answer to the tool's login)."""
        for _ in range(10):
            page = self.request(method, url, data)
            if page.status_code in (302, 303):
                url, method, data = urljoin(url, page.headers["Location"]), "GET", None
                continue
            if page.status_code == 200 and 'name="id_token"' in page.text:
                action = AUTO_POST.search(page.text)
                fields = HIDDEN.findall(page.text)
                url, method, data = unescape(action.group(1)), "POST", {n: unescape(v) for n, v in fields}
                continue
            return page
        raise HttpError(f"redirect loop from {url}")

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()
