"""The benchmark chart: median req/s per peer, one panel per comparison (matplotlib, Agg), and
the number formats the chart and the page (``bench.report``) share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["fmt_ratio", "fmt_rps", "ratio_subjects", "render_chart"]

_SUBJECT_COLOR = "#2b6cb0"
_BASELINE_COLOR = "#a0aec0"


def fmt_rps(value: float) -> str:
    """``12,345``."""
    return f"{value:,.0f}"


def ratio_subjects(comp: dict[str, Any]) -> list[str]:
    """The comparison's ratio subjects (results of schema 2 had one: the first peer)."""
    found: list[str] = comp.get("subjects") or [comp["peers"][0]]
    return found


def fmt_ratio(ratio: dict[str, Any]) -> str:
    """The median ratio with 3 decimals, or 4 when 3 would make it look equal to a bound."""
    value, target = ratio["median"], ratio["target"]
    text = f"{value:.3f}"
    if target and text in (f"{b:.3f}" for b in (target["low"], target["high"]) if b is not None):
        text = f"{value:.4f}"
    return f"{text}x"


def _num(value: float) -> str:
    """``1.0``, ``0.9``, ``0.95``: at least one decimal."""
    return f"{value:.1f}" if value == round(value, 1) else f"{value:g}"


#: Characters of a chart title line that fit over the bars.
_TITLE_WIDTH = 96


def _ratio_line(ratio: dict[str, Any], peers: dict[str, Any]) -> str:
    """``subject ÷ baseline: 0.000x (target >= 1.0x: met)`` for the chart (the target on a
    line of its own when both do not fit)."""
    subject, baseline = peers[ratio["subject"]]["label"], peers[ratio["baseline"]]["label"]
    line = f"{subject} ÷ {baseline}: {fmt_ratio(ratio)}"
    target = ratio["target"]
    if target:
        low, high = target["low"], target["high"]
        if low is not None and high is not None:
            bound = f"{_num(low)}x-{_num(high)}x"
        else:
            bound = f">= {_num(low)}x" if low is not None else f"<= {_num(high)}x"
        verdict = f"(target {bound}: {'met' if ratio['met'] else 'missed'})"
        line += ("\n    " if len(line) + len(verdict) >= _TITLE_WIDTH else " ") + verdict
    return line


def _chart_title(comp: dict[str, Any], peers: dict[str, Any]) -> str:
    ratios = "\n".join(_ratio_line(r, peers) for r in comp["ratios"])
    return f"{comp['title'].replace('`', '')}\n{ratios}"


def render_chart(results: dict[str, Any], path: Path) -> Path:
    """A horizontal bar chart of median req/s (min-max whiskers), one panel per comparison."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    comps = results["comparisons"]
    peers = results["peers"]
    titles = [_chart_title(c, peers) for c in comps]
    heights = [len(c["peers"]) + 0.3 * t.count("\n") for c, t in zip(comps, titles, strict=True)]
    fig, axes = plt.subplots(
        len(comps),
        1,
        figsize=(10, 1.0 + 0.6 * sum(heights) + 0.9 * len(comps)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, comp, title in zip(axes[:, 0], comps, titles, strict=True):
        keys = list(reversed(comp["peers"]))
        summaries = [comp["results"][k]["summary"] for k in keys]
        values = [s["rps"] for s in summaries]
        low = [s["rps"] - s["rps_min"] for s in summaries]
        high = [s["rps_max"] - s["rps"] for s in summaries]
        blue = ratio_subjects(comp)
        colors = [_SUBJECT_COLOR if k in blue else _BASELINE_COLOR for k in keys]
        ax.barh(
            [peers[k]["label"] for k in keys],
            values,
            xerr=[low, high],
            color=colors,
            capsize=3,
            error_kw={"elinewidth": 1, "ecolor": "#4a5568"},
        )
        widest = max(s["rps_max"] for s in summaries)
        for y, (value, summary) in enumerate(zip(values, summaries, strict=True)):
            if value >= 0.15 * widest:  # inside the bar
                ax.text(value * 0.02, y, fmt_rps(value), va="center", color="white", fontsize=9)
            else:  # too short: beside it, past the whisker
                x = summary["rps_max"] + 0.01 * widest
                ax.text(x, y, fmt_rps(value), va="center", color="#1a202c", fontsize=9)
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlabel("requests per second (median of rounds, whiskers min-max)", fontsize=8)
        ax.tick_params(labelsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
