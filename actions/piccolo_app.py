"""The demo app as Piccolo sees it: its tables and where its migrations live.

Listed in ``APP_REGISTRY`` of the repository's ``piccolo_conf.py``. A new migration after a
table change: ``PICCOLO_CONF=piccolo_conf piccolo migrations new demo --auto``.
"""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from actions.tables import Announcement, Export, Like, Note, Post, Todo

__all__ = ["APP_CONFIG"]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "demo"

APP_CONFIG = AppConfig(
    app_name="demo",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[Note, Post, Like, Todo, Export, Announcement],
    migration_dependencies=[],
    commands=[],
)
