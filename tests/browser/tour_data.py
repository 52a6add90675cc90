"""The tour's steps on the visitor's data and on other people: the export, search, the admin
pages (as the seeded admin) and a second user who may touch none of the visitor's things.

The export is a background job: the list shows it pending or running at once, then ready
(the page follows it by itself, with or without JavaScript), and the downloaded file holds the
visitor's own profile, post and todos. The second user, in a browser context of their own,
finds no edit or delete button on the visitor's post, a 403 page at its edit address and a 404
at the visitor's export; then replays the hidden fields the tour copied from the visitor's
edit, delete, like and todo forms, posted from their own context as the browser script posts
them (refused: 400, bound to another session) and as a plain form post (303 back to the page,
which shows the error): nothing changed.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from actions.seed import DEMO_ADMIN
from actions.tables import Like, Post, Todo
from tests.browser.flows import Account, expect_path, log_in, log_out, sign_up
from tests.browser.tourstate import Tour

__all__ = [
    "admin_announce",
    "admin_audit",
    "admin_users",
    "export_download",
    "export_start",
    "other_user_replays_forms",
    "other_user_sees_no_buttons",
    "search",
]


def export_start(tour: Tour) -> None:
    """Starting a JSON export lists it at once, waiting or running, then ready."""
    page = tour.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Export").click()
    expect_path(page, "/export")
    page.locator("form#start-export").get_by_role("button", name="Start export").click()
    exports = page.locator("ul.exports > li")
    expect(exports).to_have_count(1)
    first = exports.first.get_attribute("data-status")
    assert first in {"pending", "running", "ready"}, first
    expect(exports.first).to_have_attribute("data-status", "ready", timeout=30_000)
    expect(exports.first.get_by_role("link", name="download")).to_be_visible()


def export_download(tour: Tour) -> None:
    """The downloaded file is the visitor's data: their profile, their post, their todo."""
    page = tour.page
    link = page.locator("ul.exports > li").first.get_by_role("link", name="download")
    tour.export_path = link.get_attribute("href") or ""
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert re.fullmatch(r"auth-stage-export-\d+\.json", download.suggested_filename)
    data = json.loads(download.path().read_text(encoding="utf-8"))
    text = json.dumps(data)
    assert tour.account.email in text and tour.account.name in text
    assert tour.post_title in text and tour.todo_title in text
    assert "password_hash" not in text and "argon2" not in text


def search(tour: Tour) -> None:
    """The search form goes to ``/search?q=`` and lists the visitor's post."""
    page = tour.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Search posts").fill("note g")
    page.locator("form#search").get_by_role("button", name="Search").click()
    expect_path(page, "/search?q=note+g")
    results = page.locator("ul.results > li")
    expect(results.filter(has=page.get_by_role("link", name=tour.post_title))).to_have_count(1)


def admin_users(tour: Tour) -> None:
    """The seeded admin signs in; the admin's users list finds the visitor by email."""
    page = tour.page
    log_out(page)
    admin = Account(name=DEMO_ADMIN.name, email=DEMO_ADMIN.email, password=DEMO_ADMIN.password)
    log_in(page, admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect_path(page, "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_label("Search by name or email").fill(tour.account.email)
    page.locator("form#user-search").get_by_role("button", name="Search").click()
    rows = page.locator("table.users tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(tour.account.email)


def admin_announce(tour: Tour) -> None:
    """An announcement to the admins is queued, and the page counts it."""
    page = tour.page
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Announcements").click()
    expect_path(page, "/admin/announce")
    form = page.locator("form#announce")
    subject = "Engine maintenance on Sunday" + ("" if tour.js else " (sent without JavaScript)")
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Message").fill("The engine is down for oiling on Sunday.")
    form.get_by_label("Send to").select_option("admin")
    form.get_by_role("button", name="Send announcement").click()
    row = page.locator("table.announcements tbody tr").filter(has_text=subject)
    expect(row).to_have_count(1)
    queued = int(row.locator("td.queued").inner_text())
    assert queued >= 1
    expect(page.locator("form#announce").get_by_label("Subject")).to_have_value("")


def admin_audit(tour: Tour) -> None:
    """The audit log lists the announcement just sent, by the admin."""
    page = tour.page
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Audit log").click()
    expect_path(page, "/admin/audit")
    entry = page.locator("table.audit tbody tr").filter(has_text="send_announcement").first
    expect(entry).to_contain_text(DEMO_ADMIN.name)


def _state(tour: Tour) -> tuple[object, ...]:
    """What the second user must not be able to change: the visitor's post, its likes and
    the visitor's todos."""
    post_id = int(tour.post_path.rsplit("/", 1)[1])
    post = tour.demo.query(
        Post.select(Post.title, Post.content, Post.likes).where(Post.id == post_id)
    )
    likes = tour.demo.query(Like.count().where(Like.post == post_id))
    user = tour.demo.user(tour.account.email)
    assert user is not None
    todos = tour.demo.query(
        Todo.select(Todo.title, Todo.completed).where(Todo.owner == user["id"]).order_by(Todo.id)
    )
    return post, likes, todos


def other_user_sees_no_buttons(tour: Tour) -> None:
    """Another user sees the visitor's post without edit or delete, gets the 403 page at its
    edit address and a 404 at the visitor's export download."""
    other = tour.open_context(js=tour.js).new_page()
    tour.page = other
    sign_up(other, Account(name="Charles Babbage"))
    other.goto(tour.post_path)
    expect(other.get_by_role("heading", level=1)).to_have_text(tour.post_title)
    expect(other.get_by_role("link", name="Edit")).to_have_count(0)
    expect(other.locator("form#delete-post")).to_have_count(0)
    response = other.goto(f"{tour.post_path}/edit")
    assert response is not None and response.status == 403
    expect(other.get_by_role("heading", level=1)).to_have_text("Forbidden")
    download = other.request.get(tour.export_path)
    assert download.status == 404, download.status
    other.goto(tour.post_path)


def other_user_replays_forms(tour: Tour) -> None:
    """The visitor's edit, delete, like and toggle forms, replayed from the other user's
    context, as the browser script posts them (400 "belong to another session") and as a plain
    form post (the 303 back to the page that shows the error): nothing changed."""
    before = _state(tour)
    page = tour.page
    origin = tour.demo.url
    changes = {"edit": {"title": "Pwned", "content": "Pwned"}}
    for name in ("edit", "delete", "like", "toggle"):
        fields: dict[str, str | float | bool] = {**tour.forms[name], **changes.get(name, {})}
        scripted = page.request.post(
            f"{origin}/_action",
            form=fields,
            headers={"authstage-action": str(fields["_action"]), "origin": origin},
        )
        assert scripted.status == 400, (name, scripted.status, scripted.text())
        assert scripted.json()["error"]["message"] == "Bound arguments belong to another session"
        plain = page.request.post(
            f"{origin}/_action",
            form=fields,
            headers={"origin": origin, "referer": f"{origin}{tour.post_path}"},
            max_redirects=0,
        )
        assert plain.status == 303, (name, plain.status, plain.text())
    assert _state(tour) == before
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(tour.post_title)
