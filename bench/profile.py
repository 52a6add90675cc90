"""Summarize a py-spy collapsed-stack profile (``--format raw``) of a benchmark server.

    .venv/bin/python -m bench.profile bench/results/profile-noop_authstage.raw [--top 30]

Prints the functions with the most samples, inclusive (the function or anything it called was
running) and self (the function itself was running), as a share of all samples.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

__all__ = ["summarize"]

_FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    file = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match['fn']} ({file})"


def summarize(path: Path) -> tuple[int, Counter[str], Counter[str]]:
    """``(total samples, inclusive counts, self counts)`` per function."""
    total = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_name(f) for f in stack.split(";")]
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    return total, inclusive, own


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only functions whose name contains this")
    args = parser.parse_args(argv)
    total, inclusive, own = summarize(args.profile)
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\n-- {title}")
        rows = [(n, c) for n, c in counter.most_common() if args.match in n][: args.top]
        for name, count in rows:
            print(f"{100 * count / total:6.1f}%  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
