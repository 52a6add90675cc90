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

from bench.chart import fmt_ratio, fmt_rps, ratio_subjects, render_chart
from bench.growth_report import growth_section
from bench.platform_report import platform_section
from bench.serverchoice_report import servers_section
from bench.startup_report import startup_section

__all__ = ["render", "render_chart", "render_markdown"]

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKDOWN = DOCS / "benchmarks.md"
CHART = DOCS / "benchmarks.png"
LATEST = ROOT / "bench" / "results" / "latest.json"
#: Hand-written analysis shown under "Where the time goes" (dated by its own text).
NOTES = ROOT / "bench" / "notes.md"


def _verdict(ratio: dict[str, Any]) -> str:
    if ratio["met"] is None:
        return "(no target)"
    return "**met**" if ratio["met"] else "**missed**"


def _peer_line(peer: dict[str, Any]) -> str:
    """``- **label** (`module`): description.``, with what serves it when not uvicorn."""
    server = peer.get("server", "uvicorn")
    served = "" if server == "uvicorn" else f", served by {server}"
    failed = (
        f" **{peer['errors']:,} of its requests failed or timed out** (wrk's timeout) over the run"
        if peer.get("errors")
        else ""
    )
    return f"- **{peer['label']}** (`{peer['module']}`{served}): {peer['description']}.{failed}"


def _ratio_columns(comp: dict[str, Any], peers: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The table's ratio columns: ``(heading, subjects)``. One column per subject, or a single
    one when each peer is the baseline of one subject at most (pairs of peers)."""
    subjects = ratio_subjects(comp)
    baselines = [r["baseline"] for r in comp["ratios"]]
    if len(subjects) > 1 and len(set(baselines)) == len(baselines):
        return [("the peer above ÷ peer", subjects)]
    return [(f"{peers[s]['label']} ÷ peer", [s]) for s in subjects]


def _comparison_section(comp: dict[str, Any], results: dict[str, Any]) -> list[str]:
    peers = results["peers"]
    columns = _ratio_columns(comp, peers)
    ratio_of = {(r["subject"], r["baseline"]): r for r in comp["ratios"]}
    lines = [f"## {comp['title']}", "", comp["summary"], ""]
    lines += [_peer_line(peers[key]) for key in comp["peers"]]
    head = "".join(f" {heading} |" for heading, _ in columns)
    lines += [
        "",
        f"| peer | req/s (median) | req/s min - max | p50 ms | p99 ms |{head}",
        "|---|---:|---:|---:|---:|" + "---:|" * len(columns),
    ]
    for key in comp["peers"]:
        s = comp["results"][key]["summary"]
        cells = ""
        for _, subjects in columns:
            found = [ratio_of[(x, key)] for x in subjects if (x, key) in ratio_of]
            cells += f" **{fmt_ratio(found[0])}** |" if found else " — |"
        lines.append(
            f"| {peers[key]['label']} | {fmt_rps(s['rps'])} | {fmt_rps(s['rps_min'])} - "
            f"{fmt_rps(s['rps_max'])} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} |{cells}"
        )
    lines.append("")
    for r in comp["ratios"]:
        rounds = ", ".join(f"{x:.2f}" for x in r["per_round"])
        target = f" Target {r['target']['text']}: {_verdict(r)}." if r["target"] else ""
        lines.append(
            f"{peers[r['subject']]['label']} ÷ {peers[r['baseline']]['label']}: "
            f"**{fmt_ratio(r)}** (per round: {rounds}; ratio of the median req/s: "
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
    numbers = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    count = numbers[len(comps)] if len(comps) < len(numbers) else str(len(comps))
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    pin = st["pinning"]
    servers = [p.get("server", "uvicorn") for p in peers.values()]
    next_server = next((s for s in servers if s != "uvicorn"), "")
    groups = ",".join([*(c["key"] for c in comps), *(["codegen"] if gen else [])])
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by `make bench` (or `python -m bench.report`) from the files of",
        "     bench/results/. Edit bench/report.py, not this file. -->",
        "",
        "How fast is one call through `POST /_action` compared with the routes one would write",
        "by hand in Litestar or FastAPI, and with the same call as a Next.js server action?",
        f"{count.capitalize()} comparisons, all measured side by side in one "
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
                f"{peers[r['baseline']]['label']} | **{fmt_ratio(r)}** | "
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
    lines += growth_section()
    lines += servers_section()
    lines += startup_section()
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
        "- **Servers**: every Python peer is its own uvicorn process with identical options: "
        f"`uvicorn {' '.join(st['uvicorn'])}` (one worker, uvloop, httptools, access log off). "
        "Each app is a bare `Litestar(...)` or `FastAPI()` with only the peer's handler (the "
        "authstage peers have only the plugin); debug is off."
        + (
            " Every Next.js peer is its own process serving the app in `bench/nextjs/`, "
            f"{next_server}, built by `next build` (installed from `package-lock.json` with "
            "`npm ci`), with `NODE_ENV=production`, on the same core as every server."
            if next_server
            else ""
        ),
        f"- **Load**: `wrk --threads={wrk['threads']} --connections={wrk['connections']} "
        f"--duration={wrk['duration_s']}s --timeout={wrk['timeout_s']}s` with a Lua script "
        "setting the method, the JSON body and the headers (`Content-Type: application/json`, "
        "plus `Authstage-Action: <id>` for actions, the ID taken from "
        "`plugin.endpoint.registry.id_of(...)` of the same app, and "
        "`Cookie: authstage_session=<token>` for the signed-in peers). HTTP/1.1 keep-alive."
        + (
            " The Next.js peers are called as Next's client calls a server action: `POST /` "
            "with `Next-Action: <id>` (from the build's `server-reference-manifest.json`), "
            "`Accept: text/x-component`, `Next-Router-State-Tree`, `Origin`, and the arguments "
            "as React encodes them (`[1,2]`) in a `text/plain;charset=UTF-8` body; the check "
            "request reads the result out of the RSC reply."
            if next_server
            else ""
        ),
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
        "The insert peers send the same statement, "
        '`INSERT INTO "authstage_bench_row" ("id","name","value") VALUES (DEFAULT,$1,$2) '
        'RETURNING "id"` (the one Piccolo generates; the raw-SQL action writes it with `{}` '
        "placeholders, which Piccolo numbers), and the table is emptied before each of their "
        "runs. The signed-in peers read the `authstage_user` and `authstage_session` tables "
        "(created if missing): before any server starts, the runner creates the bench user if "
        "missing, revokes its earlier sessions and starts a new one, whose token reaches the "
        "servers in `BENCH_SESSION_TOKEN` and wrk as the cookie `authstage_session=<token>`. "
        "The signed-in peers send the query of `SessionManager.lookup` (one `SELECT ... LEFT "
        "JOIN ... WHERE token_hash = $1 LIMIT 1`) and apply the same sliding-expiry rule (a "
        "write at most once per 5 minutes, `AuthConfig`'s default), so none writes per request.",
        '- **Replies**: the actions answer the envelope (`{"ok":true,"data":3}`); the '
        "hand-written peers answer the bare value (`3`), so the authstage peers send slightly "
        "more bytes; the Next.js actions answer React's RSC payload (about 60 bytes more). "
        "The `@post` peers use `status_code=200`. Every peer validates the same "
        "constraints (64-bit integers; `VARCHAR(100)` and 32-bit integer for the row), except "
        "that the signed-in actions read and decode their empty arguments (`{}`, `[]`) while "
        "the hand-written route ignores the body.",
        "",
        "## Reproduce",
        "",
        "```sh",
        "apt-get install -y wrk                       # the load generator",
        ".venv/bin/pip install -e '.[bench]'          # matplotlib, uvloop, httptools, fastapi",
        "apt-get install -y nodejs npm                # the Next.js peers (Node.js >= 20.9)",
        "make bench                                   # everything below, then this page",
        f".venv/bin/python -m bench.run --no-docs      # {_duration(results)}: the comparisons",
        ".venv/bin/python -m bench.growth             # connections, request size, batches",
        ".venv/bin/python -m bench.serverchoice       # uvicorn / granian / litestar run, workers",
        ".venv/bin/python -m bench.startup --json     # import + build with 1,000 actions",
        ".venv/bin/python -m bench.report             # this page, from bench/results/",
        "```",
        "",
        "`--quick` is a smoke run (1 round of 2 s, results in `bench/results/quick.json`, this "
        f"page untouched). Other options: `--only {groups}`, `--rounds`, "
        "`--duration`, "
        "`--connections`, `--no-pin`, and `--profile <peer>[,<peer>...]` to record servers "
        "with py-spy (`pip install py-spy`) during their first measured run into "
        "`bench/results/profile-<peer>.raw` (collapsed stacks; `python -m bench.profile` "
        "summarizes them). PostgreSQL is expected at `BENCH_DATABASE_URL` (default "
        "`postgresql://postgres@127.0.0.1:5432/authstage_bench`; the database is created if "
        "missing). The Next.js app is installed (`npm ci`) and built (`next build`) by the "
        "run when its build is missing or older than its sources. `python -m bench.report` "
        "re-renders this page from `bench/results/latest.json`.",
        "",
        "Code: `bench/run.py` (driver; `harness.py`, `processes.py`, `wrk.py` and `stats.py` "
        "beside it), `bench/peers.py` (peers and targets), `bench/servers/` "
        "(one app factory per peer), `bench/rivals.py` and `bench/nextjs/` (the FastAPI and "
        "Next.js peers; `bench/nextjs_server.py` builds and starts the Next.js app), "
        "`bench/codegen.py` (code generation timing), "
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
