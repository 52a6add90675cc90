"""Read a page's forms as a browser would post them, and post them back (no JavaScript).

``forms_of`` parses each ``<form id=...>``: the fields a browser would send (inputs, checked
radio buttons and checkboxes, textareas) and the form's visible text (errors, messages).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx

from authstage.testing import ActionClient

__all__ = ["BASE", "forms_of", "messages", "page_forms", "post_form"]

BASE = "http://testserver.local"


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = self.forms.setdefault(a["id"], {"fields": {}, "text": ""})
        elif self._form is not None and tag == "input":
            if a.get("type") not in {"radio", "checkbox"} or "checked" in a:
                self._form["fields"][a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None:
            self._form["text"] += data
            if self._textarea is not None:
                self._form["fields"][self._textarea] += data


def forms_of(html: str) -> dict[str, dict[str, Any]]:
    """The forms of a page by id: ``{"fields": {...}, "text": "..."}``."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


async def page_forms(actions: ActionClient, path: str) -> dict[str, dict[str, Any]]:
    """The forms of the page at ``path`` (which must answer 200)."""
    response = await actions.client.get(path)
    assert response.status_code == 200, response.text
    return forms_of(response.text)


async def post_form(
    actions: ActionClient, path: str, fields: dict[str, str], **typed: str
) -> httpx.Response:
    """Submit a rendered form's fields from ``path``, with what the user typed."""
    return await actions.client.post(
        "/_action",
        data={**fields, **typed},
        headers={"referer": f"{BASE}{path}"},
        follow_redirects=False,
    )


def messages(forms: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The visible text of each form, whitespace squeezed (errors and status messages)."""
    return {key: " ".join(form["text"].split()) for key, form in forms.items()}
