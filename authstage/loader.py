"""Finding the user's app from a command line: ``module:attribute``, an app or a factory.

Every command that needs the app (``actions``, ``codegen``, ``schema``, ``migrate``, ``run``)
loads it here, so they all read ``--app`` the same way and none of them writes a secret: the
app is built inside ``keys.secret_lookup`` (``refuse`` for output that holds action IDs,
``throwaway`` otherwise), because building it builds its key ring. This module sits below both
``cli`` and ``codegen.command`` so neither imports the other. Loading runs the user's module
and factory (as the server would), so a command costs what building the app costs: tenths of a
second for the demo.
"""

from __future__ import annotations

import importlib
from typing import Any

from litestar import Litestar

from authstage.errors import ConfigurationError
from authstage.keys import secret_lookup

__all__ = ["DEFAULT_APP", "build_app", "import_target", "load_app"]

#: ``--app`` when neither the option nor ``AUTHSTAGE_APP`` is given: the demo app's factory.
DEFAULT_APP = "actions.app:create_app"


def import_target(target: str) -> Any:
    """The object ``module:attribute`` names (an app or a factory), not yet called.

    Raises:
        ConfigurationError: the target is malformed or cannot be imported.
    """
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"--app {target!r}: write module:attribute")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"--app {target!r}: {exc}") from exc


def build_app(target: str) -> Litestar:
    """The app ``module:attribute`` names, built as its server builds it (``authstage run``):
    a missing development secret is generated.

    Raises:
        ConfigurationError: the target cannot be imported, is not a Litestar app, or the app's
            configuration is invalid.
    """
    obj = import_target(target)
    app = obj if isinstance(obj, Litestar) else obj() if callable(obj) else None
    if not isinstance(app, Litestar):
        raise ConfigurationError(f"--app {target!r} is neither a Litestar app nor a factory")
    return app


def load_app(target: str, *, prints_ids: bool = True) -> Litestar:
    """The app ``module:attribute`` names, built by a command that is not its server.

    Args:
        target: ``module:attribute``.
        prints_ids: the caller prints action IDs, so only the server's own secret will do: a
            missing one is an error. Otherwise a throwaway secret stands in (see ``keys.py``).

    Raises:
        ConfigurationError: the target cannot be imported, is not a Litestar app, or the app's
            configuration is invalid.
    """
    with secret_lookup("refuse" if prints_ids else "throwaway"):
        return build_app(target)
