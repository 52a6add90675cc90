"""The growth section of the benchmark page, rendered from ``bench/results/growth.json``.

``python -m bench.growth`` measures how a call's cost grows with connections, request size and
batching and writes that file; ``growth_section()`` turns it into markdown lines and two charts
under docs/ (``growth-connections.png``, ``growth-size.png``), so ``python -m bench.report``
rebuilds the page from stored results alone. No file: no section.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["growth_section", "render_charts"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DOCS = HERE.parent / "docs"
CONNECTIONS_CHART = "growth-connections.png"
SIZE_CHART = "growth-size.png"

#: Column names of the tables (the legends and the prose give the full labels).
_SHORT = {
    "noop_authstage": "no-op action",
    "noop_post": "@post route",
    "auth_authstage": "signed-in action",
    "payload_authstage": "action",
    "payload_post": "@post route",
}

_COLORS = {
    "noop_authstage": "#2b6cb0",
    "payload_authstage": "#2b6cb0",
    "auth_authstage": "#38a169",
    "noop_post": "#a0aec0",
    "payload_post": "#a0aec0",
}


def _size(n: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if n >= scale:
            return f"{n / scale:g} {unit}" if n % scale == 0 else f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _short(peers: dict[str, Any], key: str) -> str:
    return _SHORT.get(key) or str(peers[key]["label"])


def _summary(comp: dict[str, Any], key: str) -> dict[str, Any]:
    summary: dict[str, Any] = comp["results"][key]["summary"]
    return summary


def render_charts(data: dict[str, Any], docs: Path = DOCS) -> list[Path]:
    """Throughput and p99 vs connections; µs per request and req/s vs body size (log scales)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    peers, conns, sizes = data["peers"], data["connections"], data["sizes"]
    docs.mkdir(parents=True, exist_ok=True)
    fig, (rps_ax, p99_ax) = plt.subplots(1, 2, figsize=(11, 4))
    for key in conns["peers"]:
        comps = conns["comparisons"]
        style = {"color": _COLORS.get(key), "marker": "o", "label": peers[key]["label"]}
        rps_ax.plot(conns["levels"], [_summary(c, key)["rps"] for c in comps], **style)
        p99_ax.plot(conns["levels"], [_summary(c, key)["p99_ms"] for c in comps], **style)
    for ax, label in ((rps_ax, "requests per second"), (p99_ax, "p99 latency (ms)")):
        ax.set_xscale("log")
        ax.set_xticks(conns["levels"], [str(n) for n in conns["levels"]])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("wrk connections", fontsize=9)
        ax.set_ylabel(f"{label}, median of rounds", fontsize=9)
        ax.grid(alpha=0.3)
    p99_ax.set_yscale("log")
    rps_ax.legend(fontsize=8)
    fig.tight_layout()
    connections_path = docs / CONNECTIONS_CHART
    fig.savefig(connections_path, dpi=110)
    plt.close(fig)

    fig, (us_ax, rps_ax) = plt.subplots(1, 2, figsize=(11, 4))
    lengths = [c["bytes"] for c in sizes["comparisons"]]
    for key in sizes["peers"]:
        rps = [_summary(c, key)["rps"] for c in sizes["comparisons"]]
        style = {"color": _COLORS.get(key), "marker": "o", "label": peers[key]["label"]}
        us_ax.plot(lengths, [1e6 / r for r in rps], **style)
        rps_ax.plot(lengths, rps, **style)
    for ax, label in ((us_ax, "µs per request"), (rps_ax, "requests per second")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(lengths, [_size(n) for n in lengths])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("request body", fontsize=9)
        ax.set_ylabel(f"{label}, median of rounds", fontsize=9)
        ax.grid(alpha=0.3, which="both")
    us_ax.legend(fontsize=8)
    fig.tight_layout()
    size_path = docs / SIZE_CHART
    fig.savefig(size_path, dpi=110)
    plt.close(fig)
    return [connections_path, size_path]


def _connections(data: dict[str, Any]) -> list[str]:
    peers, conns = data["peers"], data["connections"]
    keys = conns["peers"]
    head = " | ".join(f"{_short(peers, k)} req/s | p99" for k in keys)
    ratios = conns["comparisons"][0]["ratios"]
    names = " | ".join(
        f"{_short(peers, r['subject'])} ÷ {_short(peers, r['baseline'])}" for r in ratios
    )
    legend = "; ".join(f"{_short(peers, k)}: {peers[k]['label']}" for k in keys)
    lines = [
        "### Connections",
        "",
        f"Peers of the comparisons above at 1 to 256 `wrk` connections ({legend}).",
        "",
        f"| connections | {head} | {names} |",
        "|---:|" + "---:|---:|" * len(keys) + "---:|" * len(ratios),
    ]
    for comp in conns["comparisons"]:
        cells = " | ".join(
            f"{_summary(comp, k)['rps']:,.0f} | {_summary(comp, k)['p99_ms']:.1f} ms" for k in keys
        )
        shares = " | ".join(f"{r['median']:.2f}x" for r in comp["ratios"])
        lines.append(f"| {comp['connections']} | {cells} | {shares} |")
    lines += ["", f"![Throughput and p99 vs connections]({CONNECTIONS_CHART})", ""]
    return lines


def _sizes(data: dict[str, Any]) -> list[str]:
    peers, sizes = data["peers"], data["sizes"]
    subject, baseline = sizes["peers"]
    s_label, b_label = _short(peers, subject), _short(peers, baseline)
    lines = [
        "### Request size",
        "",
        f"A contact import of 100 B to 1 MB ({sizes['connections']} connections): "
        f"{peers[subject]['description']}, vs {peers[baseline]['description']}. Both decode the "
        "same body (a list of `Contact(name, email, tags)`) and answer the number of contacts. "
        "The action's body limit (1 MiB by default, `AuthstageConfig.max_body_size`) is raised "
        "with `@action(max_body_size=...)`; Litestar's own limit (10 MB) is left as it is.",
        "",
        f"| body | contacts | {s_label} req/s | µs/request | {b_label} req/s | µs/request "
        f"| {s_label} ÷ {b_label} |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for comp in sizes["comparisons"]:
        sub, base = _summary(comp, subject)["rps"], _summary(comp, baseline)["rps"]
        lines.append(
            f"| {_size(comp['bytes'])} | {comp['contacts']:,} | {sub:,.0f} | {1e6 / sub:,.0f} | "
            f"{base:,.0f} | {1e6 / base:,.0f} | **{comp['ratios'][0]['median']:.2f}x** |"
        )
    lines += [
        "",
        "What each KB (1,000 bytes) of body adds, the slope of µs per request between two sizes "
        "(receiving, parsing, validating and decoding the body all grow with it; medians of "
        "rounds, the ratio within each round):",
        "",
        f"| between | {s_label} µs/KB | {b_label} µs/KB | {s_label} ÷ {b_label} |",
        "|---|---:|---:|---:|",
    ]
    for step in sizes["slopes"]:
        us, ratio = step["us_per_kb"], step["ratio"]
        lines.append(
            f"| {_size(step['from_bytes'])} → {_size(step['to_bytes'])} | {us[subject]:.2f} | "
            f"{us[baseline]:.2f} | {'—' if ratio is None else f'{ratio:.2f}x'} |"
        )
    lines += ["", f"![µs per request and req/s vs request size]({SIZE_CHART})", ""]
    return lines


def _batch(data: dict[str, Any]) -> list[str]:
    batch = data["batch"]
    calls, headline = batch["calls"], batch["gain"]
    lines = [
        f"### Batch: {calls} calls in one request vs {calls} requests",
        "",
        f"The no-op action on one server: one `Authstage-Batch: 1` request carrying {calls} `add` "
        "calls vs the same call sent alone, by one client and by "
        f"{batch['connections']} connections at once.",
        "",
        "| connections | batches/s | calls/s batched | p99 per batch | calls/s alone "
        "| p99 alone | batched ÷ alone |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in batch["levels"]:
        many, one = _summary(level, "batch"), _summary(level, "single")
        lines.append(
            f"| {level['connections']} | {many['rps']:,.0f} | {many['rps'] * calls:,.0f} | "
            f"{many['p99_ms']:.1f} ms | {one['rps']:,.0f} | {one['p99_ms']:.1f} ms | "
            f"**{level['gain']['median']:.2f}x** |"
        )
    verdict = "**met**" if headline["met"] else "**missed**"
    return [
        *lines,
        "",
        f"Calls per second at {batch['connections']} connections, batched ÷ alone: "
        f"**{headline['median']:.2f}x** (target {headline['target']['text']}: {verdict}).",
        "",
    ]


def growth_section(folder: Path = RESULTS, docs: Path = DOCS) -> list[str]:
    """The page's growth section and its charts (written under ``docs``); none without results."""
    path = folder / "growth.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    render_charts(data, docs)
    st = data["settings"]
    intro = [
        "## How the cost grows",
        "",
        f"`python -m bench.growth` ({data['started_at']} to {data['finished_at']}): "
        f"{st['rounds']} round{'s' if st['rounds'] != 1 else ''} of {st['seconds']} s per point, "
        "every point measured in each round in an order rotated from round to round, the "
        "points compared back to back; ratios are taken within a round, medians of rounds "
        "reported.",
        "",
    ]
    return intro + _connections(data) + _sizes(data) + _batch(data)
