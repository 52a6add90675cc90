"""Which Piccolo configuration and apps are bound and migrated: the project's, or the default."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest
from litestar import Litestar

from authstage import AuthstagePlugin, JobsPlugin
from authstage import piccolo_conf as default_conf
from authstage.auth import AuthConfig
from authstage.db import Database
from authstage.errors import ConfigurationError
from authstage.piccolo_apps import framework_apps, project_piccolo_conf
from tests.conftest import run_sync

SECRET = "piccolo-apps-secret-0123456789abcdef0123456789"


def test_an_app_uses_the_auth_tables_only_with_an_auth_config() -> None:
    plain = Litestar(plugins=[AuthstagePlugin(actions=[], secret=SECRET)])
    with_auth = Litestar(plugins=[AuthstagePlugin(actions=[], secret=SECRET, auth=AuthConfig())])
    assert framework_apps(plain) == []
    assert framework_apps(with_auth) == ["authstage.auth.piccolo_app"]
    with_jobs = Litestar(plugins=[AuthstagePlugin(actions=[], secret=SECRET), JobsPlugin()])
    assert framework_apps(with_jobs) == ["authstage.jobs.piccolo_app"]
    assert framework_apps() == [
        "authstage.auth.piccolo_app",
        "authstage.audit.piccolo_app",
        "authstage.jobs.piccolo_app",
    ]


@pytest.fixture
def no_project_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a folder without piccolo_conf.py: the repository's is neither imported nor found."""
    monkeypatch.delenv("PICCOLO_CONF", raising=False)
    monkeypatch.delitem(sys.modules, "piccolo_conf", raising=False)
    path = [p for p in sys.path if not (Path(p or ".") / "piccolo_conf.py").exists()]
    monkeypatch.setattr(sys, "path", path)


def test_the_repository_has_its_own_configuration() -> None:
    conf = project_piccolo_conf()
    assert conf is not None and conf.__name__ == "piccolo_conf"


def test_without_a_project_configuration_the_default_migrates_only_the_apps_used(
    no_project_conf: None, tmp_path: Path
) -> None:
    assert project_piccolo_conf() is None
    path = tmp_path / "auth.sqlite"
    database = Database(f"sqlite:///{path}", migrate_on_startup=False)
    with_auth = Litestar(plugins=[AuthstagePlugin(actions=[], secret=SECRET, auth=AuthConfig())])
    database.apps = framework_apps(with_auth)
    run_sync(database.migrate(quiet=True))
    assert default_conf.DB is database.engine
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        ran = [row[0] for row in connection.execute("SELECT app_name FROM migration")]
    assert {"authstage_user", "authstage_session"} <= tables
    assert not {"note", "authstage_audit", "authstage_job"} & tables
    assert ran == ["auth"]
    assert "PICCOLO_CONF" not in os.environ  # set only while migrating


def test_a_piccolo_conf_named_but_missing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICCOLO_CONF", "no_such_conf_module")
    with pytest.raises(ConfigurationError, match="no_such_conf_module"):
        project_piccolo_conf()
