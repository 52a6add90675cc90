"""Single-flight refresh in the demo app, on SQLite and PostgreSQL: real sessions and roles."""

from __future__ import annotations

import msgspec

from actions import accounts, admin
from authstage.auth import User
from authstage.testing import ActionClient
from tests.actions.conftest import edit_behind, signup


def refresh_of(actions: ActionClient, *limits: int) -> dict[str, str]:
    """An ``Authstage-Refresh`` header naming ``list_users(limit)`` once per limit."""
    reads = [{"action": actions.id_of(admin.list_users), "args": {"limit": n}} for n in limits]
    return {"authstage-refresh": msgspec.json.encode(reads).decode()}


async def test_reads_refreshed_after_a_signed_in_write_cost_no_session_query(
    actions: ActionClient, queries: list[str]
) -> None:
    await signup(actions)
    await edit_behind(
        actions, User.update({User.role: "admin"}).where(User.email == "ada@example.com")
    )
    queries.clear()
    response = await actions.call(
        accounts.update_profile, data={"name": "Ada Two"}, headers=refresh_of(actions, 1, 50)
    )
    body = response.json()
    assert body["data"]["name"] == "Ada Two"
    assert [entry["data"][0]["name"] for entry in body["refresh"]] == ["Ada Two", "Ada Two"]
    session_queries = [q for q in queries if "authstage_session" in q]
    assert len(session_queries) == 1, session_queries  # the write's own lookup serves both


async def test_a_read_that_needs_a_role_is_forbidden_and_the_write_still_answers(
    actions: ActionClient,
) -> None:
    await signup(actions)
    response = await actions.call(
        accounts.update_profile, data={"name": "Bo"}, headers=refresh_of(actions, 10)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["name"] == "Bo"
    assert body["refresh"][0]["error"]["code"] == "FORBIDDEN"
