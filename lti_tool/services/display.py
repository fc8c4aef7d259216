"""Numbers and moments as people write them: one home for every score, percentage and time a
page shows (the landing page, the results, the review, the instructor's pages).

Pure functions of a value, a locale and a time zone (Babel, no Flask): the web layer passes the
request's locale and zone (``web.i18n``). What is stored and what is sent to the LMS keeps full
precision; only what is shown is rounded, to at most two decimals.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import tzinfo

from babel.dates import format_date
from babel.dates import format_datetime
from babel.dates import format_time
from babel.dates import get_timezone
from babel.numbers import format_decimal
from babel.numbers import format_percent

#: At most two decimals, no trailing zeros: 2.98, 0.33, 10, 1,234.5 (1.234,5 in Spanish).
DECIMAL = "#,##0.##"


def decimal(value: float | int | None, locale: str = "en") -> str:
    """A score or a count of points, rounded to two decimals for the eye."""
    return format_decimal(round(float(value or 0), 2), DECIMAL, locale=locale)


def percent(fraction: float | None, locale: str = "en") -> str:
    """A share 0..1 as a whole percentage (rounded half up: 0.295 is 30%)."""
    whole = int(float(fraction or 0) * 100 + 0.5 + 1e-9) / 100
    return format_percent(whole, locale=locale)  # the locale's own pattern: 30%, 30 %


def out_of(given: float | None, maximum: float | None, locale: str = "en") -> str:
    """``2.98 / 10``: a score on its scale, as a gradebook writes it."""
    return f"{decimal(given, locale)} / {decimal(maximum, locale)}"


def grade(given: float | None, maximum: float | None, locale: str = "en") -> str:
    """``2.98 / 10 (30%)``: the gradebook's scale first, then the share."""
    share = (float(given or 0) / float(maximum)) if maximum else 0.0
    return f"{out_of(given, maximum, locale)} ({percent(share, locale)})"


def zone(name: str | None) -> tzinfo:
    """The time zone named (an IANA name such as ``Europe/Madrid``), UTC for none or an unknown
    name: a claim or a header never makes a page fail."""
    if not name:
        return UTC
    try:
        return get_timezone(name)
    except (LookupError, ValueError):
        return UTC


def moment(value: datetime | None, locale: str = "en", tz: tzinfo = UTC) -> str:
    """A date and time in ``tz`` with the zone named: ``Dec 6, 2026, 2:32 PM Coordinated
    Universal Time``; "" for none."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    day = format_date(value.astimezone(tz), "medium", locale=locale)
    clock = format_time(value, "short", tzinfo=tz, locale=locale)
    name = format_datetime(value, "zzzz", tzinfo=tz, locale=locale)
    return f"{day}, {clock} {name}"


def clock(value: datetime | None, locale: str = "en", tz: tzinfo = UTC) -> str:
    """Only the time of day with the zone named: ``2:32 PM UTC`` (for "sent at")."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"{format_time(value, 'short', tzinfo=tz, locale=locale)} {format_datetime(value, 'zzzz', tzinfo=tz, locale=locale)}"
