"""Piccolo's configuration: used by its CLI (``piccolo migrations new demo --auto``) and by
migrations run in-process (``authstage migrate``).

``DB`` follows ``DATABASE_URL`` exactly as the app does (see ``authstage.db``); an app built
with another database rebinds ``DB`` when it starts.
"""

from piccolo.conf.apps import AppRegistry

from authstage.db import create_engine

DB = create_engine()

APP_REGISTRY = AppRegistry(
    apps=[
        "authstage.auth.piccolo_app",
        "authstage.audit.piccolo_app",
        "authstage.jobs.piccolo_app",
        "actions.piccolo_app",
    ]
)
