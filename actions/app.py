"""The app assembly: ``create_app()`` builds the Litestar app serving pages and actions.

``authstage run`` serves it (``uvicorn --factory actions.app:create_app``) on the embedded
default: a SQLite file and in-memory stores. ``DATABASE_URL=postgresql://...`` switches to
PostgreSQL; nothing else changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from actions.admin_pages import admin_audit, admin_page, announce_page
from actions.avatars import avatar_file
from actions.exports_pages import download_export, export_page
from actions.pages import api_user, dashboard, login_page, profile_page, signup_page
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
    "actions.todos",
    "actions.exports",
]
#: Modules of the app's background tasks (``@task``), run by ``JobsPlugin``.
TASK_MODULES = [
    "authstage.mailjobs",  # send_email: one job per recipient of an announcement
    "actions.exports",
]
TEMPLATES = Path(__file__).parent / "templates"


@get("/", name="home", sync_to_thread=False)
def home() -> Template:
    """The landing page."""
    return Template(template_name="home.html")


def create_app(
    database_url: str | None = None, auth: AuthConfig | None = None, **config: Any
) -> Litestar:
    """Build the app; keyword arguments override ``AuthstageConfig`` fields.

    ``database_url`` picks the database (``DATABASE_URL`` when None; see ``authstage.db``);
    ``auth`` the authentication settings (defaults otherwise).
    """
    database = Database(database_url)
    plugin = AuthstagePlugin(
        AuthstageConfig(actions=ACTION_MODULES, auth=auth or AuthConfig(), **config)
    )
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
            todos_page,
            export_page,
            download_export,
        ],
        plugins=[plugin, JobsPlugin(JobsConfig(tasks=TASK_MODULES))],
        on_startup=[database.startup],
        on_shutdown=[database.shutdown],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
    )
