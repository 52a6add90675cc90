"""The demo's sensitive actions leave audit entries; admins read them, users may not."""

from __future__ import annotations

from typing import Any

from actions import accounts, admin
from authstage.audit import AuditEntry, list_audit_entries
from authstage.auth import User
from authstage.testing import ActionClient
from tests.actions.conftest import PASSWORD, db, edit_behind, error_of, signup

NEW_PASSWORD = "another horse battery"


async def audit_trail() -> list[dict[str, Any]]:
    rows = await db(AuditEntry.select().output(load_json=True).order_by(AuditEntry.id))
    return [{k: row[k] for k in ("user_id", "action", "outcome", "args")} for row in rows]


async def user_id(email: str = "ada@example.com") -> str:
    row = await db(User.select(User.id).where(User.email == email).first())
    return str(row["id"])


async def test_a_password_change_is_audited_without_the_passwords(actions: ActionClient) -> None:
    await signup(actions)
    data = {"current_password": "wrong password!", "new_password": NEW_PASSWORD}
    assert error_of(await actions.call(accounts.change_password, data=data))["code"] == "VALIDATION"
    data["current_password"] = PASSWORD
    assert (await actions.call(accounts.change_password, data=data)).status_code == 200
    me, name = await user_id(), "actions.accounts.change_password"
    assert await audit_trail() == [
        {"user_id": me, "action": name, "outcome": "VALIDATION", "args": None},
        {"user_id": me, "action": name, "outcome": "ok", "args": None},
    ]
    rows = await db(AuditEntry.select())
    assert all(PASSWORD not in str(row) and NEW_PASSWORD not in str(row) for row in rows)


async def test_a_deleted_account_keeps_its_audit_entry(actions: ActionClient) -> None:
    await signup(actions)
    me = await user_id()
    assert (await actions.call(accounts.delete_account, password=PASSWORD)).status_code == 200
    assert await audit_trail() == [
        {"user_id": me, "action": "actions.accounts.delete_account", "outcome": "ok", "args": None}
    ]


async def test_role_changes_are_admin_only_audited_and_listed_for_admins(
    actions: ActionClient,
) -> None:
    await signup(actions)
    me = await user_id()
    refused = await actions.call(admin.set_role, user_id=int(me), role="admin")
    assert error_of(refused)["code"] == "FORBIDDEN"  # refused in step 4: not an audited call
    assert error_of(await actions.call(list_audit_entries))["code"] == "FORBIDDEN"
    await edit_behind(actions, User.update({User.role: "admin"}).where(User.id == int(me)))
    changed = await actions.call(admin.set_role, user_id=int(me), role="user")
    assert changed.json()["data"]["role"] == "user"
    assert await audit_trail() == [
        {
            "user_id": me,
            "action": "actions.admin.set_role",
            "outcome": "ok",
            "args": {"user_id": int(me), "role": "user"},
        }
    ]
    await edit_behind(actions, User.update({User.role: "admin"}).where(User.id == int(me)))
    page = (await actions.call(list_audit_entries, user_id=me)).json()["data"]
    assert [e["action"] for e in page["entries"]] == ["actions.admin.set_role"]
    assert page["entries"][0]["ip"]  # the peer address the request came from
