"""In-process micro-benchmark of compiled queries: ORM vs ``@compiled`` vs raw asyncpg.

``python -m bench.compiled [--rounds 7] [--calls 500] [--profile insert|select|update]``

For an insert, a select by key and an update by key on PostgreSQL, three ways of sending the
same statement through a pool of the same size: the Piccolo query built on every call, the same
query compiled once (``authstage.compiled``), and the SQL written by hand on a raw asyncpg pool.
Calls are sequential (one at a time: CPU per call plus one round trip), the three variants of
each round run in a rotated order, and the report gives the median time per call of the rounds
and ``raw ÷ variant`` (above 1.0x: faster than raw asyncpg). ``--profile`` runs cProfile over
the ORM variant of one operation and prints the functions with the most cumulative time.

The database ``authstage_bench_compiled`` is created (and dropped again) on the server of
``BENCH_DATABASE_URL``'s host.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from piccolo.query.methods.insert import Insert
from piccolo.query.methods.select import First
from piccolo.query.methods.update import Update

from authstage import compiled
from authstage.engines import Postgres
from bench.servers.common import DSN
from bench.servers.tables import INSERT_SQL, BenchRow, create_table_ddl

__all__ = ["main"]

DATABASE = "authstage_bench_compiled"
SELECT_SQL = (
    'SELECT "authstage_bench_row"."id","authstage_bench_row"."name","authstage_bench_row"."value"'
    ' FROM "authstage_bench_row" WHERE "authstage_bench_row"."id" = $1 LIMIT 1'
)
UPDATE_SQL = 'UPDATE "authstage_bench_row" SET "value" = $1 WHERE "authstage_bench_row"."id" = $2'


@compiled
def _insert(name: str, value: int) -> Insert[BenchRow]:
    return BenchRow.insert(BenchRow(name=name, value=value))


@compiled
def _select(row_id: int) -> First:
    return BenchRow.select().where(BenchRow.id == row_id).first()


@compiled
def _update(row_id: int, value: int) -> Update[BenchRow]:
    return BenchRow.update({BenchRow.value: value}).where(BenchRow.id == row_id)


def _variants(pool: Any) -> dict[str, dict[str, Callable[[], Awaitable[Any]]]]:
    return {
        "insert": {
            "orm": lambda: BenchRow.insert(BenchRow(name="n", value=1)).run(),
            "compiled": lambda: _insert(name="n", value=1),
            "raw": lambda: pool.fetchval(INSERT_SQL, "n", 1),
        },
        "select": {
            "orm": lambda: BenchRow.select().where(BenchRow.id == 1).first().run(),
            "compiled": lambda: _select(row_id=1),
            "raw": lambda: pool.fetchrow(SELECT_SQL, 1),
        },
        "update": {
            "orm": lambda: BenchRow.update({BenchRow.value: 2}).where(BenchRow.id == 1).run(),
            "compiled": lambda: _update(row_id=1, value=2),
            "raw": lambda: pool.execute(UPDATE_SQL, 2, 1),
        },
    }


async def _time(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - start) / calls * 1e6


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(DSN.rsplit("/", 1)[0] + "/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def run(rounds: int, calls: int, profile: str | None) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    await _admin(f'CREATE DATABASE "{DATABASE}"')
    dsn = urlsplit(DSN)._replace(path=f"/{DATABASE}").geturl()
    engine = Postgres(config={"dsn": dsn})
    BenchRow._meta.db = engine
    try:
        await engine.start_connection_pool(min_size=2, max_size=2)
        for ddl in create_table_ddl():
            await engine.run_ddl(ddl)
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=2)
        variants = _variants(pool)
        for calls_of in variants.values():  # warm up: caches, compilation, connections
            for call in calls_of.values():
                await _time(call, 50)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await _time(variants[profile]["orm"], calls)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(
                "piccolo|asyncpg|authstage", 25
            )
        times: dict[tuple[str, str], list[float]] = {}
        for index in range(rounds):
            for operation, calls_of in variants.items():
                order = list(calls_of)
                order = order[index % 3 :] + order[: index % 3]  # rotate who goes first
                for name in order:
                    times.setdefault((operation, name), []).append(
                        await _time(calls_of[name], calls)
                    )
        await pool.close()
    finally:
        await engine.close_connection_pool()
        await _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    print(f"{rounds} rounds of {calls} sequential calls; median µs per call, raw ÷ variant")
    for operation in variants:
        raw = statistics.median(times[(operation, "raw")])
        cells = []
        for name in ("orm", "compiled", "raw"):
            median = statistics.median(times[(operation, name)])
            cells.append(f"{name} {median:7.0f} µs ({raw / median:.2f}x)")
        print(f"{operation:7} " + "   ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--profile", choices=("insert", "select", "update"))
    arguments = parser.parse_args()
    asyncio.run(run(arguments.rounds, arguments.calls, arguments.profile))


if __name__ == "__main__":
    main()
