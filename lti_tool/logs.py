"""Log lines an operator can search: JSON objects one per line (or plain text in development),
each carrying the request id of the request (or grade delivery) it belongs to.

The request id is a context variable: the web layer sets it per request (``lti_tool.web.
observability``), ``record_score`` copies it onto the grade outbox row, and the worker sets it
from the row around each delivery, so one id follows a submit from the browser to the gradebook.

What never goes into a log: tokens, id_tokens, names, emails. Log opaque ids only (database ids,
LTI ``sub``, issuer and client id); as a safety net the formatters blank anything shaped like a
JWT or a bearer credential.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime

FORMATS = ("json", "text")

_request_id: ContextVar[str | None] = ContextVar("quiztool_request_id", default=None)
#: What a client may send as X-Request-Id (a reverse proxy's id): anything else is replaced.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
#: JWTs (id_tokens, client assertions, access tokens that are JWTs) and bearer credentials.
_SECRETS = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
#: LogRecord attributes that are not ``extra=`` fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}
_HANDLER_MARK = "_quiztool_handler"


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(offered: str | None) -> str:
    """The id a reverse proxy passed along (X-Request-Id) when it looks like one, else a new id."""
    if offered and _ACCEPTED_ID.fullmatch(offered):
        return offered
    return new_request_id()


@contextmanager
def request_id_set(value: str | None) -> Iterator[str | None]:
    """Within the block, log lines (and outbox rows recorded) carry ``value``."""
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


def bind_request_id(value: str | None):  # noqa: ANN201 - a ContextVar token
    """Set the id until ``unbind_request_id(token)`` (for before/teardown request hooks)."""
    return _request_id.set(value)


def unbind_request_id(token) -> None:  # noqa: ANN001
    _request_id.reset(token)


def redact(text: str) -> str:
    return _SECRETS.sub("[redacted]", text)


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id", ...extra fields, "exc"}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message key=value ...`` for a developer's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        line = (f"{self.formatTime(record)} {record.levelname} {record.name}"
                f"{f' [{request_id}]' if request_id else ''}: {record.getMessage()}")
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        if fields:
            line += " " + fields
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def default_format(env: str) -> str:
    """What an empty LOG_FORMAT means: text for a developer's terminal, JSON in production."""
    return "text" if env == "development" else "json"


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {log_format!r}")
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(*, level: str, log_format: str, stream=None) -> None:  # noqa: ANN001
    """One handler on the root logger writing ``log_format`` lines to stderr (replacing the one
    an earlier call installed); ``lti_tool`` logs from ``level`` up, other libraries as the root
    logger's level says (WARNING unless changed)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter_for(log_format))
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    logging.getLogger("lti_tool").setLevel(level)
    # The development server logs every URL it serves, session tokens and login hints included:
    # lti_tool.requests logs each request with its route pattern instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
