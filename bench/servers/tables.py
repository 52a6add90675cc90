"""The benchmark's Piccolo tables: ``BenchRow`` for the insert peers (emptied before each of their
runs), ``BenchKeyed`` for the select-by-key and update-by-key peers (``KEYED_ROWS`` rows, made
once)."""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Varchar
from piccolo.table import Table

__all__ = [
    "INSERT_SQL",
    "INSERT_SQL_PICCOLO",
    "KEYED_ROWS",
    "SELECT_KEYED_SQL",
    "UPDATE_KEYED_SQL",
    "BenchKeyed",
    "BenchRow",
    "create_table_ddl",
]


class BenchRow(Table, tablename="authstage_bench_row"):
    """One benchmark row; its engine is attached by the app factory."""

    id: Serial  # the implicit primary key, declared for type checkers

    name = Varchar(length=100)
    value = Integer()


class BenchKeyed(Table, tablename="authstage_bench_keyed"):
    """A row read or updated by its key; ``KEYED_ROWS`` of them, keys 1 to ``KEYED_ROWS``."""

    id: Serial

    name = Varchar(length=100)
    value = Integer()


#: How many rows ``BenchKeyed`` holds (the select and update peers pick a key at random).
KEYED_ROWS = 1000

#: What Piccolo sends for ``BenchKeyed.select().where(BenchKeyed.id == k).first()`` and for
#: ``BenchKeyed.update({BenchKeyed.value: v}).where(BenchKeyed.id == k)``, used verbatim by the
#: raw asyncpg peers.
SELECT_KEYED_SQL = (
    'SELECT ALL "authstage_bench_keyed"."id" AS "id", "authstage_bench_keyed"."name" AS "name",'
    ' "authstage_bench_keyed"."value" AS "value" FROM "authstage_bench_keyed"'
    ' WHERE "authstage_bench_keyed"."id" = $1 LIMIT 1'
)
UPDATE_KEYED_SQL = (
    'UPDATE "authstage_bench_keyed" SET "value" = $1 WHERE "authstage_bench_keyed"."id" = $2'
)

_FILL_KEYED = (
    'INSERT INTO "authstage_bench_keyed" ("id","name","value")'
    f" SELECT g, 'row ' || g, g FROM generate_series(1, {KEYED_ROWS}) AS g"
    ' ON CONFLICT ("id") DO NOTHING'
)


#: The statement Piccolo sends for ``BenchRow.insert(BenchRow(name=..., value=...))``, used
#: verbatim by the raw asyncpg peer so both peers run the same SQL.
INSERT_SQL = (
    'INSERT INTO "authstage_bench_row" ("id","name","value") VALUES (DEFAULT,$1,$2) RETURNING "id"'
)

#: The same statement written for ``BenchRow.raw(...)`` (Piccolo numbers the ``{}``: $1, $2).
INSERT_SQL_PICCOLO = INSERT_SQL.replace("$1", "{}").replace("$2", "{}")


def create_table_ddl() -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` for both tables, as Piccolo writes it for PostgreSQL, then
    the keyed rows (missing ones only).

    Piccolo writes DDL for the engine the table is bound to (``SERIAL`` on PostgreSQL, a bare
    ``INTEGER`` on SQLite), so the table is bound to a PostgreSQL engine while the DDL is built.
    """
    from authstage.db import create_engine
    from bench.servers.common import DSN

    out: list[str] = []
    for table in (BenchRow, BenchKeyed):
        saved = table._meta.db
        table._meta.db = create_engine(DSN)  # connects to nothing
        try:
            ddl = table.create_table(if_not_exists=True).ddl
        finally:
            table._meta.db = saved
        out += [ddl] if isinstance(ddl, str) else list(ddl)
    return [*out, _FILL_KEYED]
