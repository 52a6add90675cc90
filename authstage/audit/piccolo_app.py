"""The audit table as a Piccolo app; its migrations ship in ``piccolo_migrations/`` beside it.

Listed in a project's ``piccolo_conf.py`` as ``"authstage.audit.piccolo_app"``, or used through
the framework's default configuration when the project has none and an action is audited
(``authstage.piccolo_apps.FRAMEWORK_APPS``). A new migration after a table change, from the
repository root: ``PICCOLO_CONF=piccolo_conf piccolo migrations new audit --auto``.
"""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from authstage.audit.tables import AuditEntry

__all__ = ["APP_CONFIG"]

MIGRATIONS = Path(__file__).resolve().parent / "piccolo_migrations"

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[AuditEntry],
    migration_dependencies=[],
    commands=[],
)
