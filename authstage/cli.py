"""The ``authstage`` command: serve the app, migrate its database, list its actions.

::

    authstage run [--host 127.0.0.1] [--port 8000] [--reload] [--app actions.app:create_app]
    authstage migrate [--database-url URL]
    authstage actions [--app actions.app:create_app] [--id NAME]
    authstage createuser [--admin] [--email E] [--name N]   (prompts for the password)
    authstage codegen [--check] [--app ...]   (the generated clients: authstage/codegen)
    authstage worker [--app ...] [--concurrency N]   (runs background jobs: authstage/jobs)

``--app`` names a Litestar app or a factory returning one, as ``module:attribute``; it defaults
to ``AUTHSTAGE_APP`` or ``actions.app:create_app``. The database is ``DATABASE_URL`` (or
``--database-url``), read as described in ``authstage.db``. The working directory is put first
on ``sys.path``, as uvicorn does, so the project's modules and its ``piccolo_conf`` import.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import os
import re
import sys
from collections.abc import Sequence
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from litestar import Litestar

from authstage.codegen.command import add_codegen_command
from authstage.db import Database, parse_database_url
from authstage.errors import ConfigurationError
from authstage.jobs.worker import add_worker_command

__all__ = ["actions_table", "load_app", "main"]

DEFAULT_APP = "actions.app:create_app"
_MODULE_PATH = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])")


def _import_target(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"--app {target!r}: write module:attribute")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"--app {target!r}: {exc}") from exc


def load_app(target: str) -> Litestar:
    """Import ``module:attribute`` and return the app (calling it when it is a factory).

    Raises:
        ConfigurationError: the target cannot be imported or is not a Litestar app.
    """
    obj = _import_target(target)
    app = obj if isinstance(obj, Litestar) else obj() if callable(obj) else None
    if not isinstance(app, Litestar):
        raise ConfigurationError(f"--app {target!r} is neither a Litestar app nor a factory")
    return app


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
    endpoint = app.state["authstage"]
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


def _migrate(url: str | None, *, quiet: bool = False) -> None:
    asyncio.run(Database(url, migrate_on_startup=False).migrate(quiet=quiet))


def _cmd_run(args: argparse.Namespace) -> int:
    if args.database_url is not None:
        os.environ["DATABASE_URL"] = args.database_url  # read by the app, in every worker
    if parse_database_url().kind == "sqlite":
        _migrate(None)  # the embedded default: a fresh clone gets its tables before serving
    import uvicorn

    factory = not isinstance(_import_target(args.app), Litestar)
    uvicorn.run(args.app, host=args.host, port=args.port, reload=args.reload, factory=factory)
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    _migrate(args.database_url)
    return 0


def _cmd_actions(args: argparse.Namespace) -> int:
    app = load_app(args.app)
    if args.id is not None:
        print(app.state["authstage"].registry.id_of(args.id))
        return 0
    print(actions_table(app))
    return 0


def _ask(prompt: str, value: str | None) -> str:
    while not value:
        value = input(prompt).strip()
    return value


def _cmd_createuser(args: argparse.Namespace) -> int:
    from authstage.auth.accounts import create_user
    from authstage.errors import ActionError

    email = _ask("Email: ", args.email)
    name = _ask("Name: ", args.name)
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        print("authstage: the passwords do not match", file=sys.stderr)
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
    run.set_defaults(handler=_cmd_run)
    migrate = commands.add_parser("migrate", help="run pending database migrations")
    migrate.add_argument("--database-url", help="overrides DATABASE_URL")
    migrate.set_defaults(handler=_cmd_migrate)
    listing = commands.add_parser("actions", help="list the registered actions")
    listing.add_argument("--app", default=app_default, help="module:attribute")
    listing.add_argument("--id", metavar="NAME", help="print only the ID of the action NAME")
    listing.set_defaults(handler=_cmd_actions)
    create = commands.add_parser(
        "createuser", help="create a user (prompts for the password; never takes it as an argument)"
    )
    create.add_argument("--admin", action="store_true", help="give the user the admin role")
    create.add_argument("--email", help="prompted for when missing")
    create.add_argument("--name", help="prompted for when missing")
    create.add_argument("--database-url", help="overrides DATABASE_URL")
    create.set_defaults(handler=_cmd_createuser)
    add_codegen_command(commands, app_default)
    add_worker_command(commands, app_default, load_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``authstage`` command line; returns the exit status."""
    args = _parser().parse_args(argv)
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        status: int = args.handler(args)
    except ConfigurationError as exc:
        print(f"authstage: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
