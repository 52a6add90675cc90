"""Reading a page's forms as a browser would post them: ``forms_of(html)``.

Each ``<form id=...>`` gives its fields (hidden inputs, inputs, textareas, with their values)
and its visible text (errors and status messages). Tests post the fields back, with what the
user typed, exactly as the browser would without JavaScript.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

__all__ = ["Forms", "forms_of"]


class Forms(HTMLParser):
    """Each ``<form id=...>`` of a page: its fields (as a browser would post them) and text."""

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
    """The forms of ``html`` by id: ``{"fields": {...}, "text": "..."}`` each."""
    parser = Forms()
    parser.feed(html)
    return parser.forms
