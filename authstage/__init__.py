"""authstage: Server Actions for Python.

Mark an ``async def`` with ``@action`` and call it from a browser form, a generated TypeScript
or Python client, or a test, through one signed ``POST /_action``.
"""

from authstage.actionlimits import RateLimit
from authstage.auditoption import Audit
from authstage.binding import BoundAction
from authstage.cache import Cache, cached, default_cache
from authstage.compiled import Compiled, CompileError, Param, compiled
from authstage.config import AuthstageConfig, ResolvedConfig, Seeder
from authstage.context import (
    RequestContext,
    context,
    cookies,
    delete_cookie,
    get_request,
    headers,
    set_cookie,
)
from authstage.dependencies import depends_on
from authstage.errorpages import ErrorPages, wants_page
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
from authstage.fragments import fragment, region, render_template
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
from authstage.mail import Mailer, OutboxMailer, SendReport, compose, mailer_from_env, send_many
from authstage.mailjobs import enqueue_bulk_mail
from authstage.memo import request_cache
from authstage.navigation import not_found, redirect, revalidate_path, revalidate_tag
from authstage.outcome import Outcome, Outcomes, take_outcome
from authstage.pages import action_fields, action_id, bind
from authstage.plugin import AuthstagePlugin
from authstage.registry import action
from authstage.script import authstage_script
from authstage.search import contains, fold, icontains
from authstage.smtp import SmtpMailer
from authstage.storage import Storage, StoredFile
from authstage.uploads import FileRule, UploadedFile

__all__ = [
    "ActionError",
    "Audit",
    "AuthstageConfig",
    "AuthstageError",
    "AuthstagePlugin",
    "BadRequest",
    "BoundAction",
    "Cache",
    "CompileError",
    "Compiled",
    "ConfigurationError",
    "Conflict",
    "CrossSiteRequest",
    "ErrorPages",
    "FileRule",
    "Forbidden",
    "JobState",
    "JobStatus",
    "JobsConfig",
    "JobsPlugin",
    "Mailer",
    "MethodNotAllowed",
    "NotFound",
    "OutboxMailer",
    "Outcome",
    "Outcomes",
    "Param",
    "PayloadTooLarge",
    "RateLimit",
    "RateLimited",
    "RegistrationError",
    "RequestContext",
    "ResolvedConfig",
    "Seeder",
    "SendReport",
    "SmtpMailer",
    "StaleClient",
    "Storage",
    "StoredFile",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
    "UploadedFile",
    "ValidationFailed",
    "action",
    "action_fields",
    "action_id",
    "authstage_script",
    "bind",
    "cached",
    "compiled",
    "compose",
    "contains",
    "context",
    "cookies",
    "default_cache",
    "delete_cookie",
    "depends_on",
    "enqueue",
    "enqueue_bulk_mail",
    "fold",
    "fragment",
    "get_request",
    "headers",
    "icontains",
    "job_status",
    "mailer_from_env",
    "not_found",
    "redirect",
    "region",
    "render_template",
    "report_progress",
    "request_cache",
    "revalidate_path",
    "revalidate_tag",
    "send_many",
    "set_cookie",
    "take_outcome",
    "task",
    "wants_page",
]
