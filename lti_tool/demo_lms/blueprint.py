"""The demo LMS blueprint and its error type for service endpoints (JSON, never HTML)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import jsonify

bp = Blueprint("demo_lms", __name__, url_prefix="/demo-lms")


class ServiceError(Exception):
    """A refusal from a machine-facing endpoint, rendered as JSON with the given status.

    ``body`` replaces the default ``{"error": ..., "error_description": ...}`` when a real
    platform answers with something else (Canvas's plain-text rate limit message).
    """

    def __init__(
        self,
        status: int,
        error: str,
        description: str = "",
        *,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}
        self.body = body

    def to_response(self) -> Response:
        if self.body is not None:
            response = Response(self.body, status=self.status, mimetype="text/plain")
        else:
            payload: dict[str, Any] = {"error": self.error}
            if self.description:
                payload["error_description"] = self.description
            response = jsonify(payload)
            response.status_code = self.status
        response.headers.update(self.headers)
        return response


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> Response:
    return exc.to_response()
