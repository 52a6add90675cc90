"""The startup section of the benchmark page, rendered from ``bench/results/startup.json``.

``python -m bench.startup --json`` (optionally ``--against`` another checkout) writes the file;
``startup_section()`` turns it into markdown lines for docs/benchmarks.md, as
``platform_report.platform_section`` does for the platform figures: a table of the median of
each phase per checkout, the target on import plus build, and the ratio of two checkouts when
both were measured in the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["startup_section"]

RESULTS = Path(__file__).resolve().parent / "results"

#: The table's rows: the phase's key in the result file and how the page names it.
_ROWS = (
    ("python", "Python itself (`python -c pass`, not counted)"),
    ("import_litestar", "import Litestar"),
    ("import_authstage", "import authstage"),
    ("define", "define the actions (`@action`: signature analysis; not counted)"),
    ("build", "build the app (`Litestar(plugins=[AuthstagePlugin(...)])`)"),
    ("litestar", "Litestar alone: import and an empty `Litestar()` (the floor)"),
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _section(data: dict[str, Any]) -> list[str]:
    checkouts: dict[str, dict[str, Any]] = data["checkouts"]
    names = list(checkouts)
    load = data["machine"]["loadavg_start"]
    lines = [
        f"## Startup: importing authstage and building an app with {data['actions']:,} actions",
        "",
        f"`python -m bench.startup --json`: {data['rounds']} rounds, each phase in a fresh "
        f"interpreter ({data['started']}, {data['machine']['cpus']} CPUs, load average "
        f"{load[0]:.1f} at the start). Each action takes and returns a Struct of its own "
        "(`bench.codegen.many_actions`). The target is on import plus build: what an app pays "
        "on top of Python's start and of defining its own actions. Medians of the rounds.",
        "",
        "| phase | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for key, label in _ROWS:
        values = " | ".join(_ms(checkouts[name]["median_s"][key]) for name in names)
        lines.append(f"| {label} | {values} |")
    totals = " | ".join(f"**{_ms(checkouts[name]['import_plus_build_s'])}**" for name in names)
    lines.append(f"| **import + build** | {totals} |")
    shares = " | ".join(_ms(checkouts[name]["authstage_share_s"]) for name in names)
    lines.append(f"| of which authstage's (less Litestar alone) | {shares} |")
    verdicts = " | ".join("met" if checkouts[name]["met"] else "missed" for name in names)
    lines += [f"| target < {_ms(data['target_s'])} | {verdicts} |", ""]
    if (ratio := data.get("ratio")) is not None:
        lines += [
            f"Import plus build of `{ratio['of']}` over `{ratio['over']}`: "
            f"**{ratio['median']:.2f}x** (median of the per-round ratios; both measured back to "
            "back in each round, order rotated).",
            "",
        ]
    return lines


def startup_section(folder: Path = RESULTS) -> list[str]:
    """The page's startup section, from ``startup.json`` in ``folder`` (absent: no section)."""
    path = folder / "startup.json"
    return _section(json.loads(path.read_text())) if path.exists() else []
