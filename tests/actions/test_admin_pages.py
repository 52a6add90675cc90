"""The admin pages on SQLite and PostgreSQL: admins only, users, roles, deletion, the audit log."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from actions import admin
from actions.tables import Post, Todo
from authstage.audit import AuditEntry
from authstage.auth import Session, User
from authstage.testing import ActionClient
from tests.actions.conftest import db, edit_behind, error_of, signup

BASE = "http://testserver.local"
BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8", "sec-fetch-dest": "document"}


async def sign_up_admin(actions: ActionClient, name: str = "Root") -> int:
    """Sign up ``root@example.com`` (the client keeps the session) and make them an admin."""
    await signup(actions, email="root@example.com", name=name)
    await edit_behind(
        actions, User.update({User.role: "admin"}).where(User.email == "root@example.com")
    )
    return await user_id("root@example.com")


async def user_id(email: str) -> int:
    row = await db(User.select(User.id).where(User.email == email).first())
    return int(row["id"])


async def add_users(*names_and_emails: tuple[str, str]) -> list[int]:
    """Users inserted directly (no password anyone could log in with)."""
    rows = [User(name=n, email=e, password_hash="!", role="user") for n, e in names_and_emails]
    await db(User.insert(*rows))
    return [await user_id(email) for _, email in names_and_emails]


def names_in(html: str) -> list[str]:
    """The names of the users table's rows, in order."""
    return [n.strip() for n in re.findall(r'<tr data-item id="user-\d+">\s*<td>([^<]+)', html)]


def bound_field(html: str, form_id: str) -> str:
    """The ``_bound`` token of the form with id ``form_id``."""
    form = html.split(f'<form id="{form_id}"', 1)[1].split("</form>", 1)[0]
    match = re.search(r'name="_bound" value="([^"]+)"', form)
    assert match is not None, form
    return match[1]


async def test_signed_out_visitors_go_to_login(actions: ActionClient) -> None:
    for path in ["/admin", "/admin/announce", "/admin/audit"]:
        response = await actions.client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, f"/login?next={path}")


async def test_a_non_admin_gets_the_403_page_and_the_actions_answer_403(
    actions: ActionClient,
) -> None:
    await signup(actions)
    for path in ["/admin", "/admin/announce", "/admin/audit"]:
        page = await actions.client.get(path, headers=BROWSER)
        assert page.status_code == 403
        assert page.headers["content-type"].startswith("text/html")
        assert "You are not allowed to see this page." in page.text
        assert '<a class="brand" href="/">' in page.text  # in the app's own layout
        api = await actions.client.get(path)
        assert (api.status_code, api.json()) == (403, {"error": "Forbidden"})
    me = await user_id("ada@example.com")
    calls: list[tuple[Any, dict[str, Any]]] = [
        (admin.delete_user, {"user_id": me}),
        (admin.set_role, {"user_id": me, "role": "admin"}),
        (admin.user_table, {}),
        (admin.announcement_counts, {}),
        (admin.send_announcement, {"data": {"subject": "Hi", "message": "All of you"}}),
    ]
    for fn, args in calls:
        assert error_of(await actions.call(fn, **args))["code"] == "FORBIDDEN"
    assert await db(User.count()) == 1
    assert 'href="/admin"' not in (await actions.client.get("/dashboard")).text


async def test_the_admin_sees_the_admin_link(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    assert '<a href="/admin">Admin</a>' in (await actions.client.get("/dashboard")).text


async def test_search_ignores_case_and_takes_wildcards_literally(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    await add_users(
        ("Ada Lovelace", "ada@example.com"),
        ("Alan Turing", "alan_turing@example.com"),
        ("Grace 100% Hopper", "grace@example.com"),
        ("Back\\slash", "slash@example.com"),
    )

    async def search(q: str) -> list[str]:
        page = await actions.client.get("/admin", params={"q": q})
        assert page.status_code == 200
        return names_in(page.text)

    assert await search("ADA") == ["Ada Lovelace"]
    assert await search("TURING@") == ["Alan Turing"]
    assert await search("_") == ["Alan Turing"]  # not "any one character"
    assert await search("%") == ["Grace 100% Hopper"]  # not "anything"
    assert await search("\\") == ["Back\\slash"]
    assert await search("nobody") == []
    assert len(await search("")) == 5
    found = await actions.call(admin.list_users, q="lovelace")
    assert [u["name"] for u in found.json()["data"]] == ["Ada Lovelace"]
    long = await actions.client.get("/admin", params={"q": "x" * 101}, headers=BROWSER)
    assert long.status_code == 400 and "<h1>Bad Request</h1>" in long.text


async def test_the_users_table_is_paged(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    await add_users(*[(f"User {n:02}", f"user{n:02}@example.com") for n in range(25)])
    first = (await actions.client.get("/admin")).text
    assert len(names_in(first)) == admin.PER_PAGE
    assert 'rel="next" href="/admin?q=&amp;page=2"' in first
    second = (await actions.client.get("/admin", params={"page": 2})).text
    assert names_in(second)[-1] == "Root"  # the oldest account, the admin, comes last
    assert len(names_in(second)) == 26 - admin.PER_PAGE
    assert 'rel="next"' not in second and 'rel="prev"' in second
    bad = await actions.client.get("/admin", params={"page": 0}, headers=BROWSER)
    assert bad.status_code == 400


async def test_deleting_a_user_takes_their_things_and_is_audited(actions: ActionClient) -> None:
    root = await sign_up_admin(actions)
    [victim] = await add_users(("Mallory", "mallory@example.com"))
    await db(Post.insert(Post(author=victim, title="Mine", content="Hello")))
    await db(Todo.insert(Todo(owner=victim, title="Something")))
    page = (await actions.client.get("/admin")).text
    assert 'data-confirm="Delete Mallory and everything they own?"' in page
    assert f'id="delete-{root}"' not in page  # no delete button for yourself
    response = await actions.form(
        admin.delete_user,
        {"_bound": bound_field(page, f"delete-{victim}"), "_form": str(victim)},
        referer=f"{BASE}/admin",
    )
    assert (response.status_code, response.headers["location"]) == (303, "/admin")
    assert names_in((await actions.client.get("/admin")).text) == ["Root"]
    assert await db(User.count().where(User.id == victim)) == 0
    assert await db(Post.count()) == 0 and await db(Todo.count()) == 0
    entries = await db(AuditEntry.select().output(load_json=True))
    assert [(e["action"], e["outcome"], e["args"], e["user_id"]) for e in entries] == [
        ("actions.admin.delete_user", "ok", {"user_id": victim}, str(root))
    ]
    audit = (await actions.client.get("/admin/audit")).text
    row = audit.split("actions.admin.delete_user", 1)[0].rsplit("<tr>", 1)[1]
    assert "Root" in row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row)
    assert f"user_id={victim}" in audit and '<td class="outcome">ok</td>' in audit


async def test_an_admin_cannot_delete_themselves_nor_a_missing_user(actions: ActionClient) -> None:
    root = await sign_up_admin(actions)
    refused = error_of(await actions.call(admin.delete_user, user_id=root))
    assert refused == {
        "code": "VALIDATION",
        "message": "You cannot delete your own account here",
        "formErrors": ["You cannot delete your own account here"],
    }
    missing = await actions.call(admin.delete_user, user_id=root + 100)
    assert error_of(missing)["code"] == "NOT_FOUND"
    assert await db(User.count()) == 1 and await db(Session.count()) == 1
    outcomes = [e["outcome"] for e in await db(AuditEntry.select(AuditEntry.outcome))]
    assert outcomes == ["VALIDATION", "NOT_FOUND"]


async def test_the_role_form_changes_a_role_without_javascript(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    [ada] = await add_users(("Ada", "ada@example.com"))
    page = (await actions.client.get("/admin")).text
    fields = {"_bound": bound_field(page, f"role-{ada}"), "_form": str(ada), "role": "admin"}
    response = await actions.form(admin.set_role, fields, referer=f"{BASE}/admin")
    assert response.headers["location"] == "/admin"
    assert await db(User.select(User.role).where(User.id == ada).first()) == {"role": "admin"}
    fields["role"] = "superuser"
    await actions.form(admin.set_role, fields, referer=f"{BASE}/admin")
    again = (await actions.client.get("/admin")).text
    row = again.split(f'<form id="role-{ada}"', 1)[1].split("</form>", 1)[0]
    assert 'role="alert"' in row  # the error shows in the form that failed, only
    assert again.count('role="alert"') == 1


async def test_a_deletion_refreshes_the_users_region_in_its_reply(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    [gone] = await add_users(("Gone Soon", "gone@example.com"))
    reads = [{"action": actions.id_of(admin.user_table), "args": {"q": "", "page": 1}}]
    header = {"authstage-refresh": msgspec.json.encode(reads).decode()}
    response = await actions.call(admin.delete_user, user_id=gone, headers=header)
    [fresh] = response.json()["refresh"]
    assert "Gone Soon" not in fresh["data"] and "Root" in fresh["data"]


async def test_the_app_s_error_pages_use_its_layout(actions: ActionClient) -> None:
    page = await actions.client.get("/no-such-page", headers=BROWSER)
    assert page.status_code == 404
    assert '<a class="brand" href="/">' in page.text and "<h1>Not Found</h1>" in page.text
    api = await actions.client.get("/api/user")
    assert (api.status_code, api.json()) == (401, {"error": "Unauthorized"})
