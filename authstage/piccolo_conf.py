"""The framework's Piccolo configuration, for a project that has none of its own.

Piccolo finds its engine and apps in a ``piccolo_conf`` module (``PICCOLO_CONF`` names another).
A project with tables of its own keeps one (Piccolo's convention, needed by ``piccolo
migrations new``) and lists ``"authstage.auth.piccolo_app"`` there when it uses ``AuthConfig``.
A project without one, such as the README's single file, still gets the framework's tables:
``authstage.db`` falls back to this module and fills ``APP_REGISTRY`` with the framework apps
the Litestar app uses (none, the auth tables, ...), then points ``PICCOLO_CONF`` here for the
duration of a migration run. ``DB`` is set by ``authstage.db.bind_engine``; nothing connects at
import.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

__all__ = ["APP_REGISTRY", "DB"]

#: The bound engine (``authstage.db.bind_engine`` sets it).
DB: Any = None

#: The framework's apps in use; replaced by ``authstage.db`` for each app it binds.
APP_REGISTRY = AppRegistry(apps=[])
