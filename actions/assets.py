"""The app's static files (its stylesheet) under ``/static``, cached for a year by the browser.

Litestar's static files router serves the directory; ``asset_url("app.css")`` (a template
global) names a file with its content hash, ``/static/app.css?v=3f2a9c81d0b4``, so the
response can say ``immutable``: a changed file gets a new URL, and the browser asks again. The
hashes are computed once per file and process (files are not expected to change under a
running server; ``authstage run --reload`` restarts it when they do).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

__all__ = ["STATIC", "asset_url", "static_files"]

STATIC = Path(__file__).parent / "static"
PREFIX = "/static"


def static_files() -> Router:
    """The router serving ``STATIC`` under ``/static`` with a year-long, immutable cache."""
    year = 365 * 24 * 60 * 60
    cache_control = CacheControlHeader(public=True, max_age=year, immutable=True)
    return create_static_files_router(
        path=PREFIX, directories=[STATIC], name="static", cache_control=cache_control
    )


@cache
def asset_url(name: str) -> str:
    """``/static/<name>?v=<the first 12 hex digits of its SHA-256>``.

    Raises:
        FileNotFoundError: there is no such file (a template naming a missing asset fails when
            rendered, in development, rather than linking to a 404).
    """
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"{PREFIX}/{name}?v={digest}"
