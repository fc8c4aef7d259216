"""Every error becomes a page a person can act on (or JSON for the quiz page's script), in one place."""

from __future__ import annotations

import logging

from flask import Flask
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from lti_tool.web.i18n import N_

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait while the database is unreachable (a restart, a failover).
DATABASE_RETRY_AFTER = 5


#: Werkzeug's names of the errors people meet, for the catalogue (the page's title).
ERROR_TITLES = (N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"), N_("Not Found"), N_("Conflict"),
                N_("Method Not Allowed"), N_("Request Entity Too Large"), N_("Too Many Requests"))


def wants_json() -> bool:
    """The quiz page's autosave (and any script) asks for JSON; people get pages."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def is_database_unavailable(exc: BaseException) -> bool:
    """A lost or refused database connection, as opposed to a bug in a query."""
    if isinstance(exc, (OperationalError, DisconnectionError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202
        if wants_json():
            return jsonify(error=exc.description), exc.code or 500
        return (
            render_template(
                "error.html", title=gettext(exc.name), message=exc.description, status=exc.code
            ),
            exc.code or 500,
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # noqa: ANN202
        if is_database_unavailable(exc):
            return database_unavailable(exc)
        log.exception("unexpected error")
        if wants_json():
            return jsonify(error=gettext("Something went wrong on our side; it has been logged.")), 500
        return (
            render_template(
                "error.html",
                title=gettext("Something went wrong on our side"),
                message=gettext("The problem has been logged. Go back to your course and try again "
                                "in a minute; if it keeps happening, tell your instructor."),
                status=500,
            ),
            500,
        )


def database_unavailable(exc: BaseException):  # noqa: ANN201
    """503 with Retry-After: the request changed nothing, and trying again shortly will work."""
    log.warning("database unavailable (%s %s): %s", request.method, request.path, type(exc).__name__)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    if wants_json():
        return jsonify(error=gettext("The quiz server is busy for a moment; your answer will be saved when it is back."),
                       retry_after=DATABASE_RETRY_AFTER), 503, headers
    page = render_template(
        "error.html",
        title=gettext("The quiz is busy for a moment"),
        message=gettext("The quiz server lost its connection to its database and is getting it back. Nothing you "
                        "saved is lost. Wait a few seconds and reload this page, or go back to your course and open "
                        "the assignment again."),
        status=503,
    )
    return page, 503, headers
