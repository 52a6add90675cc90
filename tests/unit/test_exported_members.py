"""The public surface is a deliberate list."""

import authstage

EXPECTED = {
    "ActionError",
    "AuthstageConfig",
    "AuthstageError",
    "AuthstagePlugin",
    "BadRequest",
    "BoundAction",
    "Cache",
    "ConfigurationError",
    "Conflict",
    "CrossSiteRequest",
    "Forbidden",
    "Mailer",
    "MethodNotAllowed",
    "NotFound",
    "OutboxMailer",
    "Outcome",
    "Outcomes",
    "PayloadTooLarge",
    "RateLimited",
    "RegistrationError",
    "RequestContext",
    "ResolvedConfig",
    "SendReport",
    "SmtpMailer",
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
    "cached",
    "compose",
    "context",
    "cookies",
    "default_cache",
    "delete_cookie",
    "depends_on",
    "get_request",
    "headers",
    "mailer_from_env",
    "not_found",
    "redirect",
    "request_cache",
    "revalidate_path",
    "revalidate_tag",
    "send_many",
    "set_cookie",
    "take_outcome",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(authstage.__all__) == EXPECTED
    for name in authstage.__all__:
        assert getattr(authstage, name) is not None
