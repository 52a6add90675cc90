"""Peers: actions reading one row by its key and updating one row by its key, both ``@compiled``.

The queries are ORM code, ``BenchKeyed.select().where(BenchKeyed.id == row_id).first()`` and
``BenchKeyed.update({BenchKeyed.value: value}).where(BenchKeyed.id == row_id)``, compiled to
SQL on the first call and then sent with new values through Piccolo's pooled ``PostgresEngine``
(the insert peers' app factory). One app serves both actions; each peer calls one.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Litestar
from piccolo.query.methods.select import First
from piccolo.query.methods.update import Update

from authstage import action, compiled, not_found
from bench.servers.common import Int32
from bench.servers.db_authstage import piccolo_action_app
from bench.servers.tables import KEYED_ROWS, BenchKeyed

__all__ = ["KeyedRow", "RowKey", "create_app", "get_row", "set_value"]

#: A key of ``BenchKeyed``.
RowKey = Annotated[int, msgspec.Meta(ge=1, le=KEYED_ROWS)]


class KeyedRow(msgspec.Struct):
    """One row as both select peers return it."""

    id: int
    name: str
    value: int


@compiled
def _by_key(row_id: int) -> First:
    return BenchKeyed.select().where(BenchKeyed.id == row_id).first()


@compiled
def _set_value(row_id: int, value: int) -> Update[BenchKeyed]:
    return BenchKeyed.update({BenchKeyed.value: value}).where(BenchKeyed.id == row_id)


@action(public=True, name="bench.get_row")
async def get_row(row_id: RowKey) -> KeyedRow:
    """The row with this key."""
    row = await _by_key(row_id=row_id)
    if row is None:
        raise not_found("No such row")
    return KeyedRow(id=row["id"], name=row["name"], value=row["value"])


@action(public=True, name="bench.set_value")
async def set_value(row_id: RowKey, value: Int32) -> int:
    """Set the row's value; returns its key."""
    await _set_value(row_id=row_id, value=value)
    return row_id


def create_app() -> Litestar:
    """Both keyed actions, set up exactly as the insert peers' app."""
    return piccolo_action_app(get_row, set_value)
