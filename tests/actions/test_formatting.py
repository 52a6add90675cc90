"""Dates and devices as the profile page shows them: UTC, readable, and never a raw value."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.formatting import ago, device, when

NOW = dt.datetime(2026, 12, 1, 10, 45, 30, tzinfo=dt.UTC)


def test_when_is_day_month_year_and_time_in_utc() -> None:
    assert when(NOW) == "1 Dec 2026, 10:45"
    paris = dt.timezone(dt.timedelta(hours=1))
    assert when(dt.datetime(2026, 12, 1, 11, 45, tzinfo=paris)) == "1 Dec 2026, 10:45"
    assert when("2026-03-09T08:05:00") == "9 Mar 2026, 08:05"  # SQLite's naive text is UTC
    assert when(None) == ""


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(seconds=5), "just now"),
        (dt.timedelta(minutes=1, seconds=10), "1 minute ago"),
        (dt.timedelta(minutes=3), "3 minutes ago"),
        (dt.timedelta(hours=2, minutes=59), "2 hours ago"),
        (dt.timedelta(days=1, hours=3), "1 day ago"),
        (dt.timedelta(days=45), "1 month ago"),
        (dt.timedelta(days=800), "2 years ago"),
        (-dt.timedelta(days=5, minutes=1), "in 5 days"),
    ],
)
def test_ago_says_how_long_ago_in_the_largest_whole_unit(delta: dt.timedelta, text: str) -> None:
    assert ago(NOW - delta, now=NOW) == text


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/131.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        ("curl/8.5.0", "curl"),
        ("python-httpx/0.28.1", "python-httpx"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_device_names_the_browser_and_system(agent: str | None, shown: str) -> None:
    assert device(agent) == shown


def test_device_shortens_what_it_does_not_know() -> None:
    assert device("x" * 300) == "x" * 40
