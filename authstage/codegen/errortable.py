"""The protocol's error codes, rendered into both client runtimes from the one table.

``authstage.errors.CODE_STATUS`` is the only place a code and its HTTP status are written.
Each runtime source (``tsruntime/errors.ts``, ``pyruntime/errors.py``) keeps the table between
two marker comments, ``<error-table>`` and ``</error-table>``; generation replaces what is
between them with the table rendered from ``CODE_STATUS``, so a generated client can never
disagree with the server. The runtime sources hold the current rendering too, so they stay
valid, type-checked code on their own; a test checks they are current.

A marked region (instead of rendering whole files) keeps the runtimes as ordinary source files
that linters and compilers read; the price is the two marker lines in each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from authstage.errors import CODE_STATUS

__all__ = ["fill_error_table", "python_error_table", "typescript_error_table"]

_REGION = re.compile(
    r"(?P<open>^(?P<mark>//|#) <error-table>[^\n]*\n)"
    r"(?P<body>.*?)"
    r"(?P<close>^(?P=mark) </error-table>$)",
    re.S | re.M,
)


def typescript_error_table(table: Mapping[str, int] | None = None) -> str:
    """``ErrorCode`` and ``ERROR_STATUS`` for errors.ts (``table``: ``CODE_STATUS``)."""
    table = CODE_STATUS if table is None else table
    codes = "".join(f"\n  | {json.dumps(code)}" for code in table)
    statuses = "".join(f"  {code}: {status},\n" for code, status in table.items())
    return (
        "/** The protocol's error codes (docs/protocol.md). */\n"
        f"export type ErrorCode ={codes};\n\n"
        "/** Every error code, with the HTTP status that goes with it. */\n"
        "export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {\n"
        f"{statuses}}};\n"
    )


def python_error_table(table: Mapping[str, int] | None = None) -> str:
    """``ERROR_STATUS`` for errors.py (``table``: ``CODE_STATUS``)."""
    table = CODE_STATUS if table is None else table
    statuses = "".join(f"    {json.dumps(code)}: {status},\n" for code, status in table.items())
    return (
        "#: Every error code of the protocol, with the HTTP status that goes with it.\n"
        f"ERROR_STATUS: dict[str, int] = {{\n{statuses}}}\n"
    )


def fill_error_table(source: str, rendered: str) -> str:
    """``source`` with its marked error-table region replaced by ``rendered``.

    Raises:
        ValueError: ``source`` has no marked region (a runtime file lost its markers).
    """
    filled, count = _REGION.subn(
        lambda match: match["open"] + rendered + match["close"], source, count=1
    )
    if count != 1:
        raise ValueError("no <error-table> region to fill")
    return filled
