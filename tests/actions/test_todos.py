"""The todo list: every action, ownership, the page without JavaScript and its region.

Ownership is tried both ways an attacker could: binding another user's todo ID under one's own
session (the action answers 404 and nothing changes), and replaying the fields of another
user's page (the bound token belongs to that user's session: 400, nothing changes).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import msgspec

from actions import todos
from actions.tables import Todo
from authstage.auth import User
from authstage.db import Database
from authstage.testing import ActionClient
from tests.actions.conftest import db, error_of, session_of, set_session, signup
from tests.actions.pageforms import messages, page_forms, post_form


async def bound_call(actions: ActionClient, fn: Any, *bound: Any) -> httpx.Response:
    """Call ``fn`` over JSON with ``bound`` as its bound arguments, for the client's session."""
    token = actions.endpoint.binder.bind(fn, *bound, session_token=session_of(actions)).token
    return await actions.call(fn, headers={"authstage-bound": token})


async def rows() -> list[dict[str, Any]]:
    return await db(Todo.select(Todo.title, Todo.completed, Todo.owner).order_by(Todo.id))  # type: ignore[no-any-return]


async def add(actions: ActionClient, title: str) -> int:
    response = await actions.call(todos.add_todo, title=title)
    assert response.status_code == 200, response.text
    return int(response.json()["data"]["id"])


async def test_add_toggle_delete_and_clear_completed(actions: ActionClient) -> None:
    await signup(actions)
    response = await actions.call(todos.add_todo, title="  Buy milk  ")
    body = response.json()
    assert body["data"] == {"id": body["data"]["id"], "title": "Buy milk", "completed": False}
    assert body["revalidate"]["paths"] == ["/todos"]
    milk, eggs, tea = body["data"]["id"], await add(actions, "Eggs"), await add(actions, "Tea")

    toggled = await bound_call(actions, todos.toggle_todo, milk)
    assert toggled.json()["data"]["completed"] is True
    await bound_call(actions, todos.toggle_todo, eggs)
    back = await bound_call(actions, todos.toggle_todo, eggs)
    assert back.json()["data"]["completed"] is False

    assert (await bound_call(actions, todos.delete_todo, tea)).status_code == 200
    cleared = await actions.call(todos.clear_completed)
    assert cleared.json()["data"] == 1
    assert [(r["title"], r["completed"]) for r in await rows()] == [("Eggs", False)]
    assert (await actions.call(todos.clear_completed)).json()["data"] == 0


async def test_a_title_must_be_1_to_200_characters_not_all_spaces(actions: ActionClient) -> None:
    await signup(actions)
    for title, message in [("", "empty"), ("x" * 201, "at most 200"), ("   ", "empty")]:
        response = await actions.call(todos.add_todo, title=title)
        assert response.status_code == 422
        assert message in error_of(response)["fieldErrors"]["title"][0]
    assert await add(actions, "x" * 200)
    assert len(await rows()) == 1


async def test_signed_out_callers_are_refused_and_sent_to_login(actions: ActionClient) -> None:
    response = await actions.call(todos.add_todo, title="Sneaky")
    assert response.status_code == 401
    page = await actions.client.get("/todos", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/todos")
    assert await rows() == []


async def _two_users(actions: ActionClient) -> tuple[str, str, int]:
    """Ada with one todo and Bob, each signed in; their sessions and Ada's todo ID."""
    await signup(actions, "ada@example.com", "Ada")
    ada = session_of(actions)
    todo = await add(actions, "Ada's secret plan")
    set_session(actions, None)
    await signup(actions, "bob@example.com", "Bob")
    return ada, session_of(actions), todo


async def test_another_users_todo_id_bound_under_ones_own_session_is_not_found(
    actions: ActionClient,
) -> None:
    _, _, todo = await _two_users(actions)  # signed in as Bob
    before = await rows()
    for fn in (todos.toggle_todo, todos.delete_todo):
        response = await bound_call(actions, fn, todo)
        assert response.status_code == 404
        assert error_of(response)["message"] == "No such todo"
    assert (await actions.call(todos.clear_completed)).json()["data"] == 0
    assert await rows() == before


async def test_replaying_another_users_forms_changes_nothing(actions: ActionClient) -> None:
    ada, bob, todo = await _two_users(actions)
    set_session(actions, ada)
    await bound_call(actions, todos.toggle_todo, todo)  # done, so "clear completed" shows
    ada_forms = await page_forms(actions, "/todos")
    before = await rows()
    set_session(actions, bob)
    for fn, form in ((todos.toggle_todo, f"toggle-{todo}"), (todos.delete_todo, f"delete-{todo}")):
        fields = ada_forms[form]["fields"]
        response = await post_form(actions, "/todos", fields)  # as a plain form post
        assert response.status_code == 303
        assert "Ada" not in (await actions.client.get("/todos")).text
        replayed = await actions.call(fn, headers={"authstage-bound": fields["_bound"]})
        assert replayed.status_code == 400
        assert error_of(replayed)["message"] == "Bound arguments belong to another session"
        unbound = await actions.call(fn, todo_id=todo)  # the ID sent in the clear instead
        assert unbound.status_code == 404
    await post_form(actions, "/todos", ada_forms["clear-completed"]["fields"])  # Bob's own: none
    assert await rows() == before


async def test_the_page_lists_todos_with_counts_and_enhanced_forms(actions: ActionClient) -> None:
    await signup(actions)
    first = await add(actions, "Write tests")
    await add(actions, "<b>escaped</b>")
    await bound_call(actions, todos.toggle_todo, first)
    page = (await actions.client.get("/todos")).text
    region = actions.id_of(todos.todo_list)
    assert f'data-authstage-region="{region}"' in page
    assert "1 left, 1 done" in page
    assert f'<li data-item id="todo-{first}" class="done">' in page
    assert 'data-optimistic="toggle:done"' in page
    assert 'aria-pressed="true"' in page and 'aria-pressed="false"' in page
    # Each toggle says what pressing it does, per todo for a screen reader.
    assert re.search(r'aria-label="Mark not done: Write tests">Mark not done</button>', page)
    assert re.search(r'aria-label="Mark done: &lt;b&gt;escaped&lt;/b&gt;">Mark done</button>', page)
    assert re.search(r'<form id="add-todo"[^>]* data-reset>', page)
    assert "&lt;b&gt;escaped&lt;/b&gt;" in page
    assert 'href="/todos"' in page  # the nav link
    forms = await page_forms(actions, "/todos")
    assert {"add-todo", f"toggle-{first}", f"delete-{first}", "clear-completed"} <= set(forms)


async def test_forms_without_javascript_each_show_their_own_outcome(
    actions: ActionClient,
) -> None:
    await signup(actions)
    forms = await page_forms(actions, "/todos")
    assert "Nothing to do." in (await actions.client.get("/todos")).text
    response = await post_form(actions, "/todos", forms["add-todo"]["fields"], title="x" * 201)
    assert (response.status_code, response.headers["location"]) == (303, "/todos")
    after = await page_forms(actions, "/todos")
    assert after["add-todo"]["fields"]["title"] == "x" * 201  # the typed value, kept
    assert "Must be at most 200 characters" in messages(after)["add-todo"]
    assert await rows() == []

    await post_form(actions, "/todos", after["add-todo"]["fields"], title="Plant tomatoes")
    forms = await page_forms(actions, "/todos")
    assert forms["add-todo"]["fields"]["title"] == ""
    [todo] = [key.removeprefix("toggle-") for key in forms if key.startswith("toggle-")]
    await post_form(actions, "/todos", forms[f"toggle-{todo}"]["fields"])
    assert (await rows())[0]["completed"] is True
    forms = await page_forms(actions, "/todos")
    bad = await post_form(actions, "/todos", forms[f"toggle-{todo}"]["fields"], _bound="tampered")
    assert bad.status_code == 303
    text = messages(await page_forms(actions, "/todos"))
    assert "Bound arguments" in text[f"toggle-{todo}"]
    assert all("Bound arguments" not in t for key, t in text.items() if key != f"toggle-{todo}")
    await post_form(actions, "/todos", forms["clear-completed"]["fields"])
    assert await rows() == []


async def test_delete_form_without_javascript(actions: ActionClient) -> None:
    await signup(actions)
    todo = await add(actions, "Call the plumber")
    forms = await page_forms(actions, "/todos")
    await post_form(actions, "/todos", forms[f"delete-{todo}"]["fields"])
    assert await rows() == []
    assert f"delete-{todo}" not in await page_forms(actions, "/todos")


async def test_a_toggle_carries_the_fresh_list_for_the_page(actions: ActionClient) -> None:
    await signup(actions)
    todo = await add(actions, "Refresh me")
    refresh = msgspec.json.encode([{"action": actions.id_of(todos.todo_list), "args": {}}])
    token = actions.endpoint.binder.bind(
        todos.toggle_todo, todo, session_token=session_of(actions)
    ).token
    response = await actions.call(
        todos.toggle_todo,
        headers={"authstage-bound": token, "authstage-refresh": refresh.decode()},
    )
    [entry] = response.json()["refresh"]
    assert entry["ok"] is True
    assert "0 left, 1 done" in entry["data"]
    assert f'id="todo-{todo}" class="done"' in entry["data"]


async def test_seed_demo_gives_each_user_a_few_todos(database: Database) -> None:
    users = await User.insert(
        User(email="admin@example.com", name="Admin", password_hash="-"),
        User(email="user@example.com", name="User", password_hash="-"),
    ).returning(User.id)
    admin, user = (row["id"] for row in users)
    await todos.seed_demo(admin, user)
    owners = [row["owner"] for row in await Todo.select(Todo.owner)]
    assert owners.count(admin) >= 2 and owners.count(user) >= 2
    assert await Todo.exists().where(Todo.completed == True)  # noqa: E712 (a SQL expression)
