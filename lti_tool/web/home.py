"""The tool's own front page and icon."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import send_from_directory

bp = Blueprint("home", __name__)

#: The tool's icon: the LMS shows it on the tool's card (``logo_uri`` in Dynamic Registration,
#: ``icon_url`` in Canvas's configuration), browsers as the favicon.
ICON = "icon.svg"


@bp.get("/")
def index() -> str:
    return render_template("home.html")


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says; answer with the icon."""
    response = send_from_directory(current_app.static_folder or "static", ICON, mimetype="image/svg+xml")
    response.cache_control.max_age = 86400
    return response
