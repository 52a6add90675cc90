"""The error tree and its one code table."""

from __future__ import annotations

import pytest

from authstage import errors as e


def test_every_class_maps_to_its_status() -> None:
    expected = {
        e.BadRequest: 400,
        e.Unauthorized: 401,
        e.Forbidden: 403,
        e.CrossSiteRequest: 403,
        e.NotFound: 404,
        e.StaleClient: 404,
        e.MethodNotAllowed: 405,
        e.Conflict: 409,
        e.PayloadTooLarge: 413,
        e.UnsupportedMediaType: 415,
        e.ValidationFailed: 422,
        e.Unavailable: 503,
    }
    for cls, status in expected.items():
        err = cls("msg")
        assert err.status == status and err.body().code == cls.code
        assert isinstance(err, e.ActionError) and isinstance(err, e.AuthstageError)
    assert e.RateLimited(retry_after=30).status == 429


def test_code_and_message_form() -> None:
    err = e.ActionError("CONFLICT", "Title taken", field_errors={"title": ["taken"]})
    assert (err.status, err.message, err.field_errors) == (409, "Title taken", {"title": ["taken"]})
    assert e.NotFound().message == "Not found"
    with pytest.raises(ValueError, match="unknown error code"):
        e.ActionError("TEAPOT", "no")


def test_rate_limited_carries_retry_after() -> None:
    err = e.RateLimited("slow down", retry_after=12)
    assert err.headers == {"retry-after": "12"}
    assert err.body().retry_after == 12


def test_internal_error_hides_the_message_unless_debug() -> None:
    body = e.internal_error(RuntimeError("secret"), action="a")
    assert body.code == "INTERNAL" and "secret" not in body.message and body.digest
    assert "secret" in e.internal_error(RuntimeError("secret"), debug=True).message


def test_configuration_errors_are_not_action_errors() -> None:
    assert not issubclass(e.ConfigurationError, e.ActionError)
    assert issubclass(e.RegistrationError, e.ConfigurationError)
