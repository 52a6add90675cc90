"""authstage: Server Actions for Python.

Mark an ``async def`` with ``@action`` and call it from a browser form, a generated TypeScript
or Python client, or a test, through one signed ``POST /_action``.
"""

from authstage.binding import BoundAction
from authstage.config import AuthstageConfig
from authstage.context import (
    RequestContext,
    context,
    cookies,
    delete_cookie,
    get_request,
    headers,
    set_cookie,
)
from authstage.errors import (
    ActionError,
    AuthstageError,
    BadRequest,
    ConfigurationError,
    Conflict,
    CrossSiteRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RegistrationError,
    StaleClient,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from authstage.jobs import (
    JobsConfig,
    JobsPlugin,
    JobState,
    JobStatus,
    enqueue,
    job_status,
    report_progress,
    task,
)
from authstage.memo import request_cache
from authstage.navigation import not_found, redirect, revalidate_path, revalidate_tag
from authstage.outcome import Outcome, Outcomes, take_outcome
from authstage.pages import action_fields, action_id, bind
from authstage.plugin import AuthstagePlugin
from authstage.registry import action
from authstage.uploads import UploadedFile

__all__ = [
    "ActionError",
    "AuthstageConfig",
    "AuthstageError",
    "AuthstagePlugin",
    "BadRequest",
    "BoundAction",
    "ConfigurationError",
    "Conflict",
    "CrossSiteRequest",
    "Forbidden",
    "JobState",
    "JobStatus",
    "JobsConfig",
    "JobsPlugin",
    "MethodNotAllowed",
    "NotFound",
    "Outcome",
    "Outcomes",
    "PayloadTooLarge",
    "RateLimited",
    "RegistrationError",
    "RequestContext",
    "StaleClient",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
    "UploadedFile",
    "ValidationFailed",
    "action",
    "action_fields",
    "action_id",
    "bind",
    "context",
    "cookies",
    "delete_cookie",
    "enqueue",
    "get_request",
    "headers",
    "job_status",
    "not_found",
    "redirect",
    "report_progress",
    "request_cache",
    "revalidate_path",
    "revalidate_tag",
    "set_cookie",
    "take_outcome",
    "task",
]
