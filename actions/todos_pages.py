"""The todo page: ``/todos`` for signed-in users (``/login?next=/todos`` for everyone else).

The list is a region (``todo_list``, a fragment): with JavaScript every todo form's reply
carries its fresh HTML; without, the form's redirect comes back here and the page is rendered
whole, with the failing form's error (and the typed title) in that form only.
"""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from actions.todos import todo_list
from authstage import region, take_outcome
from authstage.auth import login_required

__all__ = ["todos_page"]


@get("/todos", name="todos", guards=[login_required])
async def todos_page() -> Template:
    """The add form and the list."""
    context = {"outcomes": await take_outcome(), "todos": await region(todo_list)}
    return Template(template_name="todos/page.html", context=context)
