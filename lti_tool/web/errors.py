"""Every error becomes a page a person can act on, in one place."""

from __future__ import annotations

import logging

from flask import Flask
from flask import render_template
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202
        return (
            render_template(
                "error.html", title=exc.name, message=exc.description, status=exc.code
            ),
            exc.code or 500,
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # noqa: ANN202
        log.exception("unexpected error")
        return (
            render_template(
                "error.html",
                title="Something went wrong on our side",
                message="The problem has been logged. Go back to your course and try again "
                "in a minute; if it keeps happening, tell your instructor.",
                status=500,
            ),
            500,
        )
