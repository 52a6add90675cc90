"""The auth tables as a Piccolo app; its migrations ship in ``piccolo_migrations/`` beside it.

Listed in a project's ``piccolo_conf.py`` as ``"authstage.auth.piccolo_app"``, or used through
the framework's default configuration (``authstage.piccolo_conf``) when the project has none.
A new migration after a table change, from the repository root:
``PICCOLO_CONF=piccolo_conf piccolo migrations new auth --auto``.
"""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from authstage.auth.tables import Session, User

__all__ = ["APP_CONFIG"]

MIGRATIONS = Path(__file__).resolve().parent / "piccolo_migrations"

APP_CONFIG = AppConfig(
    app_name="auth",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[User, Session],
    migration_dependencies=[],
    commands=[],
)
