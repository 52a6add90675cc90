"""The statistics of a run: medians of rounds and ratios taken within a round.

Peers measured minutes apart are never divided: each round's ratio compares peers measured
back to back, and the median over rounds is reported (robust to one noisy round).
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.peers import Comparison

__all__ = ["compare", "median", "summarize"]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rps = [r["rps"] for r in runs]
    return {
        "rps": median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": median([r["p50_ms"] for r in runs]),
        "p99_ms": median([r["p99_ms"] for r in runs]),
    }


def compare(comp: Comparison, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Summaries of the comparison's own runs and the per-round ratios."""
    results: dict[str, dict[str, Any]] = {
        key: {"runs": runs[key], "summary": summarize(runs[key])} for key in comp.peers
    }
    ratios = []
    for spec in comp.ratios:
        subject, base, target = spec.subject, spec.baseline, spec.target
        pairs = zip(runs[subject], runs[base], strict=True)
        per_round = [s["rps"] / b["rps"] for s, b in pairs]
        ratio = median(per_round)
        ratios.append(
            {
                "subject": subject,
                "baseline": base,
                "per_round": per_round,
                "median": ratio,
                "of_medians": results[subject]["summary"]["rps"] / results[base]["summary"]["rps"],
                "target": None
                if target is None
                else {"low": target.low, "high": target.high, "text": target.text},
                "met": None if target is None else target.met(ratio),
            }
        )
    return {
        "key": comp.key,
        "title": comp.title,
        "summary": comp.summary,
        "peers": list(comp.peers),
        "subjects": list(comp.subjects),
        "results": results,
        "ratios": ratios,
    }
