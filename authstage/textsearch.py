"""``icontains``: "this column contains this text", ignoring case, the same on both engines.

A search box is a ``LIKE '%text%'``, and the text a visitor types may itself hold ``%``, ``_``
or ``\\``: taken as they are, ``%`` would match everything and ``_`` any character. Piccolo's
``like``/``ilike`` take the pattern as given and have no ``ESCAPE`` clause, and SQLite (unlike
PostgreSQL) has no default escape character, so the escaping cannot be done in the value alone.
Hence this small comparison operator of our own: the pattern is always a bound parameter, its
wildcards escaped with ``\\``, and the ``ESCAPE '\\'`` clause written on both engines.

Case: PostgreSQL's ``ILIKE`` folds every letter; SQLite's ``LIKE`` folds ASCII letters only
(its documented limit: "É" does not match "é" there).

    await Post.select().where(icontains(Post.title, q) | icontains(Post.content, q))

Cost: a sequential scan per search (a leading ``%`` cannot use a B-tree index); fine for the
tables of an admin page or a small site, a full-text index beyond that.
"""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.columns.operators.comparison import ComparisonOperator

__all__ = ["escape_like", "icontains"]


class _ILikeEscaped(ComparisonOperator):
    template = "{name} ILIKE {value} ESCAPE '\\'"


class _LikeEscaped(ComparisonOperator):
    template = "{name} LIKE {value} ESCAPE '\\'"


def escape_like(text: str) -> str:
    """``text`` with the ``LIKE`` wildcards and the escape character escaped by ``\\``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def icontains(column: Column, text: str) -> Where:
    """A ``where`` clause: ``column`` contains ``text``, ignoring case, wildcards literal."""
    postgres = column._meta.engine_type in {"postgres", "cockroach"}
    operator = _ILikeEscaped if postgres else _LikeEscaped
    return Where(column=column, value=f"%{escape_like(text)}%", operator=operator)
