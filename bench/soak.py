"""Load soak on the production shape: two instances on PostgreSQL + Redis, a realistic mix.

``python -m bench.soak [--seconds 60] [--connections 100]`` starts the scale-out cluster (two
``authstage run`` instances and one worker over one fresh PostgreSQL database and the shared
Redis, configured through the environment only: tests/scaleout/cluster.py, reused as is),
signs up one user per connection, then lets every connection loop over a mix for the given
time, each call sent to A or B in turn:

- 40 % signed-in reads (the user's todo list, their sessions),
- 30 % likes (``toggle_like`` on one of the shared posts),
- 20 % todo toggles (``toggle_todo`` on the connection's own todo),
- 10 % post creation (``create_post``, each title unique).

At the end it reconciles with the database: every post's ``likes`` equals its ``Like`` rows
and what the connections' last presses say; each todo's state equals the last toggle its
connection made; every created post is there. It reports errors, lost updates, p50/p99
latency and the RSS of each process (its tree) at start and end, and writes them to
``bench/results/soak.json`` for the benchmark page (platform_report.py). Not a test: the
machine it runs on decides the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from authstage_client import AsyncClient, PostIn, SignupIn

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.scaleout.cluster import Cluster
from tests.unit.redis_server import delete_namespace, require_redis

__all__ = ["main", "soak"]

RESULTS = Path(__file__).resolve().parent / "results" / "soak.json"
PASSWORD = "correct horse battery"
#: RSS growth per process that the soak accepts, in MB.
RSS_BOUND_MB = 50


@dataclass
class Connection:
    """One simulated user: a client per instance (one cookie), and what it last did."""

    clients: tuple[AsyncClient, AsyncClient]
    todo: int = 0
    todo_done: bool = False
    liked: dict[int, bool] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    turn: int = 0

    def next(self) -> AsyncClient:
        self.turn += 1
        return self.clients[self.turn % 2]


def percentile(sorted_values: list[float], pct: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children, in MB (from /proc)."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        total += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
        )
        pids.extend(int(c) for c in children)
    return round(total / 1024, 1)


async def connect(cluster: Cluster, n: int) -> Connection:
    a = AsyncClient(cluster.a.url, timeout=30)
    email = f"soak{n}-{secrets.token_hex(3)}@example.com"
    await a.signup(SignupIn(email=email, password=PASSWORD, name=f"Soak {n}"))
    token = a.cookies.get("authstage_session")
    b = AsyncClient(cluster.b.url, cookies={"authstage_session": token or ""}, timeout=30)
    connection = Connection((a, b))
    connection.todo = (await b.add_todo(f"todo of {n}")).id
    return connection


async def run_mix(
    connection: Connection,
    posts: list[int],
    until: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    rng = random.Random()
    while time.monotonic() < until:
        client, roll = connection.next(), rng.random()
        started = time.perf_counter()
        try:
            if roll < 0.2:
                await client.todo_list()
            elif roll < 0.4:
                await client.list_sessions()
            elif roll < 0.7:
                post = rng.choice(posts)
                connection.liked[post] = (await client.toggle_like(post)).liked
            elif roll < 0.9:
                connection.todo_done = (await client.toggle_todo(connection.todo)).completed
            else:
                title = f"soak {secrets.token_hex(6)}"
                await client.create_post(PostIn(title=title, content="Written under load."))
                connection.titles.append(title)
        except Exception as exc:  # counted and shown, never hidden
            errors.append(f"{type(exc).__name__}: {exc}")
        latencies.append(time.perf_counter() - started)


async def reconcile(
    url: str, connections: list[Connection], baseline: dict[int, int]
) -> dict[str, int]:
    db = await asyncpg.connect(url)
    try:
        rows = await db.fetch(
            'SELECT p.id, p.likes, (SELECT count(*) FROM "like" l WHERE l.post = p.id) AS n'
            " FROM post p"
        )
        mismatched = sum(1 for r in rows if r["likes"] != r["n"])
        expected = dict(baseline)  # the seeded likes, by the demo accounts
        for c in connections:
            for post, liked in c.liked.items():
                expected[post] = expected.get(post, 0) + int(liked)
        by_id = {r["id"]: r for r in rows}
        lost_likes = sum(1 for post, n in expected.items() if by_id[post]["n"] != n)
        todos = {r["id"]: r["completed"] for r in await db.fetch("SELECT id, completed FROM todo")}
        lost_todos = sum(1 for c in connections if todos.get(c.todo) != c.todo_done)
        titles = {r["title"] for r in await db.fetch("SELECT title FROM post")}
        created = [t for c in connections for t in c.titles]
        missing_posts = sum(1 for t in created if t not in titles)
    finally:
        await db.close()
    return {
        "posts_with_likes_not_matching_rows": mismatched,
        "posts_with_likes_not_matching_presses": lost_likes,
        "todos_not_matching_last_toggle": lost_todos,
        "created_posts_missing": missing_posts,
        "posts_created": len(created),
    }


async def soak(seconds: float, width: int) -> dict[str, Any]:
    redis = require_redis()
    name, url = create_postgres_database()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="authstage-soak-")), url)
    try:
        cluster.start()
        connections = [await connect(cluster, n) for n in range(width)]
        db = await asyncpg.connect(url)
        baseline = {r["id"]: r["likes"] for r in await db.fetch("SELECT id, likes FROM post")}
        posts = sorted(baseline)
        await db.close()
        processes = {
            i.name: i.process.pid for i in (cluster.a, cluster.b, cluster.worker) if i.process
        }
        rss_start = {n: rss_mb(pid) for n, pid in processes.items()}
        latencies: list[float] = []
        errors: list[str] = []
        until = time.monotonic() + seconds
        await asyncio.gather(*(run_mix(c, posts, until, latencies, errors) for c in connections))
        rss_end = {n: rss_mb(pid) for n, pid in processes.items()}
        checks = await reconcile(url, connections, baseline)
        for c in connections:
            for client in c.clients:
                await client.aclose()
    finally:
        cluster.stop()
        delete_namespace(redis, cluster.namespace)
        redis.close()
        drop_postgres_database(name)
    ms = sorted(x * 1000 for x in latencies)
    return {
        "seconds": seconds,
        "connections": width,
        "calls": len(latencies),
        "calls_per_second": round(len(latencies) / seconds, 1),
        "errors": len(errors),
        "first_errors": errors[:5],
        "p50_ms": round(percentile(ms, 50), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "rss_mb_start": rss_start,
        "rss_mb_end": rss_end,
        "rss_bound_mb": RSS_BOUND_MB,
        **checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()
    result = asyncio.run(soak(args.seconds, args.connections))
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
