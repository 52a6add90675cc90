"""Substring search that means what the user typed: ``contains``, ``icontains`` and ``fold``.

A search box's text goes into a ``LIKE`` pattern, where ``%`` and ``_`` are wildcards: typed as
they are, ``100%`` would match every row starting with "100" and ``a_b`` would match "axb".
Piccolo's ``.like()`` takes a finished pattern and has no ``ESCAPE`` clause, and SQLite (unlike
PostgreSQL) has no default escape character, so escaping alone cannot work there. ``contains``
escapes ``\\``, ``%`` and ``_`` and writes the ``ESCAPE '\\'`` clause itself, the same on both
engines: ``100%`` finds exactly the rows holding "100%".

Case. The engines disagree: SQLite's ``LIKE`` folds ASCII letters only, PostgreSQL's ``LIKE`` is
case-sensitive and its ``ILIKE`` and ``lower()`` follow the database's collation. For a search
that ignores case the same way on both, for every script, keep a folded copy of the text in a
column of its own (``fold(title + content)``, written with the row) and search that with
``contains(column, fold(query))``. ``fold`` is Python's ``str.casefold`` (Unicode's full case
folding: "Straße" and "STRASSE" both fold to "strasse") after NFKC normalisation (so a composed
"é" and "e" + combining accent are one letter).

``icontains(column, text)`` is the quick form for a column without a folded copy (an admin's
search over names and emails): ``ILIKE`` on PostgreSQL, ``LIKE`` on SQLite, wildcards literal;
it ignores case for every letter on PostgreSQL and for ASCII letters only on SQLite.

Cost: one ``LIKE`` over the column (a scan: no index serves a leading ``%``); fine for the demo's
few thousand posts; a large table wants the engine's full-text search instead. Piccolo's
clause classes are imported by the first ``contains``/``icontains`` (the caller holds a column,
so Piccolo is loaded by then), not with ``authstage``.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from piccolo.columns import Column
    from piccolo.columns.combination import Where
    from piccolo.columns.operators.comparison import ComparisonOperator

__all__ = ["contains", "fold", "icontains", "like_pattern"]

_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


def fold(text: str) -> str:
    """``text`` normalised (NFKC) and case-folded: what ``contains`` should compare."""
    return unicodedata.normalize("NFKC", text).casefold()


def like_pattern(text: str) -> str:
    """A ``LIKE`` pattern matching rows that contain ``text`` literally (escape ``\\``).

    Example:
        >>> like_pattern("100%_off")
        '%100\\\\%\\\\_off%'
    """
    return f"%{text.translate(_ESCAPES)}%"


@cache
def _operator(keyword: str) -> type[ComparisonOperator]:
    """The Piccolo operator ``{name} <keyword> {value} ESCAPE '\\'`` (made once per keyword)."""
    from piccolo.columns.operators.comparison import ComparisonOperator

    class Escaped(ComparisonOperator):
        template = f"{{name}} {keyword} {{value}} ESCAPE '\\'"

    return Escaped


def _where(column: Column, text: str, keyword: str) -> Where:
    from piccolo.columns.combination import Where

    return Where(column=column, value=like_pattern(text), operator=_operator(keyword))


def contains(column: Column, text: str) -> Where:
    """A ``where`` clause: ``column`` contains ``text`` literally (wildcards escaped).

    Case-sensitive on PostgreSQL, ASCII-insensitive on SQLite: compare folded text (``fold``)
    for the same answer on both.

    Example:
        >>> await Post.select().where(contains(Post.search_text, fold(query)))
    """
    return _where(column, text, "LIKE")


def icontains(column: Column, text: str) -> Where:
    """A ``where`` clause: ``column`` contains ``text``, ignoring case (every letter on
    PostgreSQL, ASCII letters on SQLite), wildcards literal.

    Example:
        >>> await User.select().where(icontains(User.name, q) | icontains(User.email, q))
    """
    postgres = column._meta.engine_type in {"postgres", "cockroach"}
    return _where(column, text, "ILIKE" if postgres else "LIKE")
