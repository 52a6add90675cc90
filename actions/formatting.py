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

#: (what it names, the name, the pattern); first match of each kind wins: Edge and Opera also
#: say Chrome, Chrome also says Safari, an iPhone also says Mac OS X, Android also says Linux.
_PATTERNS = [
    (kind, name, re.compile(pattern))
    for kind, name, pattern in [
        ("browser", "Edge", r"\bEdg(?:e|A|iOS)?/"),
        ("browser", "Opera", r"\bOPR/|\bOpera\b"),
        ("browser", "Samsung Internet", r"\bSamsungBrowser/"),
        ("browser", "Firefox", r"\b(?:Firefox|FxiOS)/"),
        ("browser", "Chrome", r"\b(?:Chrome|Chromium|CriOS|HeadlessChrome)/"),
        ("browser", "Safari", r"\bVersion/[\d.]+.*\bSafari/"),
        ("system", "iPhone", r"\biPhone\b"),
        ("system", "iPad", r"\biPad\b"),
        ("system", "Android", r"\bAndroid\b"),
        ("system", "ChromeOS", r"\bCrOS\b"),
        ("system", "Windows", r"\bWindows\b"),
        ("system", "macOS", r"\bMac OS X\b|\bMacintosh\b"),
        ("system", "Linux", r"\bLinux\b|\bX11\b"),
    ]
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


def _first(kind: str, agent: str) -> str | None:
    return next((n for k, n, pattern in _PATTERNS if k == kind and pattern.search(agent)), None)


def device(user_agent: str | None) -> str:
    """A short, readable name for a user agent: ``Chrome on Android``, ``curl``."""
    agent = (user_agent or "").strip()
    if not agent:
        return "Unknown device"
    browser, system = (_first(kind, agent) for kind in ("browser", "system"))
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    program = _PROGRAM.match(agent)
    return program.group(1) if program else agent[:40]


#: Installed on the app's Jinja environment by ``create_app``.
FILTERS: dict[str, Any] = {"when": when, "ago": ago, "device": device}
