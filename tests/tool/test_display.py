"""services.display: the one home of how scores and moments are written for people."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from lti_tool.services import display


def test_scores_have_at_most_two_decimals_on_the_gradebook_scale() -> None:
    assert display.grade(2.983333, 10) == "2.98 / 10 (30%)"
    assert display.grade(5.56667 / 15 * 10, 10) == "3.71 / 10 (37%)"
    assert display.out_of(1 / 3, 1) == "0.33 / 1"
    assert display.grade(10, 10) == "10 / 10 (100%)"
    assert display.grade(0, 10) == "0 / 10 (0%)"
    assert display.decimal(1234.5) == "1,234.5" and display.decimal(None) == "0"
    assert display.percent(0.295) == "30%" and display.percent(0.2949) == "29%"


def test_numbers_follow_the_locale() -> None:
    assert display.grade(2.983333, 10, "es") == "2,98 / 10 (30\xa0%)"
    assert display.decimal(12345.5, "es") == "12.345,5"


def test_moments_name_their_zone_and_an_unknown_zone_is_utc() -> None:
    moment = datetime(2026, 12, 6, 14, 32, tzinfo=UTC)
    assert display.moment(moment) == "Dec 6, 2026, 2:32\u202fPM Coordinated Universal Time"
    assert display.moment(moment, "en", display.zone("Europe/Madrid")).endswith("3:32\u202fPM Central European Standard Time")
    assert display.moment(moment, "es", display.zone("Europe/Madrid")) == "6 dic 2026, 15:32 hora estándar de Europa central"
    assert display.zone("Mars/Olympus") is UTC and display.zone(None) is UTC
    assert display.clock(moment) == "2:32\u202fPM Coordinated Universal Time"
    assert display.moment(None) == ""
