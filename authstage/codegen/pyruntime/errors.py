"""What a call can raise: ``ActionError`` (the server answered with an error code) or
``TransportError`` (no usable answer at all).

Every error code of the protocol has its own subclass, so callers catch exactly what they
handle::

    try:
        note = await client.create_note(NewNote(title=title))
    except ValidationError as exc:
        show(exc.field_errors, exc.form_errors)
    except UnauthorizedError:
        go_to_login()

``TransportError`` covers everything that is not a protocol answer: the connection failed or
dropped, the reply was not JSON (a proxy's HTML 502), or it carried an error code this client
does not know. It never hides a parse crash: the message says what came back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

__all__ = [
    "ERROR_STATUS",
    "ActionError",
    "BadRequestError",
    "ClientError",
    "ConflictError",
    "CrossSiteError",
    "ForbiddenError",
    "InternalError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "StaleClientError",
    "TransportError",
    "UnauthorizedError",
    "UnavailableError",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "error_for",
]


# <error-table> rendered from authstage/errors.py CODE_STATUS by `authstage codegen`
#: Every error code of the protocol, with the HTTP status that goes with it.
ERROR_STATUS: dict[str, int] = {
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
# </error-table>


class ClientError(Exception):
    """Base of everything a generated client raises."""


class TransportError(ClientError):
    """No usable answer: connection failure, a non-protocol reply, or an unknown error code."""

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(f"{action}: {message}" if action else message)
        #: The action called (its stable name).
        self.action = action
        #: The HTTP status, when a reply arrived.
        self.status = status
        #: The error code of a reply whose code this client does not know.
        self.code = code


class ActionError(ClientError):
    """The server refused or failed the call with one of the protocol's error codes."""

    code: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        status: int = 0,
        field_errors: Mapping[str, Sequence[str]] | None = None,
        form_errors: Sequence[str] | None = None,
        digest: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        #: The server's message (safe to show; unexpected errors say only "Internal error").
        self.message = message
        #: The action called (its stable name).
        self.action = action
        #: The HTTP status of the reply.
        self.status = status
        #: Messages per input name, as a form names its inputs (``title``, ``tags[0]``).
        self.field_errors = {key: list(value) for key, value in (field_errors or {}).items()}
        #: Messages that belong to no single field.
        self.form_errors = list(form_errors or [])
        #: On ``INTERNAL`` errors: the key to the server log line with the traceback.
        self.digest = digest
        #: On ``RATE_LIMITED``: seconds until the next call is allowed.
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, action={self.action!r})"


class BadRequestError(ActionError):
    """``BAD_REQUEST``: the request could not be read."""

    code = "BAD_REQUEST"


class UnauthorizedError(ActionError):
    """``UNAUTHORIZED``: the action needs a signed-in user."""

    code = "UNAUTHORIZED"


class ForbiddenError(ActionError):
    """``FORBIDDEN``: signed in, but not allowed."""

    code = "FORBIDDEN"


class CrossSiteError(ForbiddenError):
    """``CROSS_SITE``: refused by the server's origin check."""

    code = "CROSS_SITE"


class NotFoundError(ActionError):
    """``NOT_FOUND``: no such action, or the action found no such resource."""

    code = "NOT_FOUND"


class StaleClientError(NotFoundError):
    """``STALE_CLIENT``: the server no longer has this action: regenerate the client."""

    code = "STALE_CLIENT"


class MethodNotAllowedError(ActionError):
    """``METHOD_NOT_ALLOWED``."""

    code = "METHOD_NOT_ALLOWED"


class ConflictError(ActionError):
    """``CONFLICT``: a unique value is taken, or a call with the same idempotency key runs."""

    code = "CONFLICT"


class PayloadTooLargeError(ActionError):
    """``PAYLOAD_TOO_LARGE``: the request body is over the action's limit."""

    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaTypeError(ActionError):
    """``UNSUPPORTED_MEDIA_TYPE``."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class ValidationError(ActionError):
    """``VALIDATION``: the arguments were refused; see ``field_errors`` and ``form_errors``."""

    code = "VALIDATION"


class RateLimitedError(ActionError):
    """``RATE_LIMITED``: too many calls; retry after ``retry_after`` seconds."""

    code = "RATE_LIMITED"


class InternalError(ActionError):
    """``INTERNAL``: the action failed unexpectedly; ``digest`` finds it in the server log."""

    code = "INTERNAL"


class UnavailableError(ActionError):
    """``UNAVAILABLE``: a dependency of the server is down; try again later."""

    code = "UNAVAILABLE"


_BY_CODE: dict[str, type[ActionError]] = {
    cls.code: cls
    for cls in (
        BadRequestError,
        UnauthorizedError,
        ForbiddenError,
        CrossSiteError,
        NotFoundError,
        StaleClientError,
        MethodNotAllowedError,
        ConflictError,
        PayloadTooLargeError,
        UnsupportedMediaTypeError,
        ValidationError,
        RateLimitedError,
        InternalError,
        UnavailableError,
    )
}


def error_for(code: str) -> type[ActionError] | None:
    """The exception class of an error code, or None for a code this client does not know."""
    return _BY_CODE.get(code)
