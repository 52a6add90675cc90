"""The tour's steps on the visitor's own content: a post (create, edit, like, delete) and todos.

With JavaScript the like counter and the todo list change in place (the page is never
reloaded: a marker set on ``window`` survives), and the todo toggle shows before the server
answers: the reply is held with ``page.route`` while the test looks, then let through. A toggle
the server refuses (the todo was deleted meanwhile) is rolled back with the server's message.
Without JavaScript each form is a plain POST and the page after the redirect shows the result.
What must have been written is checked in the database as well.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, Route, expect

from actions.tables import Post, Todo
from tests.browser.flows import expect_path, field_error, hidden_fields, log_in, log_out
from tests.browser.tourstate import Tour

__all__ = [
    "post_create",
    "post_delete",
    "post_edit_blank_title",
    "post_edit_saved",
    "post_like",
    "todo_add",
    "todo_delete",
    "todo_refused",
    "todo_toggle",
]

CONTENT = "The engine might compose elaborate pieces of music."
EDITED = "Notes on the Analytical Engine, with note G"


def _mark_page(page: Page) -> None:
    """Mark the loaded document (JavaScript only); ``_same_page`` says whether it is still it."""
    page.evaluate("window.tourMarker = true")


def _same_page(page: Page) -> bool:
    still: bool = page.evaluate("window.tourMarker === true")
    return still


def _post(tour: Tour) -> dict[str, object] | None:
    post_id = int(tour.post_path.rsplit("/", 1)[1])
    row: dict[str, object] | None = tour.demo.query(
        Post.select(Post.title, Post.content, Post.likes).where(Post.id == post_id).first()
    )
    return row


def post_create(tour: Tour) -> None:
    """A new post, from the posts page, lands on its own page."""
    page = tour.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Posts").click()
    expect_path(page, "/posts")
    form = page.locator("form#new-post")
    form.get_by_label("Title").fill(tour.post_title)
    form.get_by_label("Content").fill(CONTENT)
    form.get_by_role("button", name="Post").click()
    expect(page).to_have_url(re.compile(r"/posts/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tour.post_title)
    tour.post_path = "/posts/" + page.url.rsplit("/", 1)[1]
    tour.forms["delete"] = hidden_fields(page.locator("form#delete-post"))


def post_edit_blank_title(tour: Tour) -> None:
    """A blank title is refused next to its input; the content typed stays, the post does not
    change."""
    page = tour.page
    page.get_by_role("link", name="Edit").click()
    expect_path(page, f"{tour.post_path}/edit")
    form = page.locator("form#edit-post")
    tour.forms["edit"] = hidden_fields(form)
    form.get_by_label("Title").fill("   ")
    form.get_by_label("Content").fill(CONTENT + " Edited.")
    form.get_by_role("button", name="Save").click()
    expect(field_error(page, "title")).to_have_text("Must not be blank")
    expect(page.locator("form#edit-post").get_by_label("Content")).to_have_value(
        CONTENT + " Edited."
    )
    assert _post(tour) == {"title": tour.post_title, "content": CONTENT, "likes": 0}


def post_edit_saved(tour: Tour) -> None:
    """A good title saves the post and goes back to its page."""
    page = tour.page
    page.locator("form#edit-post").get_by_label("Title").fill(EDITED)
    page.locator("form#edit-post").get_by_role("button", name="Save").click()
    expect_path(page, tour.post_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(EDITED)
    expect(page.get_by_text("Edited.")).to_be_visible()
    tour.post_title = EDITED


def post_like(tour: Tour) -> None:
    """Like: the counter goes to 1 (in place with JavaScript; after the redirect without)."""
    page = tour.page
    like = page.locator("form#like")
    tour.forms["like"] = hidden_fields(like)
    if tour.js:
        _mark_page(page)
    like.get_by_role("button", name="Like (0)").click()
    expect(page.locator("form#like").get_by_role("button")).to_have_text("Unlike (1)")
    expect(page.locator("form#like").get_by_role("button")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect_path(page, tour.post_path)
    if tour.js:
        assert _same_page(page), "the like reloaded the page"
    post = _post(tour)
    assert post is not None and post["likes"] == 1


def post_delete(tour: Tour) -> None:
    """Back as the visitor: deleting the post (confirmed with JavaScript) goes to the list,
    where it is gone."""
    assert tour.first_page is not None
    tour.page = page = tour.first_page
    log_out(page)
    log_in(page, tour.account)
    page.goto(tour.post_path)
    if tour.js:
        page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form#delete-post").get_by_role("button", name="Delete").click()
    expect_path(page, "/posts")
    expect(page.get_by_role("link", name=tour.post_title)).to_have_count(0)
    assert _post(tour) is None


def _todo(page: Page, title: str) -> Locator:
    return page.locator("ul.todos > li[data-item]").filter(
        has=page.locator("span.title", has_text=re.compile(f"^{re.escape(title)}$"))
    )


def _todo_done(tour: Tour, title: str) -> bool | None:
    """Whether the visitor's todo ``title`` is done in the database (None: there is none)."""
    user = tour.demo.user(tour.account.email)
    assert user is not None
    mine = (Todo.title == title) & (Todo.owner == user["id"])
    row = tour.demo.query(Todo.select(Todo.completed).where(mine).first())
    return None if row is None else bool(row["completed"])


def todo_add(tour: Tour) -> None:
    """Two todos added; the form is empty again, the list shows both, not done."""
    page = tour.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Todos").click()
    expect_path(page, "/todos")
    form = page.locator("form#add-todo")
    for title in (tour.todo_title, "Buy more punched cards"):
        form.get_by_label("New todo").fill(title)
        form.get_by_role("button", name="Add").click()
        expect(_todo(page, title)).to_have_count(1)
        expect(page.locator("form#add-todo").get_by_label("New todo")).to_have_value("")
    expect(page.locator("#todo-counts")).to_have_text("2 left, 0 done")
    expect(_todo(page, tour.todo_title)).not_to_have_class(re.compile(r"\bdone\b"))


def todo_toggle(tour: Tour) -> None:
    """ "Mark done": with JavaScript the item shows done before the server answers (its reply
    held meanwhile); without, after the redirect. Either way the server has it done."""
    page = tour.page
    item = _todo(page, tour.todo_title)
    tour.forms["toggle"] = hidden_fields(item.locator("form[id^=toggle-]"))
    button = item.get_by_role("button", name=re.compile("^Mark done"))
    if not tour.js:
        button.click()
        expect(_todo(page, tour.todo_title)).to_have_class(re.compile(r"\bdone\b"))
    else:
        held: list[Route] = []
        # A lambda, not held.append: Playwright marks the handler it wraps, which a builtin
        # method cannot take.
        page.route("**/_action", lambda route: held.append(route))  # noqa: PLW0108
        button.click()
        expect(item).to_have_class(re.compile(r"\bdone\b"))
        expect(button).to_have_attribute("aria-pressed", "true")
        assert len(held) == 1 and _todo_done(tour, tour.todo_title) is False  # not sent yet
        held[0].continue_()
        page.unroute("**/_action")
    done = _todo(page, tour.todo_title).get_by_role("button", name=re.compile("^Mark not done"))
    expect(done).to_have_count(1)
    expect(page.locator("#todo-counts")).to_have_text("1 left, 1 done")
    assert _todo_done(tour, tour.todo_title) is True


def todo_refused(tour: Tour) -> None:
    """A toggle the server refuses (the todo was deleted in the meantime, elsewhere) shows the
    server's message; with JavaScript the optimistic "done" is rolled back first."""
    page = tour.page
    title = "Buy more punched cards"
    item = _todo(page, title)
    user = tour.demo.user(tour.account.email)
    assert user is not None
    tour.demo.query(Todo.delete().where((Todo.title == title) & (Todo.owner == user["id"])))
    item.get_by_role("button", name=re.compile("^Mark done")).click()
    if tour.js:
        expect(item.get_by_role("alert")).to_have_text("No such todo")
        expect(item).not_to_have_class(re.compile(r"\bdone\b"))
        expect(item.get_by_role("button", name=re.compile("^Mark done"))).to_have_attribute(
            "aria-pressed", "false"
        )
    else:  # the page after the redirect: the todo is gone (its form, where the error would
        # show, with it)
        expect_path(page, "/todos")
        expect(_todo(page, title)).to_have_count(0)
    assert _todo_done(tour, title) is None


def todo_delete(tour: Tour) -> None:
    """Deleting a todo removes it (the visitor's done todo stays)."""
    page = tour.page
    page.reload()
    form = page.locator("form#add-todo")
    form.get_by_label("New todo").fill("Throwaway")
    form.get_by_role("button", name="Add").click()
    expect(_todo(page, "Throwaway")).to_have_count(1)
    _todo(page, "Throwaway").get_by_role("button", name=re.compile("^Delete")).click()
    expect(_todo(page, "Throwaway")).to_have_count(0)
    expect(_todo(page, tour.todo_title)).to_have_count(1)
    assert _todo_done(tour, "Throwaway") is None
