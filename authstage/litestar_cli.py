"""``litestar authstage ...``: the ``authstage`` command, run on the app Litestar's CLI found.

``AuthstagePlugin`` is a Litestar ``CLIPlugin``; its ``on_cli_init`` adds this command, so on
any app that uses the plugin::

    litestar --app posts:app authstage actions --id posts.create_post
    litestar authstage codegen --check        # the app found by Litestar's autodiscovery
    litestar run                              # Litestar serves it as any other app

The command is a thin adapter, on purpose: every argument after ``authstage`` goes unparsed to
``authstage.cli.main`` (the argparse ``authstage`` command, the short form the README uses), so
its subcommands, options, help and exit codes are those of ``authstage`` itself and nothing is
declared twice. The app is the one Litestar resolved (``--app``, ``LITESTAR_APP`` or
autodiscovery, an app or a factory); it reaches ``authstage`` as ``AUTHSTAGE_APP``, the default
of every subcommand's ``--app``, rather than as an option some subcommands do not take.

Cost: the app is imported twice (once by Litestar to find its plugins, once by ``authstage``);
a factory is called twice, which is harmless since each call builds its own app.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from authstage.cli import main

if TYPE_CHECKING:
    from litestar.cli._utils import LitestarEnv

__all__ = ["authstage_command", "run_authstage"]


def run_authstage(app_path: str, args: tuple[str, ...]) -> int:
    """``authstage <args>`` with ``app_path`` as the default ``--app``; its exit status."""
    previous = os.environ.get("AUTHSTAGE_APP")
    os.environ["AUTHSTAGE_APP"] = app_path
    try:
        return int(main(list(args)))
    finally:
        if previous is None:
            del os.environ["AUTHSTAGE_APP"]
        else:
            os.environ["AUTHSTAGE_APP"] = previous


@click.command(
    name="authstage",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    help="The authstage command (actions, codegen, migrate, createuser, ...) on this app.",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def authstage_command(env: LitestarEnv, args: tuple[str, ...]) -> None:
    """Forward ``args`` to ``authstage`` (Litestar injects ``env``)."""
    raise SystemExit(run_authstage(env.app_path, args or ("--help",)))
