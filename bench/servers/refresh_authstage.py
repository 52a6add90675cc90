"""Peer of ``bench.refresh``: a mutation that revalidates a read, and the read (PostgreSQL)."""

from __future__ import annotations

import msgspec
from litestar import Litestar

from authstage import action, depends_on, revalidate_tag
from bench.servers.common import Int32, Name
from bench.servers.db_authstage import piccolo_action_app
from bench.servers.tables import BenchRow

__all__ = ["RowOut", "add_row", "create_app", "latest_rows"]

#: Rows the read returns, as a page's list would show.
LATEST = 20


class RowOut(msgspec.Struct):
    id: int
    name: str
    value: int


@action(public=True, name="bench.add_row")
async def add_row(name: Name, value: Int32) -> int:
    """Insert one row and revalidate the ``rows`` tag; return its id."""
    inserted = await BenchRow.insert(BenchRow(name=name, value=value))
    revalidate_tag("rows")
    new_id: int = inserted[0]["id"]
    return new_id


@action(public=True, name="bench.latest_rows")
@depends_on(tags=["rows"])
async def latest_rows() -> list[RowOut]:
    """The newest rows: what the page shows and keeps current."""
    newest_first = BenchRow._meta.primary_key
    rows = await BenchRow.select().order_by(newest_first, ascending=False).limit(LATEST)
    return msgspec.convert(rows, list[RowOut])


def create_app() -> Litestar:
    """Both actions over the benchmark table (pool opened at startup)."""
    return piccolo_action_app(add_row, latest_rows)
