"""Flask's signed-cookie session, only where something uses it.

The tool keeps no state in Flask's session cookie: the pages after a launch carry their token in
the URL (cookies inside an LMS iframe cannot be relied on) and the OIDC state cookie is pylti1p3's.
Flask would still build a signing serializer and look for the cookie on every request, launches
included. This interface opens the cookie session only under the path prefixes that use it (the
demo LMS's admin pages flash their messages); elsewhere a write to ``flask.session`` fails loudly
instead of setting a cookie nobody reads.
"""

from __future__ import annotations

from typing import Any
from typing import NoReturn

from flask import Flask
from flask.sessions import NullSession
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Request


class UnusedSession(NullSession):
    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(
            "flask.session is off outside the prefixes given to lti_tool.web.no_session: keep "
            "state in the database, keyed by the tool session token in the URL."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse  # type: ignore[assignment]


class SessionOnlyUnder(SecureCookieSessionInterface):
    null_session_class = UnusedSession

    def __init__(self) -> None:
        self.prefixes: tuple[str, ...] = ()

    def allow(self, prefix: str) -> None:
        """Let requests under ``prefix`` (a path such as ``/demo-lms/admin/``) use the session."""
        self.prefixes = (*self.prefixes, prefix)

    def open_session(self, app: Flask, request: Request) -> Any:
        if self.prefixes and request.path.startswith(self.prefixes):
            return super().open_session(app, request)
        return UnusedSession()
