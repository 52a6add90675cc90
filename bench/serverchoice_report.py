"""The server-choice section of docs/benchmarks.md, rendered from ``bench/results/servers.json``.

``python -m bench.serverchoice`` writes the file; ``servers_section()`` turns it into markdown
lines (a table per comparison: median req/s, latency, the ratio taken within each round) and
draws ``docs/servers.png`` (median req/s with min-max whiskers, matplotlib's Agg backend), so
``bench.report`` rebuilds the page from stored results alone, as it does the rest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["render_servers_chart", "servers_section"]

RESULTS = Path(__file__).resolve().parent / "results"
CHART = Path(__file__).resolve().parent.parent / "docs" / "servers.png"


def _label(data: dict[str, Any], key: str) -> str:
    variant, action = key.split(":")
    return f"{data['variants'][variant]}, {action}"


def _table(comp: dict[str, Any], data: dict[str, Any]) -> list[str]:
    ratio_of = {r["subject"]: r for r in comp["ratios"]}
    baseline = comp["ratios"][0]["baseline"]
    lines = [
        f"#### {comp['title']}",
        "",
        comp["summary"],
        "",
        f"| server | req/s | p50 | p99 | vs {data['variants'][baseline.split(':')[0]]} |",
        "|---|---:|---:|---:|---:|",
    ]
    for key in comp["peers"]:
        summary = comp["results"][key]["summary"]
        ratio = ratio_of.get(key)
        ratio_text = "1.00x" if key == baseline else f"**{ratio['median']:.2f}x**" if ratio else ""
        lines.append(
            f"| {data['variants'][key.split(':')[0]]} | {summary['rps']:,.0f} | "
            f"{summary['p50_ms']:.2f} ms | {summary['p99_ms']:.2f} ms | {ratio_text} |"
        )
    return [*lines, ""]


def render_servers_chart(data: dict[str, Any], path: Path = CHART) -> Path:
    """One horizontal bar panel per comparison: median req/s, whiskers min-max over rounds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    comps = data["comparisons"]
    heights = [len(c["peers"]) for c in comps]
    fig, axes = plt.subplots(
        len(comps),
        1,
        figsize=(9, 1.2 + 0.55 * sum(heights) + 0.8 * len(comps)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, comp in zip(axes[:, 0], comps, strict=True):
        keys = list(reversed(comp["peers"]))
        summaries = [comp["results"][k]["summary"] for k in keys]
        values = [s["rps"] for s in summaries]
        errors = [
            [s["rps"] - s["rps_min"] for s in summaries],
            [s["rps_max"] - s["rps"] for s in summaries],
        ]
        labels = [data["variants"][k.split(":")[0]].replace("`", "") for k in keys]
        ax.barh(labels, values, xerr=errors, color="#2b6cb0", capsize=3)
        for y, value in enumerate(values):
            ax.text(value * 0.02, y, f"{value:,.0f}", va="center", color="white", fontsize=9)
        ax.set_title(comp["title"].replace("`", ""), fontsize=9, loc="left")
        ax.tick_params(labelsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
    axes[-1, 0].set_xlabel("requests per second (median of rounds, whiskers min-max)", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def servers_section(folder: Path = RESULTS, chart: Path = CHART) -> list[str]:
    """The page's server-choice section (no results file: no section); draws the chart."""
    path = folder / "servers.json"
    if not path.exists():
        return []
    data: dict[str, Any] = json.loads(path.read_text())
    render_servers_chart(data, chart)
    settings = data["settings"]
    lines = [
        "## Server choice and server processes",
        "",
        f"`python -m bench.serverchoice` ({data['started']}): {settings['rounds']} round(s) of "
        f"{settings['duration_s']} s per server, {settings['connections']} wrk connections, every "
        "server started by the command a user types (bench/serverchoice_servers.py); ratios "
        "taken within each round, median over rounds. The server comparisons pin each server to "
        "CPU 0 and wrk to CPU 1; the process comparisons pin nothing, so wrk (and PostgreSQL, "
        "for the insert) share the machine's "
        f"{data['machine']['cpus']} cores with the server processes: the gain of a second "
        "process is that of this machine with its load generator on it.",
        "",
        f"![Server choice]({chart.name})",
        "",
    ]
    for comp in data["comparisons"]:
        lines += _table(comp, data)
    return lines
