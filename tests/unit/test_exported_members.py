"""The public surface is a deliberate list."""

import authstage

EXPECTED = {
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
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(authstage.__all__) == EXPECTED
    for name in authstage.__all__:
        assert getattr(authstage, name) is not None
