"""Server-side request forgery: in production the tool fetches nothing on loopback, private,
link-local or reserved addresses, nothing over plain http, never follows a redirect, and reads
no answer larger than it needs. Each refusal happens before a connection is even opened."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask import redirect

from lti_tool import create_app
from lti_tool.db import database
from tests.security.fake_lms import FakeLms


class TcpListener:
    """A bare TCP port on loopback that counts the connections made to it (and their bytes)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(0.5)
            try:
                self.received += conn.recv(4096)
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[TcpListener]:
    made = TcpListener()
    yield made
    made.close()


@pytest.fixture
def production_app(tmp_path: Path) -> Iterator[Flask]:
    """The tool as deployed (production mode), with registration open so that the address
    rules are what refuses, not the gate."""
    app = create_app({"ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                      "BASE_URL": "https://quiz.example.edu", "REGISTRATION_OPEN": True, "HTTP_TIMEOUT_SECONDS": 3})
    from lti_tool import migrate

    migrate.upgrade(app.config["DATABASE_URL"])
    yield app
    database(app).dispose()


def register(app: Flask, config_url: str):  # noqa: ANN201
    return app.test_client().get("/lti/register", query_string={"openid_configuration": config_url,
                                                                "registration_token": "t"})


@pytest.mark.parametrize("address", [
    "https://127.0.0.1:{port}/openid-configuration",
    "https://localhost:{port}/openid-configuration",          # a name that resolves to loopback
    "https://[::ffff:127.0.0.1]:{port}/openid-configuration",  # loopback in IPv6 clothing
    "https://[::1]:{port}/openid-configuration",
    "http://127.0.0.1:{port}/openid-configuration",            # plain http
    "https://user:pass@127.0.0.1:{port}/openid-configuration",
])
def test_production_never_connects_to_loopback_or_over_http(production_app, listener, address) -> None:
    page = register(production_app, address.format(port=listener.port))
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "loopback" in text or "plain http" in text or "user name or password" in text
    assert listener.connections == 0


@pytest.mark.parametrize("address", ["https://10.20.30.40/c", "https://169.254.169.254/latest/meta-data/",
                                     "https://192.168.1.1/c", "https://100.64.0.1/c", "https://0.0.0.0/c",
                                     "https://[fd00::1]/c", "https://[fe80::1]/c"])
def test_production_refuses_private_link_local_and_reserved_addresses(production_app, address) -> None:
    page = register(production_app, address)
    assert page.status_code == 400 and "private or reserved" in page.get_data(as_text=True)


def test_the_connected_address_is_checked_again(listener) -> None:
    """DNS rebinding: a name may resolve to a public address for the check and to loopback for
    the connection. The socket's real peer is checked before a byte is sent."""
    from lti_tool.lti.outbound import OutboundPolicy
    from lti_tool.lti.outbound import OutboundRefused
    from lti_tool.lti.outbound import http_session

    with pytest.raises(OutboundRefused, match="loopback"):
        http_session(OutboundPolicy(development=False)).get(f"https://127.0.0.1:{listener.port}/x")
    assert listener.received == b""
    # A network an admin allows is reached (here: the TLS handshake starts, and fails on a bare port).
    allowed = OutboundPolicy(development=False, allowed_networks=__import__("lti_tool.lti.outbound", fromlist=["x"])
                             .parse_networks("127.0.0.0/8"))
    with pytest.raises(Exception) as reached:  # noqa: PT011 - any transport error, but not a refusal
        http_session(allowed).get(f"https://127.0.0.1:{listener.port}/x")
    assert not isinstance(reached.value, OutboundRefused)
    assert listener.connections >= 1


def test_redirects_are_not_followed_and_large_answers_not_read(demo_stack, live_server) -> None:  # noqa: ANN001
    target = FakeLms().start(live_server)
    bouncer = Flask("bouncer")
    bouncer.add_url_rule("/c", "c", lambda: redirect(target.url + "/.well-known/openid-configuration"))
    bouncer.add_url_rule("/big", "big", lambda: "[" + "0," * 3_000_000 + "0]")
    bounce_url = live_server(bouncer)
    client = demo_stack.app.test_client()
    moved = client.get("/lti/register", query_string={"openid_configuration": bounce_url + "/c"})
    assert moved.status_code == 400 and "answered 302" in moved.get_data(as_text=True)
    assert target.received == []
    big = client.get("/lti/register", query_string={"openid_configuration": bounce_url + "/big"})
    assert big.status_code == 400 and "too large" in big.get_data(as_text=True)


def test_a_wrong_allowed_network_stops_the_tool_at_start_naming_it(tmp_path: Path) -> None:
    from lti_tool.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match="10.0.0.0/33"):
        create_app({"ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                    "OUTBOUND_ALLOWED_NETWORKS": "10.20.0.0/16,10.0.0.0/33"})
