"""How pages show dates and devices: Jinja filters ``when``, ``ago`` and ``device``.

Dates are formatted on the server, in UTC, the same for every visitor: ``when`` gives
"1 Dec 2026, 10:45", ``ago`` "3 minutes ago" (or "in 2 days" for a time ahead). ``device`` turns
a user agent into what a person recognizes on the devices list: "Firefox on Linux", "Safari on
iPhone", "curl". A user-agent parser library would know more browsers; the profile page needs
the handful people use, and a dozen ordered patterns cover them without a dependency and its
regular-expression database.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["FILTERS", "ago", "device", "when"]

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_UNITS = [("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600)]

#: First match wins: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = [
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:Chrome|Chromium|CriOS)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
]
_SYSTEMS = [
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
]
#: Programs that are not browsers, named by their product token ("curl/8.5.0" -> "curl").
_PROGRAM = re.compile(r"^([A-Za-z][\w.-]{0,40})/[\w.]+")


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def when(value: dt.datetime | str | None) -> str:
    """``1 Dec 2026, 10:45`` (UTC); an empty string for None."""
    if value is None:
        return ""
    moment = _aware(value).astimezone(dt.UTC)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def ago(value: dt.datetime | str | None, now: dt.datetime | None = None) -> str:
    """``just now``, ``3 minutes ago``, ``1 hour ago``, ``2 days ago``; ``in 5 days`` ahead."""
    if value is None:
        return ""
    seconds = ((now or dt.datetime.now(dt.UTC)) - _aware(value)).total_seconds()
    ahead, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    count, unit = int(seconds // 60), "minute"
    for name, size in _UNITS:
        if seconds >= size:
            count, unit = int(seconds // size), name
            break
    span = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {span}" if ahead else f"{span} ago"


def device(user_agent: str | None) -> str:
    """A short, readable name for a user agent: ``Chrome on Android``, ``curl``."""
    agent = (user_agent or "").strip()
    if not agent:
        return "Unknown device"
    browser = next((name for name, pattern in _BROWSERS if pattern.search(agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    program = _PROGRAM.match(agent)
    return program.group(1) if program else agent[:40]


#: Installed on the app's Jinja environment by ``create_app``.
FILTERS: dict[str, Any] = {"when": when, "ago": ago, "device": device}
