"""The todo list from the seeds: add, toggle (``toggleTodo``), delete, clear the completed ones.

Every action works on the signed-in user's own todos only. The page binds each todo's ID into
its forms (``bind(toggle_todo, todo.id, session=True)``), so the browser cannot change it and a
form copied from another user's page is refused (400: bound to another session). A caller who
binds or sends another user's ID anyway gets 404 "No such todo" and nothing changes: every
read and write names the owner in its ``WHERE``, so there is no window between a check and a
write in which the row could be someone else's.

The seeds' ``useOptimistic`` toggle is the page's ``data-optimistic="toggle:done"``: the browser
script flips the item at submit and rolls it back on an error; the reply then carries the fresh
list (``todo_list``, a fragment revalidated with ``/todos``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from actions.tables import Todo
from authstage import NotFound, ValidationFailed, action, fragment, revalidate_path, take_outcome
from authstage.auth import require_user

__all__ = [
    "TodoOut",
    "add_todo",
    "clear_completed",
    "delete_todo",
    "seed_demo",
    "todo_list",
    "toggle_todo",
]

PATH = "/todos"
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TodoOut(msgspec.Struct):
    """One todo as callers see it."""

    id: int
    title: str
    completed: bool


def _out(row: dict[str, Any]) -> TodoOut:
    return TodoOut(id=row["id"], title=row["title"], completed=row["completed"])


async def _own(todo_id: int) -> tuple[int, dict[str, Any]]:
    """The signed-in user's ID and their todo ``todo_id``; ``NotFound`` for anyone else's."""
    user = await require_user()
    row = await (
        Todo.select(Todo.id, Todo.title, Todo.completed)
        .where((Todo.id == todo_id) & (Todo.owner == user.id))
        .first()
    )
    if row is None:
        raise NotFound("No such todo")
    return user.id, row


@action
async def add_todo(title: Title) -> TodoOut:
    """Add a todo (1-200 characters, not only spaces) to the signed-in user's list."""
    user = await require_user()
    title = title.strip()
    if not title:
        raise ValidationFailed("Invalid input", field_errors={"title": ["Must not be empty"]})
    [row] = await Todo.insert(Todo(owner=user.id, title=title)).returning(Todo.id)
    revalidate_path(PATH)
    return TodoOut(id=row["id"], title=title, completed=False)


@action
async def toggle_todo(todo_id: int) -> TodoOut:
    """Mark one of the user's todos done, or not done again (the seeds' ``toggleTodo``)."""
    owner, row = await _own(todo_id)
    await Todo.update({Todo.completed: not row["completed"]}).where(
        (Todo.id == todo_id) & (Todo.owner == owner)
    )
    revalidate_path(PATH)
    return _out({**row, "completed": not row["completed"]})


@action
async def delete_todo(todo_id: int) -> None:
    """Delete one of the user's todos."""
    owner, _ = await _own(todo_id)
    await Todo.delete().where((Todo.id == todo_id) & (Todo.owner == owner))
    revalidate_path(PATH)


@action
async def clear_completed() -> int:
    """Delete the user's completed todos; how many went."""
    user = await require_user()
    mine = (Todo.owner == user.id) & (Todo.completed == True)  # noqa: E712 (a SQL expression)
    removed = await Todo.delete().where(mine).returning(Todo.id)
    revalidate_path(PATH)
    return len(removed)


@action
@fragment("todos/_list.html", paths=[PATH])
async def todo_list() -> dict[str, Any]:
    """The signed-in user's list, oldest first, with what is left and what is done."""
    user = await require_user()
    rows = await (
        Todo.select(Todo.id, Todo.title, Todo.completed)
        .where(Todo.owner == user.id)
        .order_by(Todo.id)
    )
    todos = [_out(row) for row in rows]
    done = sum(todo.completed for todo in todos)
    return {
        "todos": todos,
        "left": len(todos) - done,
        "done": done,
        "outcomes": await take_outcome(),
    }


async def seed_demo(admin_id: int, user_id: int) -> None:
    """A few todos for the demo's admin and regular user (some already done)."""
    seeded = [
        (admin_id, "Review the audit log", False),
        (admin_id, "Send the weekly announcement", True),
        (user_id, "Write a first post", True),
        (user_id, "Upload an avatar", False),
        (user_id, "Export my data", False),
    ]
    await Todo.insert(
        *[Todo(owner=owner, title=title, completed=done) for owner, title, done in seeded]
    )
