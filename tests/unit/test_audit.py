"""The audit log on SQLite and PostgreSQL: entries, rollback, arguments, the admin read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from actions.tables import Note
from authstage import Audit, AuthstagePlugin, ConfigurationError, RegistrationError, action
from authstage import db as db_module
from authstage.appstate import endpoint_of
from authstage.audit import AuditEntry, AuditLog, list_audit_entries
from authstage.auth import AuthConfig
from authstage.db import Database
from authstage.piccolo_apps import framework_apps
from tests.conftest import FAST_HASHER
from tests.unit import audit_actions as aa
from tests.unit.conftest import SECRET

IP = "203.0.113.9"
ADMIN, USER = "1:admin", "2:user"


def build(database_url: str) -> Litestar:
    database = Database(database_url, migrate_on_startup=False)
    plugin = AuthstagePlugin(
        actions=[aa, "authstage.audit.actions"],
        secret=SECRET,
        production=False,
        auth=AuthConfig(hasher=FAST_HASHER, rate_limit_storage="async+memory://"),
        authenticate=aa.authenticate,
    )
    return Litestar(
        plugins=[plugin], on_startup=[database.startup], on_shutdown=[database.shutdown]
    )


class Caller:
    """Calls to a started app from ``IP``, as the user named (``"<id>:<role>"``) or nobody."""

    def __init__(self, app: Litestar) -> None:
        transport = httpx.ASGITransport(app=app, client=(IP, 40000))  # type: ignore[arg-type]
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
        self.registry = endpoint_of(app).registry

    async def __call__(self, fn: Any, user: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"authstage-action": self.registry.id_of(fn), "content-type": "application/json"}
        if user is not None:
            headers["x-user"] = user
        return await self.http.post(
            "/_action", content=msgspec.json.encode(kwargs), headers=headers
        )


@asynccontextmanager
async def started(database_url: str) -> AsyncIterator[Caller]:
    """The app started on this loop (as a fixture its lifespan would end in another task)."""
    app = build(database_url)
    async with app.lifespan():
        yield Caller(app)


async def entries() -> list[dict[str, Any]]:
    rows = await AuditEntry.select().output(load_json=True).order_by(AuditEntry.id)
    return [{k: v for k, v in row.items() if k not in {"id", "at"}} for row in rows]


async def notes() -> list[str]:
    return [row["title"] for row in await Note.select(Note.title).order_by(Note.id)]


async def test_a_successful_call_leaves_an_ok_entry_with_who_what_when_and_where(
    database: Database,
    database_url: str,
) -> None:
    async with started(database_url) as call:
        response = await call(aa.add_notes, USER, note={"title": "a", "body": "b"}, tag="t")
        assert response.json() == {"ok": True, "data": 2}
        assert await notes() == ["a 0", "a 1"]
        assert await entries() == [
            {
                "user_id": "2",
                "action": "tests.unit.audit_actions.add_notes",
                "outcome": "ok",
                "ip": IP,
                "args": {"note.title": "a", "tag": "t"},
            }
        ]
        (row,) = await AuditEntry.select(AuditEntry.at)
        assert row["at"] is not None


@pytest.mark.parametrize(("fail", "code"), [("conflict", "CONFLICT"), ("crash", "INTERNAL")])
async def test_a_failed_call_keeps_none_of_its_writes_and_leaves_an_entry_with_its_code(
    database: Database, database_url: str, fail: str, code: str
) -> None:
    async with started(database_url) as call:
        response = await call(
            aa.add_notes, USER, note={"title": "x", "body": ""}, tag="t", fail=fail
        )
        assert response.json()["error"]["code"] == code
        assert await notes() == []  # both notes were written, then rolled back
        (entry,) = await entries()
        assert entry["outcome"] == code
        assert entry["user_id"] == "2"


async def test_an_entry_that_cannot_be_written_rolls_the_action_back(
    database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(database_url) as call:

        async def broken(row: dict[str, Any], outcome: str) -> None:
            raise RuntimeError("the audit table is gone")

        monkeypatch.setattr(AuditLog, "_insert", staticmethod(broken))
        response = await call(aa.add_notes, USER, note={"title": "x", "body": ""}, tag="t")
        assert response.status_code == 500
        assert await notes() == []  # no action without its entry


async def test_a_redirect_is_a_success_whose_writes_commit(
    database: Database, database_url: str
) -> None:
    async with started(database_url) as call:
        response = await call(aa.note_and_go_home, title="home")
        assert response.json()["redirect"] == "/"
        assert await notes() == ["home"]
        (entry,) = await entries()
        assert entry["outcome"] == "ok"
        assert entry["user_id"] is None  # signed out
        assert entry["args"] is None  # nothing listed, nothing recorded


async def test_a_public_audited_action_still_records_who_is_signed_in(
    database: Database, database_url: str
) -> None:
    async with started(database_url) as call:
        await call(aa.note_and_go_home, USER, title="mine")
        assert [e["user_id"] for e in await entries()] == ["2"]


async def test_a_refusal_before_the_action_runs_leaves_no_entry(
    database: Database, database_url: str
) -> None:
    async with started(database_url) as call:
        assert (
            await call(aa.add_notes, note={"title": "x", "body": ""}, tag="t")
        ).status_code == 401
        assert await entries() == []


def test_secret_looking_or_unknown_arguments_are_refused_at_registration() -> None:
    async def change(user_id: int, new_password: str, api_token: str, data: aa.NoteIn) -> None:
        return None

    for listed, reason in [
        (["new_password"], "looks secret"),
        (["api_token"], "looks secret"),
        (["data.secret_title"], "looks secret"),
        (["nobody"], "is not a parameter"),
        (["data.nope"], "no such Struct field"),
    ]:
        with pytest.raises(RegistrationError, match=reason):
            action(audit=Audit(args=listed))(change)
    options: Any = {"audit": "yes"}
    with pytest.raises(RegistrationError, match="audit is True, False or an Audit"):
        action(**options)(change)


def test_an_app_with_an_audited_action_migrates_the_audit_table(database_url: str) -> None:
    assert "authstage.audit.piccolo_app" in framework_apps(build(database_url))


async def test_the_admin_read_pages_and_filters_entries(
    database: Database, database_url: str
) -> None:
    async with started(database_url) as call:
        for user in ("2:user", "3:user", "2:user"):
            await call(aa.add_notes, user, note={"title": "p", "body": ""}, tag="t", count=0)
        await call(aa.note_and_go_home, title="n")
        first = (await call(list_audit_entries, ADMIN, limit=3)).json()["data"]
        assert [e["action"].rsplit(".", 1)[1] for e in first["entries"]] == [
            "note_and_go_home",
            "add_notes",
            "add_notes",
        ]
        rest = (await call(list_audit_entries, ADMIN, before=first["next_before"])).json()["data"]
        assert [e["user_id"] for e in rest["entries"]] == ["2"]
        assert rest["next_before"] is None
        mine = (await call(list_audit_entries, ADMIN, user_id="2")).json()["data"]["entries"]
        assert [e["user_id"] for e in mine] == ["2", "2"]
        named = "tests.unit.audit_actions.note_and_go_home"
        by_action = (await call(list_audit_entries, ADMIN, action_name=named)).json()["data"]
        assert [e["action"] for e in by_action["entries"]] == [named]
        reads = [e for e in await entries() if e["action"] == "authstage.audit.list_audit_entries"]
        assert len(reads) == 4 and {e["user_id"] for e in reads} == {"1"}  # reading is audited


async def test_the_admin_read_is_403_for_a_user_and_401_signed_out(
    database: Database, database_url: str
) -> None:
    async with started(database_url) as call:
        refused = await call(list_audit_entries, USER)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "FORBIDDEN"
        assert (await call(list_audit_entries)).status_code == 401


async def test_audited_actions_without_a_database_stop_the_app_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db_module._Binding, "engine", None)  # nothing bound, as in a fresh process
    with pytest.raises(ConfigurationError, match="audited actions need a database") as info:
        await AuditLog().start()
    assert "\n" not in str(info.value)
