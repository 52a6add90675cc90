"""The auth tables as a Piccolo app; its migrations live in the top-level ``migrations/auth``.

A new migration after a table change:
``PICCOLO_CONF=piccolo_conf piccolo migrations new auth --auto``.
"""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from authstage.auth.tables import Session, User

__all__ = ["APP_CONFIG"]

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations" / "auth"

APP_CONFIG = AppConfig(
    app_name="auth",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[User, Session],
    migration_dependencies=[],
    commands=[],
)
