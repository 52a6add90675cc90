"""How long ``authstage codegen`` takes for 1,000 actions (the target is under 2 seconds).

    .venv/bin/python -m bench.codegen [--actions 1000] [--rounds 3] [--json]

Each generated action takes its own Struct (text with limits, a datetime, a list, an optional
nested Struct, an enum-like literal) and returns another, so every action adds two schema
components: the worst case for the generators, which emit one type per component. Registration
(signature analysis, which the app pays at startup anyway) is timed apart from code generation
proper: the JSON Schema model, both clients rendered and written to a temporary directory.
``bench.run`` runs it with ``--json`` and puts the result on the benchmark page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from authstage import action
from authstage.codegen.files import generate
from authstage.keys import KeyRing
from authstage.registry import Registry

__all__ = ["TARGET_S", "main", "many_actions", "measure"]

#: The target for code generation proper, in seconds.
TARGET_S = 2.0

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Owner(msgspec.Struct):
    """Shared by every action's input."""

    id: int
    name: str


def _make(i: int) -> Callable[..., Awaitable[Any]]:
    fields: list[Any] = [
        ("title", Title),
        ("when", dt.datetime),
        ("tags", list[str], msgspec.field(default_factory=list)),
        ("owner", Owner | None, None),
        ("kind", Literal["a", "b", "c"], "a"),
        (f"extra_{i}", int, 0),
    ]
    given = msgspec.defstruct(f"Input{i}", fields, module=f"bench.generated{i}")
    taken = msgspec.defstruct(f"Output{i}", [("id", int), ("title", str)], module=f"bench.out{i}")

    async def handler(data: Any, limit: int = 10) -> Any:
        return taken(id=i, title=data.title)

    handler.__annotations__ = {"data": given, "limit": int, "return": taken}
    handler.__qualname__ = f"action_{i}"
    return action(public=True, name=f"bench.codegen.action_{i:04d}")(handler)


def many_actions(count: int) -> list[Callable[..., Awaitable[Any]]]:
    """``count`` distinct actions, each with its own input and output Struct."""
    return [_make(i) for i in range(count)]


def measure(actions: int = 1000, rounds: int = 3) -> dict[str, Any]:
    """Registration and generation times in seconds (best of ``rounds``), with the output size."""
    keys = KeyRing.from_strings("codegen-benchmark-secret-0123456789abcdef")
    best_register = best_generate = float("inf")
    files_count = size = 0
    for _ in range(rounds):
        start = time.perf_counter()
        registry = Registry(many_actions(actions), keys)
        registered = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            files = generate(registry, Path(tmp) / "ts", Path(tmp) / "python")
            files.write()
            files_count = len(files.files)
            size = sum(len(content) for content in files.files.values())
        done = time.perf_counter()
        best_register = min(best_register, registered - start)
        best_generate = min(best_generate, done - registered)
    return {
        "actions": actions,
        "rounds": rounds,
        "register_s": best_register,
        "generate_s": best_generate,
        "files": files_count,
        "chars": size,
        "target_s": TARGET_S,
        "met": best_generate < TARGET_S,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the registration and generation times (best of ``--rounds``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = parser.parse_args(argv)
    result = measure(args.actions, args.rounds)
    if args.json:
        sys.stdout.buffer.write(msgspec.json.encode(result) + b"\n")
        return 0
    verdict = "met" if result["met"] else "MISSED"
    registration = result["register_s"]
    print(f"{args.actions} actions: registration {registration:.2f} s (the app's startup cost)")
    print(
        f"codegen: {result['generate_s']:.2f} s for {result['files']} files, "
        f"{result['chars'] / 1e6:.1f} MB (target < {TARGET_S:g} s: {verdict})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
