"""Benchmark: a cached read vs the same read uncached, against PostgreSQL, in one process.

    .venv/bin/python -m bench.cache [--seconds 3] [--rounds 3] [--concurrency 32] [--json PATH]

The read lists a small table (20 rows) through Piccolo and converts the rows to
``list[PostOut]``, as a page's data function would. ``concurrency`` tasks call it in a loop for
``seconds``, yielding to the event loop after each read (a read served from memory never
suspends, and a loop of them would starve the other callers); throughput is completed reads
per second, best of ``rounds``. The same function
is measured uncached (a pool of 10 connections, as an app would have), and through ``@cached``
on each store: memory, Redis with the local layer, and Redis without it (every read is one
``MGET`` round trip). The ratios to the uncached read are printed; the target, >= 5x, is for
the two default shapes (memory in one process, Redis with the local layer in production).
Redis direct is printed for information: one Redis round trip through redis-py costs about
what the 20-row PostgreSQL query costs through asyncpg, so it cannot be 5x faster.

The database is a fresh one on the server at ``BENCH_POSTGRES`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), dropped at the end; the Redis keys live under
a namespace of their own, deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import msgspec
from piccolo.columns import Varchar
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from authstage.cache import Cache

__all__ = ["main"]

ADMIN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROWS = 20


class BenchPost(Table, tablename="authstage_bench_cache_post"):
    """The small table the read lists."""

    title = Varchar(length=200)


class PostOut(msgspec.Struct):
    id: int
    title: str


async def list_posts() -> list[PostOut]:
    """The read: one Piccolo query, rows converted to the wire type."""
    key = BenchPost._meta.primary_key
    rows = await BenchPost.select(key, BenchPost.title).order_by(key)
    return msgspec.convert(rows, list[PostOut])


async def throughput(read: Callable[[], Awaitable[Any]], seconds: float, tasks: int) -> float:
    """Reads per second with ``tasks`` concurrent callers for ``seconds``."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await read()
            done += 1
            await asyncio.sleep(0)  # one read per loop turn, as one request per task in a server

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(tasks)))
    return done / (time.perf_counter() - started)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def run(seconds: float, rounds: int, tasks: int) -> dict[str, float]:
    """Best reads/s per variant."""
    name = f"authstage_bench_cache_{secrets.token_hex(4)}"
    await _admin(f'CREATE DATABASE "{name}"')
    engine = PostgresEngine(config={"dsn": urlsplit(ADMIN)._replace(path=f"/{name}").geturl()})
    BenchPost._meta.db = engine
    namespace = f"bench-cache-{secrets.token_hex(4)}:"
    caches = {
        "cached, memory": Cache("memory://"),
        "cached, Redis + local layer": Cache(REDIS, namespace=namespace),
        "cached, Redis direct": Cache(REDIS, namespace=namespace, local=False),
    }
    variants: dict[str, Callable[[], Awaitable[Any]]] = {"uncached": list_posts}
    for label, cache in caches.items():
        variants[label] = cache.cached(tags=["posts"], ttl=600)(list_posts)
    try:
        await BenchPost.create_table()
        await BenchPost.insert(*(BenchPost(title=f"post {i}") for i in range(ROWS)))
        await engine.start_connection_pool(min_size=10, max_size=10)
        for cache in caches.values():
            await cache.start()
        assert await variants["cached, Redis direct"]() == await list_posts()
        best = dict.fromkeys(variants, 0.0)
        for _ in range(rounds):
            for label, read in variants.items():
                best[label] = max(best[label], await throughput(read, seconds, tasks))
        return best
    finally:
        for cache in caches.values():
            await cache.close()
        await engine.close_connection_pool()
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(REDIS)
        async for key in client.scan_iter(f"{namespace}*"):
            await client.delete(key)
        await client.aclose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    """Measure and print reads/s and the ratio of each cached variant to the uncached read."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--json", help="also write the figures here (e.g. bench/results/cache.json)"
    )
    args = parser.parse_args()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    best = asyncio.run(run(args.seconds, args.rounds, args.concurrency))
    if args.json:
        figures = {"started": started, "reads_per_second": best, **vars(args)}
        Path(args.json).write_bytes(msgspec.json.format(msgspec.json.encode(figures)) + b"\n")
    base = best["uncached"]
    print(f"{'read':<30} {'reads/s':>10} {'÷ uncached':>11}")
    for label, rate in best.items():
        print(f"{label:<30} {rate:>10,.0f} {rate / base:>10.1f}x")
    defaults = min(best["cached, memory"], best["cached, Redis + local layer"]) / base
    verdict = "met" if defaults >= 5 else "missed"
    print(f"target: the default shapes (memory, Redis + local) >= 5x uncached: {verdict}")


if __name__ == "__main__":
    main()
