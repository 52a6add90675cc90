"""The platform figures of the benchmark page: data cache, uploads, single-flight refresh.

Each capability has a benchmark of its own, run by one command and written to its own JSON
file in ``bench/results/`` (they measure different things from the wrk comparisons: reads per
second in one process, a server's memory, latency per update). ``python -m bench.report``
renders whichever of those files exist into one section of docs/benchmarks.md, so the page is
rebuilt from stored results alone, like the rest of it.

=========================  ==============================  ===============================
file                       written by                      measures
=========================  ==============================  ===============================
``cache.json``             ``python -m bench.cache``       cached read vs uncached (>= 5x)
``upload.json``            ``python -m bench.upload``      RSS growth of a 100 MB upload
``refresh.json``           ``python -m bench.refresh``     single-flight vs a 2nd request
``soak.json``              ``python -m bench.soak``        2 instances under a mix, 60 s
=========================  ==============================  ===============================
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["platform_section"]

RESULTS = Path(__file__).resolve().parent / "results"


def _load(name: str, folder: Path) -> dict[str, Any] | None:
    path = folder / name
    return json.loads(path.read_text()) if path.exists() else None


def _cache(data: dict[str, Any]) -> list[str]:
    reads = data["reads_per_second"]
    base = reads["uncached"]
    lines = [
        "### Data cache: a cached read vs the same PostgreSQL query uncached",
        "",
        f"`python -m bench.cache`: {data['concurrency']} callers in one process, "
        f"{data['rounds']} rounds of {data['seconds']:g} s ({data.get('started', '')}).",
        "",
        "| read | reads/s | vs uncached | target |",
        "|---|---:|---:|---|",
    ]
    for name, value in reads.items():
        ratio = value / base
        target = "" if name == "uncached" else ("met" if ratio >= 5 else "below 5x")
        lines.append(f"| {name} | {value:,.0f} | {ratio:.1f}x | {target} |")
    lines += [
        "",
        "Redis without the local copy pays one round trip per read, about what the small query "
        "itself costs on loopback; the local copy (invalidated through Redis) is what makes "
        "shared caching pay.",
        "",
    ]
    return lines


def _upload(data: dict[str, Any]) -> list[str]:
    verdict = "met" if data["ok"] else "missed"
    return [
        f"### Uploads: a {data['upload_mb']} MB file streamed to storage",
        "",
        "`python -m bench.upload`: one upload to a live uvicorn server, the server's memory read "
        "from `/proc` before and after.",
        "",
        "| RSS before | peak after | growth | target | result |",
        "|---:|---:|---:|---|---|",
        f"| {data['rss_before_mb']:.1f} MB | {data['peak_after_mb']:.1f} MB | "
        f"**{data['peak_growth_mb']:.1f} MB** | < {data['target_growth_mb']} MB | {verdict} |",
        "",
    ]


def _refresh(data: dict[str, Any]) -> list[str]:
    one, two = data["single_flight"], data["two_requests"]
    return [
        "### Single-flight refresh: a write that returns its fresh read vs a second request",
        "",
        f"`python -m bench.refresh`: {data['rounds']} rounds of {data['updates']} updates "
        "(insert a PostgreSQL row, then the list of the 20 newest) against one uvicorn process.",
        "",
        "| per update | p50 | p90 | p99 |",
        "|---|---:|---:|---:|",
        f"| single-flight refresh | {one['p50_ms']:.2f} ms | {one['p90_ms']:.2f} ms | "
        f"{one['p99_ms']:.2f} ms |",
        f"| write, then a second request | {two['p50_ms']:.2f} ms | {two['p90_ms']:.2f} ms | "
        f"{two['p99_ms']:.2f} ms |",
        "",
        f"The second request costs **{data['two_requests_over_single_flight']:.2f}x** the "
        "single-flight update (median of rounds) on loopback; over a real network each update "
        "also saves one full round trip.",
        "",
    ]


def _soak(data: dict[str, Any]) -> list[str]:
    lost = (
        data["posts_with_likes_not_matching_rows"]
        + data["posts_with_likes_not_matching_presses"]
        + data["todos_not_matching_last_toggle"]
        + data["created_posts_missing"]
    )
    growth = {n: data["rss_mb_end"][n] - data["rss_mb_start"][n] for n in data["rss_mb_start"]}
    within = all(g < data["rss_bound_mb"] for g in growth.values())
    lines = [
        "### Soak: two instances on PostgreSQL + Redis under a realistic mix",
        "",
        f"`python -m bench.soak`: {data['connections']} connections for {data['seconds']:g} s, "
        "each a signed-up user sending its calls to instance A and B in turn (40 % signed-in "
        "reads, 30 % likes, 20 % todo toggles, 10 % new posts), one `authstage worker` beside "
        "them, started as the scale-out suite starts its cluster. One run on a shared 2-core "
        "machine (other work running), so the latency is indicative only.",
        "",
        "| calls | calls/s | errors | lost updates | p50 | p99 |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {data['calls']:,} | {data['calls_per_second']:,.0f} | **{data['errors']}** | "
        f"**{lost}** | {data['p50_ms']:.1f} ms | {data['p99_ms']:.1f} ms |",
        "",
        f"Lost updates are reconciled with the database at the end: every post's `likes` equals "
        f"its `Like` rows and the connections' last presses, each todo's state is its "
        f"connection's last toggle, all {data['posts_created']:,} created posts are present.",
        "",
        "| process | RSS at start | RSS at end | growth |",
        "|---|---:|---:|---:|",
    ]
    for name, start in data["rss_mb_start"].items():
        lines.append(
            f"| {name} | {start:.1f} MB | {data['rss_mb_end'][name]:.1f} MB | "
            f"{growth[name]:+.1f} MB |"
        )
    verdict = "met" if within else "missed"
    lines += ["", f"Bound: growth below {data['rss_bound_mb']} MB per process ({verdict}).", ""]
    return lines


def platform_section(folder: Path = RESULTS) -> list[str]:
    """The page's platform section, from the result files present (none: no section)."""
    parts = [
        render(data)
        for name, render in (
            ("cache.json", _cache),
            ("upload.json", _upload),
            ("refresh.json", _refresh),
            ("soak.json", _soak),
        )
        if (data := _load(name, folder)) is not None
    ]
    if not parts:
        return []
    intro = [
        "## Platform capabilities",
        "",
        "Measured by each capability's own benchmark, in separate runs from the comparisons above.",
        "",
    ]
    return intro + [line for part in parts for line in part]
