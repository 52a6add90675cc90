"""One like per user and post: a unique index on ``like (post, user)``.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE ... ADD
CONSTRAINT``, which SQLite does not have; a unique index works on both engines. A migration of
its own because Piccolo runs a migration's raw steps before the tables it creates.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T10:47:38:000000"
VERSION = "1.38.0"
DESCRIPTION = "one like per user and post"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="demo", description=DESCRIPTION)

    async def create_index() -> None:
        from actions.tables import Like

        await Like.raw(
            'CREATE UNIQUE INDEX IF NOT EXISTS like_one_per_user ON "like" ("post", "user")'
        )

    async def drop_index() -> None:
        from actions.tables import Like

        await Like.raw("DROP INDEX IF EXISTS like_one_per_user")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
