"""The job table as a Piccolo app; its migrations ship inside the package.

A new migration after a table change:
``PICCOLO_CONF=piccolo_conf piccolo migrations new jobs --auto``.
"""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from authstage.jobs.tables import JobRecord

__all__ = ["APP_CONFIG"]

MIGRATIONS = Path(__file__).resolve().parent / "piccolo_migrations"

APP_CONFIG = AppConfig(
    app_name="jobs",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[JobRecord],
    migration_dependencies=[],
    commands=[],
)
