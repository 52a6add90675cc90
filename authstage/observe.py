"""What each action call leaves behind: one access-log line and, with OpenTelemetry, one span.

Every call (alone, in a batch, or posted by a form without JavaScript) writes one line on the
``authstage.access`` logger at INFO::

    actions.notes.create_note 409 3.2ms CONFLICT
    actions.notes.create_note 500 1.0ms INTERNAL digest=4f2a9c0d1e2b3a4f

with the same facts as ``extra`` fields (``action``, ``status``, ``duration_ms``, ``code``,
``digest``) for structured handlers. The digest is the one the client got and the traceback in
the ``authstage`` log carries; arguments are never written. A call refused before its action is
known (an unknown ID) is logged under ``-``.

When the ``otel`` extra is installed and a tracer provider is configured before the app is built
(``opentelemetry.trace.set_tracer_provider``), each call is also a span named after the action,
with the attributes ``authstage.action``, ``http.response.status_code`` and, on errors,
``authstage.error.code``; its status is ERROR for a 5xx and OK below 400. It starts with the call
and is the current span while the action runs, so spans the action makes nest under it. (An
ASGI-level instrumentation, such as Litestar's ``OpenTelemetryPlugin``, sees every call as
``POST /_action`` and a batch as one request: hence a span of our own, per call.)

Cost. The dispatcher asks ``watching()`` once per call: the logger's cached ``isEnabledFor``.
When both are off nothing else happens (no clock read, no formatting). OpenTelemetry is
imported only if it is installed and a provider may be configured (its module is loaded, or
``OTEL_PYTHON_TRACER_PROVIDER`` names one), when an endpoint is built, never on the request path;
the provider is looked up then too (a span per call costs a few microseconds).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec

from authstage.errors import ErrorBody

__all__ = ["ACCESS_LOGGER", "CallObserver"]

#: The logger of the access lines.
ACCESS_LOGGER = "authstage.access"
_UNKNOWN = "-"


class _Failure(msgspec.Struct):
    error: ErrorBody


_decode_failure = msgspec.json.Decoder(_Failure).decode


def _error_in(body: bytes) -> ErrorBody | None:
    """The error of a failure envelope (None if ``body`` is not one)."""
    try:
        return _decode_failure(body).error
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _otel_trace(provider_given: bool) -> Any:
    """The ``opentelemetry.trace`` module, or None when the extra is not installed or, without
    a provider given, when none can have been configured: a global one is set through that
    module (so it is imported by then) or named by ``OTEL_PYTHON_TRACER_PROVIDER``."""
    loaded = "opentelemetry.trace" in sys.modules
    if not (provider_given or loaded or "OTEL_PYTHON_TRACER_PROVIDER" in os.environ):
        return None
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    return trace


def _always() -> bool:
    return True


class CallObserver:
    """Writes the access line (and the span) of each call; built once per endpoint."""

    __slots__ = ("_context", "_trace", "_tracer", "logger", "watching")

    def __init__(self, tracer_provider: Any = None) -> None:
        """Args:
        tracer_provider: an OpenTelemetry ``TracerProvider``; the global one when None.
        """
        self.logger = logging.getLogger(ACCESS_LOGGER)
        self._trace = _otel_trace(tracer_provider is not None)
        #: The tracer when a provider was configured before the endpoint was built, else None.
        self._tracer: Any = None
        self._context: Any = None
        if self._trace is not None:
            from opentelemetry import context

            self._context = context
            provider = tracer_provider or self._trace.get_tracer_provider()
            if not isinstance(provider, self._trace.ProxyTracerProvider):  # one is configured
                self._tracer = provider.get_tracer("authstage")
        #: ``watching()``: True when this call must be observed (the access log or tracing is
        #: on). Without tracing it is the logger's own (cached) ``isEnabledFor(INFO)``, called
        #: directly: the one check every call pays.
        self.watching: Callable[[], bool] = (
            partial(self.logger.isEnabledFor, logging.INFO) if self._tracer is None else _always
        )

    @staticmethod
    def clock() -> int:
        """The start time of a call (nanoseconds since the epoch)."""
        return time.time_ns()

    def enter(self, action: str, started: int) -> Any:
        """Open the span of a call about to run its action, as the current span (so spans the
        action makes nest under it); None without tracing. Hand it back to ``record``."""
        if self._tracer is None:
            return None
        span = self._tracer.start_span(action, start_time=started)
        return span, self._context.attach(self._trace.set_span_in_context(span))

    def record(
        self,
        action: str | None,
        status: int,
        body: bytes,
        error: ErrorBody | None,
        started: int,
        opened: Any = None,
    ) -> None:
        """Log (and trace) one finished call that started at ``started`` (``clock()``).

        ``error`` is the error the call answered with; when the caller has only the reply (a
        batched or replayed call), it is read back from the envelope ``body``. ``opened`` is
        what ``enter`` returned; a call refused before it ran gets a span made here, one
        refused before its action was known (an unknown ID) gets none.
        """
        ended = time.time_ns()
        name = action or _UNKNOWN
        if error is None and status >= 400 and body:
            error = _error_in(body)
        code = error.code if error is not None else None
        digest = error.digest if error is not None else None
        if self.logger.isEnabledFor(logging.INFO):
            duration_ms = (ended - started) / 1e6
            extra = {
                "action": name,
                "status": status,
                "duration_ms": duration_ms,
                "code": code,
                "digest": digest,
            }
            if code is None:
                self.logger.info("%s %d %.1fms", name, status, duration_ms, extra=extra)
            elif digest is None:
                self.logger.info("%s %d %.1fms %s", name, status, duration_ms, code, extra=extra)
            else:
                self.logger.info(
                    "%s %d %.1fms %s digest=%s",
                    name,
                    status,
                    duration_ms,
                    code,
                    digest,
                    extra=extra,
                )
        if opened is not None:
            span, token = opened
            self._context.detach(token)
            self._finish(span, name, status, ended, code)
        elif self._tracer is not None and action is not None:
            span = self._tracer.start_span(name, start_time=started)
            self._finish(span, name, status, ended, code)

    def _finish(self, span: Any, name: str, status: int, ended: int, code: str | None) -> None:
        span.set_attribute("authstage.action", name)
        span.set_attribute("http.response.status_code", status)
        if code is not None:
            span.set_attribute("authstage.error.code", code)
        if status >= 500:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, code))
        elif status < 400:
            span.set_status(self._trace.Status(self._trace.StatusCode.OK))
        span.end(end_time=ended)
