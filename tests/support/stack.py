"""A running tool + demo LMS on a loopback port, on each database backend (fixtures: demo_stack)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from lti_tool import create_app
from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.demo import prepare_demo
from lti_tool.demo_lms import keys as demo_keys
from tests.support.lti_flow import LaunchDriver
from tests.support.live_server import LiveServer


@dataclass
class DemoStack:
    """The tool at http://localhost:PORT and the demo LMS at http://127.0.0.1:PORT/demo-lms."""

    app: Flask
    port: int
    facts: dict[str, str]

    @property
    def tool_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def lms_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/demo-lms"

    def driver(self) -> LaunchDriver:
        return LaunchDriver(self.tool_url, self.facts)

    def sign(self, claims: dict[str, Any]) -> str:
        """Sign with the demo LMS's real current key, as the platform would."""
        with self.app.app_context(), session_scope(self.app) as session:
            return demo_keys.sign(session, claims)

    def demo_private_key(self) -> tuple[str, str]:
        with self.app.app_context(), session_scope(self.app) as session:
            key = demo_keys.ensure_key(session)
            return key.private_key_pem, key.kid


def make_stack_app(database_url: str, port: int, **overrides: Any) -> Flask:
    config = {
        "ENV": "development",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "DEMO_LMS": True,
        "BASE_URL": f"http://localhost:{port}",
        "DEMO_LMS_URL": f"http://127.0.0.1:{port}/demo-lms",
        "LOG_LEVEL": "WARNING",
        "REGISTRATION_OPEN": True,  # as `quiztool demo` runs (tests/security checks the closed default)
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def stack_config() -> dict[str, Any]:
    """Override in a test module to change the tool's settings."""
    return {}


@pytest.fixture
def demo_stack(database_url: str, stack_config: dict[str, Any]) -> Iterator[DemoStack]:
    server = LiveServer.bind()
    app = make_stack_app(database_url, server.port, **stack_config)
    facts = prepare_demo(app)
    server.start(app)
    try:
        yield DemoStack(app, server.port, facts)
    finally:
        server.stop()
        database(app).dispose()
