"""The language, time zone and number formats of a page.

The language is the LTI launch's ``launch_presentation.locale`` (kept on the tool session), else
the browser's ``Accept-Language``, among the languages the tool has catalogues for; the time zone
is the launch's (a ``timezone`` custom parameter, e.g. Canvas's ``$Person.address.timezone``),
else UTC on the server, and the browser's own zone once ``static/local_time.js`` rewrites each
``<time>`` element. Templates format every score and moment through the filters registered here,
which call ``services.display`` with the page's locale and zone.
"""

from __future__ import annotations

from datetime import datetime
from datetime import tzinfo

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask_babel import Babel
from flask_babel import get_locale
from flask_babel import get_translations
from markupsafe import Markup
from markupsafe import escape

from lti_tool.services import display

#: The languages with message catalogues (lti_tool/translations); the first is the default.
LANGUAGES = ("en", "es")


def supported(tag: str | None) -> str | None:
    """``es-MX``, ``es_ES`` or ``es`` → ``es``; None for a language without a catalogue."""
    if not tag:
        return None
    base = tag.replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else None


def _select_locale() -> str:
    record = g.get("tool_session")
    chosen = supported(getattr(record, "locale", None))
    if chosen:
        return chosen
    if has_request_context():
        return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return LANGUAGES[0]


def _select_timezone() -> str | None:
    record = g.get("tool_session")
    name = getattr(record, "timezone", None)
    return name if name and display.zone(name) is not display.zone(None) else None


def locale() -> str:
    return str(get_locale() or LANGUAGES[0])


def zone() -> tzinfo:
    record = g.get("tool_session") if has_request_context() else None
    return display.zone(getattr(record, "timezone", None))


def N_(text: str) -> str:
    """Marks an English text that a service says for the catalogue (``pybabel extract -k N_``);
    templates translate it when they show it (``_(policy.reason)``)."""
    return text


#: What services tell a student in words (they stay free of Flask), kept here for the catalogue.
SERVICE_MESSAGES = (
    N_("The answers are shown only after the attempt is submitted."),
    N_("Your instructor shows the score only for this assignment."),
    N_("The correct answers and explanations are shown after the due date."),
    N_("The correct answers and explanations are shown after the due date "
       "(or, without one, once you have used all your attempts)."),
    N_("This attempt was submitted (in another window or tab, or on another device); "
       "answers can no longer change."),
    N_("Time is up: your attempt was submitted with the answers saved so far."),
    N_("This assignment is not ready yet. Your instructor has been told why."),
    N_("You have used all your attempts at this assignment."),
    N_("The due date has passed and the answers are now shown: no new attempt can start."),
    N_("A new attempt cannot be started right now: the question bank no longer fits this "
       "quiz's settings. Your instructor can see why on the assignment page."),
)


def say(message: object) -> str:
    """A sentence from the domain (``question_bank.messages.Message``: a msgid and its parameters)
    in the page's language, its numbers formatted for the page's locale; plain text as it is."""
    msgid = getattr(message, "msgid", None)
    if msgid is None:
        return str(message) if message is not None else ""
    values = {name: _said(value) for name, value in message.params.items()}  # type: ignore[attr-defined]
    if message.plural is not None:  # type: ignore[attr-defined]
        text = get_translations().ungettext(msgid, message.plural, message.n)  # type: ignore[attr-defined]
    else:
        text = get_translations().ugettext(msgid)
    return text % values if values else text


def _said(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return display.decimal(value, locale())
    if isinstance(value, tuple):
        return ", ".join(_said(part) for part in value)
    return say(value)


def _decimal(value: float | None) -> str:
    return display.decimal(value, locale())


def _percent(value: float | None) -> str:
    return display.percent(value, locale())


def _out_of(value: float | None, maximum: float | None) -> str:
    return display.out_of(value, maximum, locale())


def _grade(value: float | None, maximum: float | None) -> str:
    return display.grade(value, maximum, locale())


def when(value: datetime | None) -> str:
    """A moment as text in the page's zone, the zone named (also used outside templates)."""
    return display.moment(value, locale(), zone())


def _clock(value: datetime | None) -> str:
    return display.clock(value, locale(), zone())


def time_tag(value: datetime | None, style: str = "moment") -> Markup:
    """``<time datetime="…">`` with the server's text; local_time.js rewrites it in the browser's
    own zone (``style`` "clock" for the time of day only)."""
    if value is None:
        return Markup("")
    text = _clock(value) if style == "clock" else when(value)
    return Markup('<time datetime="{}" data-local="{}">{}</time>').format(
        value.isoformat(), escape(style), text)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    app.jinja_env.filters.update(decimal=_decimal, percent=_percent, out_of=_out_of, grade=_grade,
                                 when=when, clock=_clock, say=say)
    app.jinja_env.globals.update(time_tag=time_tag, current_locale=locale)
