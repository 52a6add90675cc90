"""``authstage codegen``: write the generated clients, or check that they are current.

::

    authstage codegen                  # writes client/ts, client/python, client/schema.json
    authstage codegen --check          # exits 1 when a checked-in file differs (CI)
    authstage schema [--output FILE]   # the schema document alone (document.py), to stdout

The app is loaded like ``authstage actions`` does (``--app``). Generated code never contains an
action ID, so no real secret is needed: the app is loaded with a throwaway one when none is
configured (``load_app(..., prints_ids=False)``), never writing a secret file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from authstage.appstate import endpoint_of
from authstage.codegen.document import document_text
from authstage.codegen.files import generate
from authstage.loader import load_app
from authstage.schema import build_model

__all__ = ["add_codegen_command"]


def _run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    app = load_app(args.app, prints_ids=False)
    generated = generate(
        endpoint_of(app).registry,
        Path(args.ts_dir),
        Path(args.python_dir),
        ts_package=args.ts_package,
        python_package=args.python_package,
        python_project=args.python_package.replace("_", "-"),
        schema_file=Path(args.schema_file) if args.schema_file else None,
    )
    actions = len(generated.model.actions)
    if args.check:
        problems = generated.drift()
        for line in problems:
            print(f"authstage codegen --check: {line}", file=sys.stderr)
        if problems:
            print("the generated clients are out of date: run `authstage codegen`", file=sys.stderr)
            return 1
        print(f"generated clients are current ({actions} actions)")
        return 0
    touched = generated.write()
    elapsed = time.perf_counter() - start
    print(
        f"generated {len(generated.files)} files for {actions} actions "
        f"({len(touched)} written or removed) in {elapsed:.2f} s"
    )
    return 0


def _schema(args: argparse.Namespace) -> int:
    app = load_app(args.app, prints_ids=False)
    text = document_text(build_model(endpoint_of(app).registry))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def add_codegen_command(commands: argparse._SubParsersAction, app_default: str) -> None:  # type: ignore[type-arg]
    """Add the ``codegen`` and ``schema`` subcommands to the ``authstage`` parser's."""
    codegen = commands.add_parser("codegen", help="write the TypeScript and Python clients")
    codegen.add_argument("--app", default=app_default, help="module:attribute")
    codegen.add_argument("--check", action="store_true", help="fail if the clients are stale")
    codegen.add_argument("--ts-dir", default="client/ts", help="default client/ts")
    codegen.add_argument("--python-dir", default="client/python", help="default client/python")
    codegen.add_argument("--ts-package", default="authstage-client", help="npm package name")
    codegen.add_argument("--python-package", default="authstage_client", help="Python import name")
    codegen.add_argument(
        "--schema-file", default="client/schema.json", help="default client/schema.json; '' skips"
    )
    codegen.set_defaults(handler=_run)
    schema = commands.add_parser("schema", help="every action as one JSON document")
    schema.add_argument("--app", default=app_default, help="module:attribute")
    schema.add_argument("--output", "-o", help="write to this file (default: stdout)")
    schema.set_defaults(handler=_schema)
