"""Which Piccolo configuration and apps a project uses: its own, or the framework's default.

Piccolo finds its engine and apps in a ``piccolo_conf`` module (``PICCOLO_CONF`` names
another). A project with tables of its own keeps one, as Piccolo expects (``piccolo migrations
new`` needs it), and lists ``"authstage.auth.piccolo_app"`` in it when it uses ``AuthConfig``.
A project without one (the README's single file, a fresh folder with the installed package)
gets ``authstage.piccolo_conf`` instead, holding the framework's apps the Litestar app uses:
``framework_apps(app)`` is the auth tables when the app has an ``AuthConfig``, the audit
table when an action is audited, nothing when it has no tables at all (then no database is
touched). Piccolo's migration runner looks the configuration up by name, so
``piccolo_conf_named`` points ``PICCOLO_CONF`` at the chosen module while migrations run, and
puts it back after.

Tables are found this way rather than from the app's plugins alone so a project's own
``piccolo_conf`` stays the one source Piccolo's CLI and ``authstage migrate`` agree on. The
cost: ``PICCOLO_CONF`` is process-wide, so it is set only for the length of a migration run.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, cast

from piccolo.conf.apps import (
    DEFAULT_MODULE_NAME,
    ENVIRONMENT_VARIABLE,
    AppRegistry,
    PiccoloConfModule,
)

from authstage import piccolo_conf as default_conf
from authstage.appstate import AUDIT_KEY, AUTH_KEY, JOBS_KEY
from authstage.errors import ConfigurationError

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = [
    "FRAMEWORK_APPS",
    "framework_apps",
    "piccolo_conf",
    "piccolo_conf_named",
    "project_piccolo_conf",
]

#: The framework's Piccolo apps, by the ``app.state`` key present when a Litestar app uses them.
FRAMEWORK_APPS = {
    AUTH_KEY: "authstage.auth.piccolo_app",
    AUDIT_KEY: "authstage.audit.piccolo_app",
    JOBS_KEY: "authstage.jobs.piccolo_app",
}


def framework_apps(app: Litestar | None = None) -> list[str]:
    """The framework's Piccolo apps ``app`` uses (every one of them when ``app`` is None)."""
    return [name for key, name in FRAMEWORK_APPS.items() if app is None or key in app.state]


def project_piccolo_conf() -> PiccoloConfModule | None:
    """The project's Piccolo configuration (``PICCOLO_CONF``, else ``piccolo_conf``), or None.

    Raises:
        ConfigurationError: ``PICCOLO_CONF`` names a module that cannot be imported, or the
            project's ``piccolo_conf`` fails to import something of its own.
    """
    name = os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_MODULE_NAME
    try:
        return cast(PiccoloConfModule, importlib.import_module(name))
    except ModuleNotFoundError as exc:
        if exc.name == name and ENVIRONMENT_VARIABLE not in os.environ:
            return None  # no configuration of its own: the framework's default stands in
        raise ConfigurationError(
            f"cannot import Piccolo's configuration {name!r} ({exc}): set PICCOLO_CONF to "
            "the module holding DB and APP_REGISTRY, or unset it"
        ) from exc


def piccolo_conf(apps: Sequence[str]) -> PiccoloConfModule:
    conf = project_piccolo_conf()
    if conf is None:
        conf = cast(PiccoloConfModule, default_conf)
        if list(conf.APP_REGISTRY.apps) != list(apps):
            conf.APP_REGISTRY = AppRegistry(apps=list(apps))  # imports the apps' tables
    return conf


@contextlib.contextmanager
def piccolo_conf_named(name: str) -> Iterator[None]:
    """``PICCOLO_CONF`` set to ``name`` while Piccolo's own Finder looks for it."""
    saved = os.environ.get(ENVIRONMENT_VARIABLE)
    os.environ[ENVIRONMENT_VARIABLE] = name
    try:
        yield
    finally:
        if saved is None:
            del os.environ[ENVIRONMENT_VARIABLE]
        else:
            os.environ[ENVIRONMENT_VARIABLE] = saved
