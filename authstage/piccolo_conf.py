"""The framework's Piccolo configuration, standing in when a project has none of its own.

``authstage.piccolo_apps`` falls back to this module when no ``piccolo_conf`` can be imported,
fills ``APP_REGISTRY`` with the framework's apps the Litestar app uses, and names it in
``PICCOLO_CONF`` while migrations run; ``authstage.db.bind_engine`` sets ``DB``. A project can
also point ``PICCOLO_CONF=authstage.piccolo_conf`` at it for Piccolo's own CLI. It is a module,
not an object, because Piccolo finds its configuration by module name. Nothing connects at
import.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

__all__ = ["APP_REGISTRY", "DB"]

#: The bound engine (``authstage.db.bind_engine`` sets it).
DB: Any = None

#: The framework's apps in use; replaced by ``authstage.piccolo_apps`` for each app bound.
APP_REGISTRY = AppRegistry(apps=[])
