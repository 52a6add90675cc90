"""The ``authstage`` command: serve the app, migrate its database, list its actions.

::

    authstage run [--host 127.0.0.1] [--port 8000] [--workers N] [--reload] [--app ...]
    authstage migrate [--database-url URL] [--app ...]
    authstage actions [--app actions.app:create_app] [--id NAME]
    authstage createuser [--admin] [--email E] [--name N] [--password-stdin]
    authstage codegen [--check] [--app ...]   (the generated clients: authstage/codegen)
    authstage schema [--output FILE] [--app ...]   (every action as one JSON document)
    authstage worker [--app ...] [--concurrency N]   (runs background jobs: authstage/jobs)

``--app`` names a Litestar app or a factory returning one, as ``module:attribute``; it defaults
to ``AUTHSTAGE_APP`` or ``actions.app:create_app``. The database is ``DATABASE_URL`` (or
``--database-url``), read as described in ``authstage.db``. The working directory is put first
on ``sys.path``, as uvicorn does, so the project's modules and its ``piccolo_conf`` import.

``migrate`` migrates the apps of the project's ``piccolo_conf``; a project without one gets the
framework's tables its app uses (``--app``; see ``authstage.piccolo_apps``), and an app that
uses none needs no database. ``run`` migrates nothing itself: an app's ``Database`` migrates the
embedded SQLite default when it starts. Every failure of configuration (a bad ``DATABASE_URL``,
a database that cannot be reached, no secret in production) is one line on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import re
import sys
from collections.abc import Sequence
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from litestar import Litestar

from authstage.appstate import endpoint_of
from authstage.codegen.command import add_codegen_command
from authstage.db import Database
from authstage.errors import ConfigurationError
from authstage.jobs.worker import add_worker_command
from authstage.loader import DEFAULT_APP, build_app, import_target, load_app
from authstage.multiserve import serve_workers
from authstage.piccolo_apps import framework_apps, project_piccolo_conf
from authstage.serve import DRAIN_SECONDS, serve, startup_failure

__all__ = ["actions_table", "main"]

_MODULE_PATH = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])")


def _type_text(tp: Any) -> str:
    """A short, readable name for a parameter type: ``int``, ``list[NoteOut]``, ``str | None``."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _type_text(args[0])
    if tp is None or tp is type(None):
        return "None"
    if tp is Ellipsis:
        return "..."
    if origin in (Union, UnionType):
        return " | ".join(_type_text(arg) for arg in args)
    if origin is Literal:
        return f"Literal[{', '.join(repr(arg) for arg in args)}]"
    if origin is not None and args:
        return f"{_type_text(origin)}[{', '.join(_type_text(arg) for arg in args)}]"
    if isinstance(tp, type):
        return tp.__name__
    return _MODULE_PATH.sub("", repr(tp))


def _size_text(size: int) -> str:
    for unit, shift in (("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size} B"


def actions_table(app: Litestar) -> str:
    """The app's actions as a text table: name, ID, access, parameters and body limit."""
    endpoint = endpoint_of(app)
    registry = endpoint.registry
    rows = [("NAME", "ID", "ACCESS", "PARAMS", "BODY LIMIT")]
    for name, spec in registry.specs.items():
        params = [
            f"{p.name}: {_type_text(p.annotation)}" + ("" if p.required else f" = {p.default!r}")
            for p in spec.signature.params
        ]
        access = "public" if spec.public else "auth"
        if spec.roles:
            access = "role:" + "|".join(sorted(spec.roles))
        limit = spec.max_body_size or endpoint.default_limit
        rows.append(
            (name, registry.ids[name][0], access, ", ".join(params) or "-", _size_text(limit))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _cmd_run(args: argparse.Namespace) -> int:
    if args.database_url is not None:
        os.environ["DATABASE_URL"] = args.database_url  # read by the app, in every worker
    if args.reload and (args.workers or 1) > 1:
        raise ConfigurationError("--reload serves one process: leave out --workers")
    if args.reload:  # uvicorn re-imports the app in a child process it restarts
        import uvicorn

        factory = not isinstance(import_target(args.app), Litestar)
        uvicorn.run(args.app, host=args.host, port=args.port, reload=True, factory=factory)
        return 0
    drain = args.drain if args.drain is not None else _drain_from_env()
    workers = args.workers if args.workers is not None else _workers_from_env()
    if workers < 1:
        raise ConfigurationError(f"--workers {workers}: give at least 1")
    if workers > 1:
        return serve_workers(
            args.app,
            host=args.host,
            port=args.port,
            workers=workers,
            drain=drain,
            access_log=not args.no_access_log,
        )
    app = build_app(args.app)
    serve(app, host=args.host, port=args.port, drain=drain, access_log=not args.no_access_log)
    return 0


def _workers_from_env() -> int:
    text = os.environ.get("AUTHSTAGE_WORKERS", "").strip()
    try:
        return int(text) if text else 1
    except ValueError:
        raise ConfigurationError(
            f"AUTHSTAGE_WORKERS={text!r}: give a number of processes"
        ) from None


def _drain_from_env() -> float:
    text = os.environ.get("AUTHSTAGE_DRAIN_SECONDS", "").strip()
    try:
        seconds = float(text) if text else DRAIN_SECONDS
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ConfigurationError(f"AUTHSTAGE_DRAIN_SECONDS={text!r}: give a number of seconds")
    return seconds


def _cmd_migrate(args: argparse.Namespace) -> int:
    database = Database(args.database_url, migrate_on_startup=False)
    if project_piccolo_conf() is None:
        database.apps = framework_apps(load_app(args.app, prints_ids=False))
        if not database.apps:
            print(f"authstage: {args.app} uses no tables: nothing to migrate", file=sys.stderr)
            return 0
    asyncio.run(database.migrate())
    return 0


def _cmd_actions(args: argparse.Namespace) -> int:
    app = load_app(args.app, prints_ids=True)  # only from the secret the server uses
    registry = endpoint_of(app).registry
    print(f"authstage: using {registry.keys.source}", file=sys.stderr)
    if args.id is not None:
        if args.id not in registry.ids:
            raise ConfigurationError(f"no action named {args.id!r} (see `authstage actions`)")
        print(registry.id_of(args.id))
        return 0
    print(actions_table(app))
    return 0


def _ask(prompt: str, value: str | None, option: str, *, can_prompt: bool) -> str:
    if not value and not can_prompt:
        raise ConfigurationError(f"{option} is required when there is no terminal to ask on")
    while not value:
        value = input(prompt).strip()
    return value


def _password(args: argparse.Namespace) -> str | None:
    """The new user's password: one line of stdin, or typed twice at the terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ConfigurationError("no terminal to ask for the password on: use --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        print("authstage: the passwords do not match", file=sys.stderr)
        return None
    return password


def _cmd_createuser(args: argparse.Namespace) -> int:
    from authstage.auth.accounts import create_user
    from authstage.errors import ActionError

    can_prompt = sys.stdin.isatty() and not args.password_stdin
    email = _ask("Email: ", args.email, "--email", can_prompt=can_prompt)
    name = _ask("Name: ", args.name, "--name", can_prompt=can_prompt)
    password = _password(args)
    if password is None:
        return 1
    role = "admin" if args.admin else "user"

    async def create() -> int:
        database = Database(args.database_url)
        await database.startup()
        try:
            return await create_user(email, name, password, role=role)
        finally:
            await database.shutdown()

    try:
        user_id = asyncio.run(create())
    except ActionError as exc:
        details = [m for ms in exc.field_errors.values() for m in ms]
        print(
            f"authstage: {exc.message}" + (f" ({'; '.join(details)})" if details else ""),
            file=sys.stderr,
        )
        return 1
    print(f"created {role} {email} (id {user_id})")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="authstage", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    app_default = os.environ.get("AUTHSTAGE_APP", DEFAULT_APP)
    run = commands.add_parser("run", help="serve the app with uvicorn")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--reload", action="store_true", help="restart when files change")
    run.add_argument("--app", default=app_default, help=f"module:attribute (default {DEFAULT_APP})")
    run.add_argument("--database-url", help="overrides DATABASE_URL")
    run.add_argument(
        "--drain",
        type=float,
        help=f"seconds calls in flight may take to finish after SIGTERM (default "
        f"AUTHSTAGE_DRAIN_SECONDS or {DRAIN_SECONDS:g})",
    )
    run.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port, each running the app (default "
        "AUTHSTAGE_WORKERS or 1; more than 1 needs shared stores: docs/deployment.md)",
    )
    run.add_argument(
        "--no-access-log", action="store_true", help="no uvicorn line per request on stdout"
    )
    run.set_defaults(handler=_cmd_run)
    migrate = commands.add_parser("migrate", help="run pending database migrations")
    migrate.add_argument("--database-url", help="overrides DATABASE_URL")
    migrate.add_argument(
        "--app", default=app_default, help="module:attribute (used without a piccolo_conf)"
    )
    migrate.set_defaults(handler=_cmd_migrate)
    listing = commands.add_parser("actions", help="list the registered actions")
    listing.add_argument("--app", default=app_default, help="module:attribute")
    listing.add_argument("--id", metavar="NAME", help="print only the ID of the action NAME")
    listing.set_defaults(handler=_cmd_actions)
    create = commands.add_parser(
        "createuser", help="create a user (prompts for the password; never takes it as an argument)"
    )
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin"
    )
    create.add_argument("--admin", action="store_true", help="give the user the admin role")
    create.add_argument("--email", help="prompted for when missing")
    create.add_argument("--name", help="prompted for when missing")
    create.add_argument("--database-url", help="overrides DATABASE_URL")
    create.set_defaults(handler=_cmd_createuser)
    add_codegen_command(commands, app_default)
    add_worker_command(commands, app_default)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``authstage`` command line; returns the exit status."""
    args = _parser().parse_args(argv)
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        status: int = args.handler(args)
    except Exception as exc:  # a failure of configuration is one line, anything else a bug
        failure = startup_failure(exc)
        if failure is None:
            raise
        print(f"authstage: {failure}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
