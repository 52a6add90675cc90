from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T10:58:00:333382"
VERSION = "1.38.0"
DESCRIPTION = "post.search_text: title and content folded, for /search"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="demo", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Post",
        tablename="post",
        column_name="search_text",
        db_column_name="search_text",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
