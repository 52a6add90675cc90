"""Render ``docs/benchmarks.md`` and its chart from a results JSON file.

.venv/bin/python -m bench.report                         # from bench/results/latest.json
.venv/bin/python -m bench.report bench/results/other.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import msgspec

from bench.platform_report import platform_section

__all__ = ["render", "render_chart", "render_markdown"]

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKDOWN = DOCS / "benchmarks.md"
CHART = DOCS / "benchmarks.png"
LATEST = ROOT / "bench" / "results" / "latest.json"
#: Hand-written analysis shown under "Where the time goes" (dated by its own text).
NOTES = ROOT / "bench" / "notes.md"

_SUBJECT_COLOR = "#2b6cb0"
_BASELINE_COLOR = "#a0aec0"


def _fmt_rps(value: float) -> str:
    return f"{value:,.0f}"


def _verdict(ratio: dict[str, Any]) -> str:
    if ratio["met"] is None:
        return "(no target)"
    return "**met**" if ratio["met"] else "**missed**"


def _subjects(comp: dict[str, Any]) -> list[str]:
    """The comparison's ratio subjects (results of schema 2 had one: the first peer)."""
    subjects: list[str] = comp.get("subjects") or [comp["peers"][0]]
    return subjects


def _ratio(ratio: dict[str, Any]) -> str:
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
    line = (
        f"{peers[ratio['subject']]['label']} ÷ {peers[ratio['baseline']]['label']}: {_ratio(ratio)}"
    )
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


def render_chart(results: dict[str, Any], path: Path = CHART) -> Path:
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
        subjects = _subjects(comp)
        colors = [_SUBJECT_COLOR if k in subjects else _BASELINE_COLOR for k in keys]
        ax.barh(
            [peers[k]["label"] for k in keys],
            values,
            xerr=[low, high],
            color=colors,
            capsize=3,
            error_kw={"elinewidth": 1, "ecolor": "#4a5568"},
        )
        for y, value in enumerate(values):
            ax.text(value * 0.02, y, _fmt_rps(value), va="center", color="white", fontsize=9)
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


def _comparison_section(comp: dict[str, Any], results: dict[str, Any]) -> list[str]:
    peers = results["peers"]
    subjects = _subjects(comp)
    ratio_of = {(r["subject"], r["baseline"]): r for r in comp["ratios"]}
    lines = [f"## {comp['title']}", "", comp["summary"], ""]
    for key in comp["peers"]:
        peer = peers[key]
        lines.append(f"- **{peer['label']}** (`{peer['module']}`): {peer['description']}.")
    head = "".join(f" {peers[s]['label']} ÷ peer |" for s in subjects)
    lines += [
        "",
        f"| peer | req/s (median) | req/s min - max | p50 ms | p99 ms |{head}",
        "|---|---:|---:|---:|---:|" + "---:|" * len(subjects),
    ]
    for key in comp["peers"]:
        s = comp["results"][key]["summary"]
        cells = ""
        for subject in subjects:
            ratio = ratio_of.get((subject, key))
            cells += " — |" if ratio is None else f" **{_ratio(ratio)}** |"
        lines.append(
            f"| {peers[key]['label']} | {_fmt_rps(s['rps'])} | {_fmt_rps(s['rps_min'])} - "
            f"{_fmt_rps(s['rps_max'])} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} |{cells}"
        )
    lines.append("")
    for r in comp["ratios"]:
        rounds = ", ".join(f"{x:.2f}" for x in r["per_round"])
        target = f" Target {r['target']['text']}: {_verdict(r)}." if r["target"] else ""
        lines.append(
            f"{peers[r['subject']]['label']} ÷ {peers[r['baseline']]['label']}: "
            f"**{_ratio(r)}** (per round: {rounds}; ratio of the median req/s: "
            f"{r['of_medians']:.3f}x).{target}"
        )
        lines.append("")
    return lines


def _codegen_section(gen: dict[str, Any]) -> list[str]:
    verdict = "**met**" if gen["met"] else "**missed**"
    return [
        f"## Code generation: {gen['actions']:,} actions",
        "",
        f"`python -m bench.codegen` (run by `bench.run` in its own process before any server "
        f"starts; best of {gen['rounds']} rounds). Every generated action takes a Struct of its "
        "own (text with limits, a datetime, a list, an optional nested Struct, a literal) and "
        "returns another, so each adds two schema components: the worst case for the "
        "generators. Registration (signature analysis, which the app pays at startup anyway) "
        "is timed apart from code generation proper (the JSON Schema model, the TypeScript and "
        "Python clients rendered and written to a temporary directory).",
        "",
        "| step | seconds | target | result |",
        "|---|---:|---|---|",
        f"| registration of {gen['actions']:,} actions | {gen['register_s']:.2f} | — | — |",
        f"| code generation ({gen['files']} files, {gen['chars'] / 1e6:.1f} million characters) "
        f"| **{gen['generate_s']:.2f}** | < {gen['target_s']:g} s | {verdict} |",
        "",
    ]


def _duration(results: dict[str, Any]) -> str:
    start = dt.datetime.fromisoformat(results["started_at"])
    end = dt.datetime.fromisoformat(results["finished_at"])
    return f"{round((end - start).total_seconds() / 60)} minutes"


def render_markdown(results: dict[str, Any], chart: Path = CHART) -> str:
    """The benchmark page."""
    st, machine, peers = results["settings"], results["machine"], results["peers"]
    comps, gen = results["comparisons"], results.get("codegen")
    wrk = st["wrk"]
    count = ["no", "one", "two", "three", "four", "five", "six"][len(comps)]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    pin = st["pinning"]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by `python -m bench.run` (or `python -m bench.report`) from",
        "     bench/results/latest.json. Edit bench/report.py, not this file. -->",
        "",
        "How fast is one call through `POST /_action` compared with the routes one would write",
        f"by hand in Litestar? {count.capitalize()} comparisons, all measured side by side in one "
        f"run ({results['started_at']} to {results['finished_at']})"
        + (", and the time code generation takes:" if gen else ":"),
        "",
        "| comparison | measured (median of rounds) | target | result |",
        "|---|---:|---|---|",
    ]
    for comp in comps:
        for r in comp["ratios"]:
            lines.append(
                f"| {comp['title']}: {peers[r['subject']]['label']} ÷ "
                f"{peers[r['baseline']]['label']} | **{_ratio(r)}** | "
                f"{r['target']['text'] if r['target'] else '—'} | {_verdict(r)} |"
            )
    if gen:
        lines.append(
            f"| Code generation: {gen['actions']:,} actions | **{gen['generate_s']:.2f} s** | "
            f"< {gen['target_s']:g} s | {'**met**' if gen['met'] else '**missed**'} |"
        )
    lines += ["", f"![Requests per second per peer]({chart.name})", ""]
    for comp in comps:
        lines += _comparison_section(comp, results)
    if gen:
        lines += _codegen_section(gen)
    lines += platform_section()
    if NOTES.exists():
        lines += ["## Where the time goes", "", NOTES.read_text().strip(), ""]
    lines += [
        "## How it was measured",
        "",
        f"- **Machine**: {machine['cpus']} cores ({machine['cpu_model'] or 'unknown CPU'}), "
        f"{machine['platform']}, shared with other work, so noisy; load average "
        f"{machine['loadavg_start'][0]:.2f} at the start and {machine['loadavg_end'][0]:.2f} at "
        "the end. Everything runs on loopback (127.0.0.1): server, load generator and "
        "PostgreSQL share the same cores.",
        f"- **Software**: Python {machine['python']}, {packages}"
        + (f", PostgreSQL {machine['postgres']}" if machine["postgres"] else "")
        + f", {machine['wrk']}.",
        "- **Servers**: every peer is its own uvicorn process with identical options: "
        f"`uvicorn {' '.join(st['uvicorn'])}` (one worker, uvloop, httptools, access log off). "
        "Each app is a bare `Litestar(...)` with only the peer's handler (the authstage peers "
        "have only the plugin); debug is off.",
        f"- **Load**: `wrk --threads={wrk['threads']} --connections={wrk['connections']} "
        f"--duration={wrk['duration_s']}s --timeout={wrk['timeout_s']}s` with a Lua script "
        "setting the method, the JSON body and the headers (`Content-Type: application/json`, "
        "plus `Authstage-Action: <id>` for actions, the ID taken from "
        "`plugin.endpoint.registry.id_of(...)` of the same app, and "
        "`Cookie: authstage_session=<token>` for the signed-in peers). HTTP/1.1 keep-alive.",
        f"- **Procedure**: all servers start first; each answers one request that is checked for "
        f"the right reply, then gets a {wrk['warmup_s']} s warm-up run. Then "
        f"{st['rounds']} rounds: in each round every comparison measures its peers back to "
        "back, in an order rotated from round to round (the 1-action app is measured in both "
        "the no-op and the registry comparison). Ratios are taken within a round and the "
        "median over rounds is reported; req/s and latencies are medians over rounds; the "
        "min - max of req/s shows the spread.",
        (
            f"- **CPU pinning**: the server process on CPU {pin['server_cpu']}, wrk on CPU "
            f"{pin['wrk_cpu']} (`taskset`); PostgreSQL is not pinned."
            if pin
            else "- **CPU pinning**: none."
        ),
        f"- **Database**: every DB peer opens a pool of {st['pool_size']} connections "
        "(min = max) at app startup; default PostgreSQL settings (synchronous commit on). "
        "The three insert peers send the same statement, "
        '`INSERT INTO "authstage_bench_row" ("id","name","value") VALUES (DEFAULT,$1,$2) '
        'RETURNING "id"` (the one Piccolo generates; the raw-SQL action writes it with `{}` '
        "placeholders, which Piccolo numbers), and the table is emptied before each of their "
        "runs. The signed-in peers read the `authstage_user` and `authstage_session` tables "
        "(created if missing): before any server starts, the runner creates the bench user if "
        "missing, revokes its earlier sessions and starts a new one, whose token reaches the "
        "servers in `BENCH_SESSION_TOKEN` and wrk as the cookie `authstage_session=<token>`. "
        "Both signed-in peers run `SessionManager.lookup` (one `SELECT ... LEFT JOIN ... WHERE "
        "token_hash = $1 LIMIT 1`) and the same sliding-expiry rule (a write at most once per "
        "5 minutes, `AuthConfig`'s default), so neither writes per request.",
        '- **Replies**: the actions answer the envelope (`{"ok":true,"data":3}`); the '
        "hand-written peers answer the bare value (`3`), so the authstage peers send slightly "
        "more bytes. The `@post` peers use `status_code=200`. Every peer validates the same "
        "constraints (64-bit integers; `VARCHAR(100)` and 32-bit integer for the row), except "
        "that the signed-in action reads and decodes its empty argument object `{}` while the "
        "hand-written route ignores the body.",
        "",
        "## Reproduce",
        "",
        "```sh",
        "apt-get install -y wrk                       # the load generator",
        ".venv/bin/pip install -e '.[bench]'          # matplotlib, uvloop, httptools, asyncpg",
        f".venv/bin/python -m bench.run                # {_duration(results)}: this page + the "
        "chart",
        "```",
        "",
        "`--quick` is a smoke run (1 round of 2 s, results in `bench/results/quick.json`, this "
        "page untouched). Other options: `--only noop,db,registry,auth,codegen`, `--rounds`, "
        "`--duration`, "
        "`--connections`, `--no-pin`, and `--profile <peer>[,<peer>...]` to record servers "
        "with py-spy (`pip install py-spy`) during their first measured run into "
        "`bench/results/profile-<peer>.raw` (collapsed stacks; `python -m bench.profile` "
        "summarizes them). PostgreSQL is expected at `BENCH_DATABASE_URL` (default "
        "`postgresql://postgres@127.0.0.1:5432/authstage_bench`; the database is created if "
        "missing). `python -m bench.report` re-renders this page from "
        "`bench/results/latest.json`.",
        "",
        "Code: `bench/run.py` (driver; `harness.py`, `processes.py`, `wrk.py` and `stats.py` "
        "beside it), `bench/peers.py` (peers and targets), `bench/servers/` "
        "(one app factory per peer), `bench/codegen.py` (code generation timing), "
        "`bench/report.py` (this page; `platform_report.py` renders the platform section from "
        "`bench/results/cache.json`, `upload.json`, `refresh.json` and `soak.json`, written by "
        "`python -m bench.cache`, `bench.upload`, `bench.refresh` and `bench.soak`).",
        "",
    ]
    return "\n".join(lines)


def render(results: dict[str, Any], markdown: Path = MARKDOWN, chart: Path = CHART) -> list[Path]:
    """Write the chart and the page; returns their paths."""
    render_chart(results, chart)
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(render_markdown(results, chart))
    return [markdown, chart]


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.report", description=__doc__.split("\n")[0]
    )
    parser.add_argument("results", nargs="?", type=Path, default=LATEST)
    args = parser.parse_args(argv)
    results = msgspec.json.decode(args.results.read_bytes())
    for path in render(results):
        print(f"rendered: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
