"""Every error authstage raises, and the one table that maps codes to HTTP statuses.

The tree::

    AuthstageError                      base of everything below
    ├── ConfigurationError              bad setup, raised at startup (never per request)
    │   └── RegistrationError           an action cannot be registered (type, duplicate ID)
    └── ActionError                     an expected failure, sent to the caller as {code, message}
        ├── BadRequest                  400 BAD_REQUEST       malformed body, bad bound token
        ├── Unauthorized                401 UNAUTHORIZED      no signed-in user
        ├── Forbidden                   403 FORBIDDEN         signed in, not allowed
        │   └── CrossSiteRequest        403 CROSS_SITE        failed the origin check (CSRF)
        ├── NotFound                    404 NOT_FOUND         unknown action or missing resource
        │   └── StaleClient             404 STALE_CLIENT      unknown action, client manifest is old
        ├── MethodNotAllowed            405 METHOD_NOT_ALLOWED
        ├── Conflict                    409 CONFLICT          unique violation (field named)
        ├── PayloadTooLarge             413 PAYLOAD_TOO_LARGE
        ├── UnsupportedMediaType        415 UNSUPPORTED_MEDIA_TYPE
        ├── ValidationFailed            422 VALIDATION        field errors and form errors
        ├── RateLimited                 429 RATE_LIMITED      carries Retry-After
        └── Unavailable                 503 UNAVAILABLE

An exception that is not an ``ActionError`` is unexpected: the caller receives code
``INTERNAL``, status 500 and a digest, never the message (see ``internal_error``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Mapping, Sequence
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit

import msgspec

__all__ = [
    "CODE_STATUS",
    "ActionError",
    "AuthstageError",
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "CrossSiteRequest",
    "ErrorBody",
    "Forbidden",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "RegistrationError",
    "StaleClient",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
    "ValidationFailed",
    "internal_error",
    "one_line",
    "server_name",
    "within",
]

T = TypeVar("T")

logger = logging.getLogger("authstage")

#: The one code table. Clients switch on the code; the status follows from it.
CODE_STATUS: Mapping[str, int] = {
    "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "CROSS_SITE": 403,
    "NOT_FOUND": 404,
    "STALE_CLIENT": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CONFLICT": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "VALIDATION": 422,
    "RATE_LIMITED": 429,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
}


class ErrorBody(msgspec.Struct, omit_defaults=True, rename="camel"):
    """The error object sent to callers, shaped like zod's ``flatten()``."""

    code: str
    message: str
    field_errors: dict[str, list[str]] = {}
    form_errors: list[str] = []
    digest: str | None = None
    retry_after: int | None = None


class AuthstageError(Exception):
    """Base of every exception authstage raises."""


class ConfigurationError(AuthstageError):
    """The application is set up wrongly; raised at startup, before serving."""


class RegistrationError(ConfigurationError):
    """An action cannot be registered (unsupported parameter type, duplicate ID, ...)."""


class ActionError(AuthstageError):
    """An expected failure. Its code, message and errors are sent to the caller.

    Raise it (or a subclass) from an action to answer with that code::

        raise ActionError("CONFLICT", "That title is taken", field_errors={"title": ["taken"]})
    """

    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(
        self,
        code_or_message: str | None = None,
        message: str | None = None,
        *,
        field_errors: Mapping[str, Sequence[str]] | None = None,
        form_errors: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if message is None:
            message, code = code_or_message, type(self).code
        else:
            code = code_or_message or type(self).code
        if code not in CODE_STATUS:
            raise ValueError(f"unknown error code {code!r}; use one of {sorted(CODE_STATUS)}")
        self.code_value = code
        self.message = message or code.replace("_", " ").capitalize()
        self.field_errors = {k: list(v) for k, v in (field_errors or {}).items()}
        self.form_errors = list(form_errors or [])
        self.headers = dict(headers or {})
        super().__init__(self.message)

    @property
    def status(self) -> int:
        """The HTTP status that goes with this error's code."""
        return CODE_STATUS[self.code_value]

    def body(self) -> ErrorBody:
        """The wire form of this error."""
        return ErrorBody(
            code=self.code_value,
            message=self.message,
            field_errors=self.field_errors,
            form_errors=self.form_errors,
        )


class BadRequest(ActionError):
    """The request could not be read: malformed body, bad bound-arguments token."""

    code = "BAD_REQUEST"


class Unauthorized(ActionError):
    """The action needs a signed-in user and there is none."""

    code = "UNAUTHORIZED"


class Forbidden(ActionError):
    """The caller is known but not allowed to do this."""

    code = "FORBIDDEN"


class CrossSiteRequest(Forbidden):
    """A browser sent the request from another site (failed the CSRF origin check)."""

    code = "CROSS_SITE"


class NotFound(ActionError):
    """No such action, or the resource the action looked for does not exist."""

    code = "NOT_FOUND"


class StaleClient(NotFound):
    """The action ID is unknown and the caller's manifest differs: regenerate the client."""

    code = "STALE_CLIENT"


class MethodNotAllowed(ActionError):
    """Actions are called with POST only."""

    code = "METHOD_NOT_ALLOWED"


class Conflict(ActionError):
    """The write conflicts with existing data (e.g. a unique value already taken)."""

    code = "CONFLICT"


class PayloadTooLarge(ActionError):
    """The request body is over the action's size limit."""

    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ActionError):
    """The body's content type is not JSON, multipart or urlencoded."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class ValidationFailed(ActionError):
    """The arguments do not match the action's signature; carries field and form errors."""

    code = "VALIDATION"


class RateLimited(ActionError):
    """Too many calls; ``retry_after`` seconds until the next one is allowed."""

    code = "RATE_LIMITED"

    def __init__(self, message: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(message, headers={"retry-after": str(retry_after)})
        self.retry_after = retry_after

    def body(self) -> ErrorBody:
        body = super().body()
        body.retry_after = self.retry_after
        return body


class Unavailable(ActionError):
    """A dependency (database, cache) is down; try again later."""

    code = "UNAVAILABLE"


async def within(operation: Awaitable[T], seconds: float, message: str, retry_after: int) -> T:
    """``operation`` within ``seconds``, else ``Unavailable`` (503) with ``Retry-After``:
    how a dependency that is down or slow (Redis, mostly) becomes an answer, never a hang."""
    try:
        async with asyncio.timeout(seconds):
            return await operation
    except Exception as exc:
        raise Unavailable(message, headers={"retry-after": str(retry_after)}) from exc


def server_name(url: str) -> str:
    """``scheme://host:port/path`` of ``url``: names a server in a message, never its user or
    password."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def one_line(exc: BaseException) -> str:
    """``Type: message`` of ``exc`` on one line, for a startup error naming its cause."""
    return f"{type(exc).__name__}: {exc}".rstrip(": ").splitlines()[0]


def internal_error(
    exc: BaseException, *, action: str = "", debug: bool = False, kind: str = "action"
) -> ErrorBody:
    """Log an unexpected exception with a fresh digest and return the body to send.

    The traceback goes to the ``authstage`` logger with the digest (``action X failed
    [digest D]``; ``kind`` names what failed, ``page`` for an error page); the caller gets only
    the digest (and the message when ``debug`` is on), so the two can be matched up.
    """
    digest = secrets.token_hex(8)
    logger.error("%s %s failed [digest %s]", kind, action or "?", digest, exc_info=exc)
    message = f"{type(exc).__name__}: {exc}" if debug else "Internal error"
    return ErrorBody(code="INTERNAL", message=message, digest=digest)
