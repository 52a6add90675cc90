"""Friendly HTML error pages for browsers; the same JSON as before for every other caller.

A visitor who follows a dead link, opens a page they may not see or hits a bug should get a
page, not ``{"status_code": 404, "detail": "Not Found"}``. The plugin installs these exception
handlers on every app with a template engine (``AuthstageConfig(error_pages=True)``, the
default). A request gets an HTML page when it is a browser asking for a page:

- it is not for the action endpoint (``/_action`` and below answer their own errors);
- it is not a ``fetch``: ``Sec-Fetch-Dest``, when sent, is ``document`` or an ``iframe``;
- its ``Accept`` prefers ``text/html`` to ``application/json`` (``*/*``, curl's and fetch's
  default, prefers JSON here).

Everyone else gets exactly what Litestar (or the auth guards) answered before. 401 is left
alone: pages send signed-out visitors to the login page (``login_required``) and JSON routes
answer 401. A page for a 500 carries the digest of ``errors.internal_error``, the one the
``authstage`` log line and its traceback carry, never the message or the traceback.

Templates: ``errors/<status>.html`` in the app's template folder, else ``errors/error.html``;
the package ships both (``authstage/templates/errors/``: 403, 404, 500 and a generic page), as a
fallback loader behind the app's own (Jinja), all extending ``errors/_layout.html``. So an app
overrides one page, or only ``errors/_layout.html`` to give every page its own look. Each gets
``status``, ``title``, ``message`` (the error's own words for a 4xx; none for a 5xx) and
``digest``. Without Jinja, or when a template itself fails, a tiny built-in page is sent (an
error page must not fail in turn).

Cost: nothing on a request that succeeds (nor at import: Jinja is only touched once the app's
template engine exists); on an error, one ``Accept`` parse and one render.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, TemplateNotFoundException
from litestar.exceptions.responses import create_debug_response, create_exception_response
from markupsafe import escape

from authstage.errors import ActionError, internal_error

if TYPE_CHECKING:
    from litestar.template import TemplateConfig

__all__ = ["PAGE_TEMPLATES", "ErrorPages", "wants_page"]

#: The package's templates folder, behind the app's own (``errors/...``).
PAGE_TEMPLATES = Path(__file__).parent / "templates"
logger = logging.getLogger("authstage")

AnyRequest = Request[Any, Any, Any]
Handler = Callable[[AnyRequest, Any], Response[Any]]
_PAGE_DESTINATIONS = frozenset({"document", "iframe", "frame", "embed", "object"})
_FALLBACK = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>{title}</title></head><body><h1>{title}</h1>{message}{digest}"
    '<p><a href="/">Home</a></p></body></html>'
)


def wants_page(request: AnyRequest, action_path: str = "/_action") -> bool:
    """True when ``request`` is a browser asking for a page (see the module docstring)."""
    path = request.scope["path"]
    if path == action_path or path.startswith(f"{action_path}/"):
        return False
    if request.headers.get("sec-fetch-dest", "document") not in _PAGE_DESTINATIONS:
        return False
    return request.accept.best_match(["application/json", "text/html"]) == "text/html"


def _litestar_default(request: AnyRequest, exc: Exception) -> Response[Any]:
    """What Litestar answers when no handler is registered (its own default handler)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 500 and request.app.debug:
        return create_debug_response(request=request, exc=exc)
    return create_exception_response(request=request, exc=exc)


class ErrorPages:
    """The exception handlers of one app's error pages."""

    __slots__ = ("action_path",)

    def __init__(self, action_path: str = "/_action") -> None:
        """Args:
        action_path: where the action endpoint is mounted (never given a page).
        """
        self.action_path = action_path

    def handlers(self, existing: Mapping[Any, Handler]) -> dict[Any, Handler]:
        """Handlers for HTTP errors, ``ActionError`` and unexpected exceptions, with each of
        ``existing`` (the auth guards') answering browsers with a page of its status too."""
        wrapped = {key: self.paged(handler) for key, handler in existing.items()}
        return {
            HTTPException: self.http_error,
            ActionError: self.action_error,
            500: self.unexpected,
            **wrapped,
        }

    def install(self, template_config: TemplateConfig[Any]) -> None:
        """Put the package's templates behind the app's own (Jinja engines only)."""
        previous = template_config.engine_callback

        def install(engine: Any) -> None:
            environment = getattr(engine, "engine", None)
            loader = getattr(environment, "loader", None)
            if loader is not None:  # a Jinja engine: jinja2 is loaded already
                from jinja2 import ChoiceLoader, FileSystemLoader

                environment.loader = ChoiceLoader([loader, FileSystemLoader(PAGE_TEMPLATES)])  # type: ignore[union-attr]
            if previous is not None:
                previous(engine)

        template_config.engine_callback = install

    def paged(self, handler: Handler) -> Handler:
        """``handler``, except that a browser asking for a page gets the page of the error
        status it answered (a redirect or a 401 passes through)."""

        def respond(request: AnyRequest, exc: Any) -> Response[Any]:
            response = handler(request, exc)
            status = response.status_code or 200
            if status < 400 or status == 401 or not wants_page(request, self.action_path):
                return response
            return self.page(request, status, headers=response.headers)

        return respond

    def http_error(self, request: AnyRequest, exc: HTTPException) -> Response[Any]:
        """Litestar's own errors (``NotFoundException``, 405, ...) and those pages raise."""
        status = exc.status_code
        if status == 401 or not wants_page(request, self.action_path):
            return _litestar_default(request, exc)
        if status >= 500:
            return self.unexpected(request, exc)
        return self.page(request, status, exc.detail, headers=exc.headers)

    def action_error(self, request: AnyRequest, exc: ActionError) -> Response[Any]:
        """An ``ActionError`` a page raised (``Forbidden``, ``NotFound``, ...): its status and
        message, as a page or as Litestar shapes its JSON errors."""
        if exc.status == 401 or not wants_page(request, self.action_path):
            content = {"status_code": exc.status, "detail": exc.message}
            return Response(content, status_code=exc.status, headers=exc.headers)
        return self.page(request, exc.status, exc.message, headers=exc.headers)

    def unexpected(self, request: AnyRequest, exc: Exception) -> Response[Any]:
        """A bug: the page shows the digest of the logged traceback, nothing else."""
        if not wants_page(request, self.action_path):
            return _litestar_default(request, exc)
        body = internal_error(exc, action=f"{request.method} {request.scope['path']}", kind="page")
        return self.page(request, 500, digest=body.digest)

    def page(
        self,
        request: AnyRequest,
        status: int,
        message: str | None = None,
        *,
        digest: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response[str]:
        """The HTML page of ``status``."""
        title = _title(status)
        shown = message if message and message != title and status < 500 else None
        values = {"status": status, "title": title, "message": shown, "digest": digest}
        keep = {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}
        return Response(
            _render(request, values),
            status_code=status,
            media_type=MediaType.HTML,
            headers=keep,
        )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _render(request: AnyRequest, values: Mapping[str, Any]) -> str:
    """``errors/<status>.html`` (else ``errors/error.html``) of the app, else the built-in."""
    engine = request.app.template_engine
    if engine is not None:
        for name in (f"errors/{values['status']}.html", "errors/error.html"):
            try:
                template = engine.get_template(name)
            except TemplateNotFoundException:
                continue
            try:
                return str(template.render(**values, request=request))
            except Exception:  # a broken error template must not turn the page into a 500
                logger.exception("error page template %s failed", name)
                break
    message = f"<p>{escape(values['message'])}</p>" if values["message"] else ""
    digest = (
        f"<p>Error digest: <code>{escape(values['digest'])}</code></p>" if values["digest"] else ""
    )
    return _FALLBACK.format(title=escape(values["title"]), message=message, digest=digest)
