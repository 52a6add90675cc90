"""The benchmark's Piccolo table, shared by both DB insert peers."""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Varchar
from piccolo.table import Table

__all__ = ["INSERT_SQL", "INSERT_SQL_PICCOLO", "BenchRow", "create_table_ddl"]


class BenchRow(Table, tablename="authstage_bench_row"):
    """One benchmark row; its engine is attached by the app factory."""

    id: Serial  # the implicit primary key, declared for type checkers

    name = Varchar(length=100)
    value = Integer()


#: The statement Piccolo sends for ``BenchRow.insert(BenchRow(name=..., value=...))``, used
#: verbatim by the raw asyncpg peer so both peers run the same SQL.
INSERT_SQL = (
    'INSERT INTO "authstage_bench_row" ("id","name","value") VALUES (DEFAULT,$1,$2) RETURNING "id"'
)

#: The same statement written for ``BenchRow.raw(...)`` (Piccolo numbers the ``{}``: $1, $2).
INSERT_SQL_PICCOLO = INSERT_SQL.replace("$1", "{}").replace("$2", "{}")


def create_table_ddl() -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` for ``BenchRow``, as Piccolo writes it for PostgreSQL.

    Piccolo writes DDL for the engine the table is bound to (``SERIAL`` on PostgreSQL, a bare
    ``INTEGER`` on SQLite), so the table is bound to a PostgreSQL engine while the DDL is built.
    """
    from authstage.db import create_engine
    from bench.servers.common import DSN

    saved = BenchRow._meta.db
    BenchRow._meta.db = create_engine(DSN)  # connects to nothing
    try:
        ddl = BenchRow.create_table(if_not_exists=True).ddl
    finally:
        BenchRow._meta.db = saved
    return [ddl] if isinstance(ddl, str) else list(ddl)
