"""Who may see a page after the launch: the tool session in the URL, and role checks.

Pages after a launch live under ``/s/<token>/`` because cookies inside an LMS iframe cannot be
relied on. Forms carry a CSRF token derived from the session token and the app secret.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import abort
from flask import current_app
from flask import g
from flask import request
from flask_babel import gettext

from lti_tool import db
from lti_tool.services.identity import LiveSession
from lti_tool.services import identity


def signed_form_token(purpose: str, *parts: str) -> str:
    """A token for a form that proves the server made the page it came from: an HMAC of the
    purpose and what the form is about under the app's secret (no cookie needed in an iframe)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = "\x1f".join((purpose, *parts)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_token(session_token: str) -> str:
    return signed_form_token("csrf", session_token)


def session_lifetime() -> identity.SessionLifetime:
    return identity.SessionLifetime(
        idle=timedelta(seconds=int(current_app.config["TOOL_SESSION_IDLE_SECONDS"])),
        maximum=timedelta(seconds=int(current_app.config["TOOL_SESSION_MAX_SECONDS"])),
    )


def session_values() -> dict[str, object]:
    """Template values every page after a launch needs (each blueprint under ``/s/<token>/``
    registers this as its context processor)."""
    token = getattr(g, "session_token", None)
    return {"session_token": token, "csrf_token": csrf_token(token) if token else ""}


def _load(token: str) -> LiveSession:
    session = db.get_session()
    record = identity.find_session(session, token) if len(token) <= 100 else None
    if record is None:
        abort(401, description=gettext("Your session has expired. Go back to your course and open the assignment again."))
    if identity.extend_idle(session, token, record, session_lifetime().idle):
        session.commit()  # on its own: the view may end without committing (a page, a refusal)
    if request.method == "POST":
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent, csrf_token(token)):
            abort(400, description=gettext("This form is out of date. Reload the page and try again."))
    g.tool_session = record
    g.session_token = token
    return record


def session_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(token: str, **kwargs: Any) -> Any:
        return view(_load(token), **kwargs)

    return wrapper


def instructor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(token: str, **kwargs: Any) -> Any:
        record = _load(token)
        if not record.is_instructor:
            abort(403, description=gettext("This page is for instructors of this course."))
        return view(record, **kwargs)

    return wrapper
