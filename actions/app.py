"""The app assembly: ``create_app()`` builds the Litestar app serving pages and actions.

``authstage run`` serves it (``uvicorn --factory actions.app:create_app``) on the embedded
default: a SQLite file and in-memory stores. ``DATABASE_URL=postgresql://...`` switches to
PostgreSQL; nothing else changes. The first start in development seeds the demo accounts and
rows (actions/seed.py); pages share one stylesheet, served from ``/static`` (assets.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from actions.admin_pages import admin_audit, admin_page, announce_page
from actions.assets import asset_url, static_files
from actions.avatars import avatar_file
from actions.exports_pages import download_export, export_page
from actions.formatting import FILTERS
from actions.pages import api_user, dashboard, home, login_page, profile_page, signup_page
from actions.posts_pages import edit_post_page, post_page, posts_page, search_page
from actions.seed import seed_demo_data
from actions.todos_pages import todos_page
from authstage import AuthstageConfig, AuthstagePlugin
from authstage.auth import AuthConfig
from authstage.db import Database
from authstage.jobs import JobsConfig, JobsPlugin

__all__ = ["ACTION_MODULES", "TASK_MODULES", "create_app"]

ACTION_MODULES = [
    "actions.demo",
    "actions.notes",
    "actions.accounts",
    "actions.admin",
    "authstage.audit.actions",  # list_audit_entries, the admin read of the audit log
    "actions.showcase",
    "actions.avatars",
    "actions.posts",
    "actions.posts_pages",  # the posts list and the like button, as fragments
    "actions.todos",
    "actions.exports",
]
#: Modules of the app's background tasks (``@task``), run by ``JobsPlugin``.
TASK_MODULES = [
    "authstage.mailjobs",  # send_email: one job per recipient of an announcement
    "actions.exports",
]
TEMPLATES = Path(__file__).parent / "templates"


def _template_helpers(engine: JinjaTemplateEngine) -> None:
    """The app's filters (formatting.py) and ``asset_url`` (assets.py) in every template."""
    engine.engine.filters.update(FILTERS)
    engine.engine.globals["asset_url"] = asset_url


def create_app(
    database_url: str | None = None,
    auth: AuthConfig | None = None,
    jobs: JobsConfig | None = None,
    extra_actions: Sequence[str] = (),
    **config: Any,
) -> Litestar:
    """Build the app; keyword arguments override ``AuthstageConfig`` fields.

    ``database_url`` picks the database (``DATABASE_URL`` when None; see ``authstage.db``);
    ``auth`` the authentication settings (defaults otherwise); ``jobs`` the jobs settings
    (``TASK_MODULES`` from the environment otherwise). ``extra_actions`` serves more action
    modules next to the demo's (an embedding app's, or a test's). The demo data is seeded at
    the first start in development (actions/seed.py); ``seed=None`` leaves the database empty.
    """
    database = Database(database_url)
    auth = auth or AuthConfig()
    config.setdefault("seed", partial(seed_demo_data, auth.hasher))
    modules = [*ACTION_MODULES, *extra_actions]
    plugin = AuthstagePlugin(AuthstageConfig(actions=modules, auth=auth, **config))
    return Litestar(
        route_handlers=[
            home,
            login_page,
            signup_page,
            dashboard,
            profile_page,
            api_user,
            avatar_file,
            admin_page,
            announce_page,
            admin_audit,
            posts_page,
            post_page,
            edit_post_page,
            search_page,
            static_files(),
            todos_page,
            export_page,
            download_export,
        ],
        plugins=[plugin, JobsPlugin(jobs or JobsConfig(tasks=TASK_MODULES))],
        on_startup=[database.startup],
        on_shutdown=[database.shutdown],
        template_config=TemplateConfig(
            directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_template_helpers
        ),
    )
