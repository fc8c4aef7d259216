"""Load and check configuration: defaults, instance file, QUIZTOOL_* environment, test mapping.

Nothing is read at import time: ``load_settings`` runs inside ``create_app``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from lti_tool.logs import FORMATS
from lti_tool.logs import default_format

log = logging.getLogger(__name__)

ENV_PREFIX = "QUIZTOOL_"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_settings(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    app.config.from_object("config.default")
    app.config.from_pyfile("config.py", silent=True)
    for name, raw in os.environ.items():
        if name.startswith(ENV_PREFIX) and not name.startswith(ENV_PREFIX + "TEST_"):
            app.config[name[len(ENV_PREFIX):]] = _parse_env_value(raw)
    if test_config:
        app.config.update(test_config)
    _resolve_database_url(app)
    _resolve_secret_key(app)
    _check(app)


def is_development(app: Flask) -> bool:
    return app.config["ENV"] == "development"


def _resolve_database_url(app: Flask) -> None:
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'quiztool.db'}"


def _resolve_secret_key(app: Flask) -> None:
    if app.config["SECRET_KEY"]:
        return
    if not is_development(app):
        raise ConfigurationError(
            "QUIZTOOL_SECRET_KEY is required in production: set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    key_file = Path(app.instance_path) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
        log.info("generated a development SECRET_KEY in %s", key_file)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _check(app: Flask) -> None:
    if app.config["ENV"] not in ("development", "production"):
        raise ConfigurationError(
            f"QUIZTOOL_ENV must be 'development' or 'production', not {app.config['ENV']!r}"
        )
    base_url = app.config["BASE_URL"]
    if base_url and not base_url.startswith(("https://", "http://")):
        raise ConfigurationError(f"QUIZTOOL_BASE_URL must start with https:// (got {base_url!r})")
    if base_url.endswith("/"):
        app.config["BASE_URL"] = base_url.rstrip("/")
    _check_outbound_networks(app)
    if not app.config["LOG_FORMAT"]:
        app.config["LOG_FORMAT"] = default_format(app.config["ENV"])
    if app.config["LOG_FORMAT"] not in FORMATS:
        raise ConfigurationError(
            f"QUIZTOOL_LOG_FORMAT must be one of {', '.join(FORMATS)} (got {app.config['LOG_FORMAT']!r})"
        )


def _check_outbound_networks(app: Flask) -> None:
    """A wrong network in OUTBOUND_ALLOWED_NETWORKS refuses to start, naming it, rather than
    failing every registration and grade delivery later."""
    import ipaddress

    value = app.config.get("OUTBOUND_ALLOWED_NETWORKS") or []
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise ConfigurationError("QUIZTOOL_OUTBOUND_ALLOWED_NETWORKS must be networks, comma-separated "
                                 f"(10.20.0.0/16,192.168.5.0/24), not {value!r}")
    for network in value:
        try:
            ipaddress.ip_network(str(network).strip(), strict=False)
        except ValueError as error:
            raise ConfigurationError(f"QUIZTOOL_OUTBOUND_ALLOWED_NETWORKS: {network!r} is not a network "
                                     f"such as 10.20.0.0/16 ({error})") from error
