"""Fixtures of the security tests (see README.md here for the table of threats)."""

from tests.support.live_server import live_server  # noqa: F401 - the fixture, for the fake LMSs
