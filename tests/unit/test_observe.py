"""One access-log line per action call (single, batched, no-JS), and one span with OpenTelemetry."""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from authstage import AuthstagePlugin, action
from authstage.appstate import endpoint_of
from authstage.dispatch import ActionEndpoint
from authstage.observe import ACCESS_LOGGER, CallObserver
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import build_app


def lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS_LOGGER]


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    return caplog


async def test_a_successful_call_writes_one_access_line(
    actions: ActionClient, access_log: pytest.LogCaptureFixture
) -> None:
    assert (await actions.call(sa.add, a=1, b=2)).status_code == 200
    [line] = lines(access_log)
    assert line.getMessage().startswith("tests.unit.sample_actions.add 200 ")
    assert line.action == "tests.unit.sample_actions.add"  # type: ignore[attr-defined]
    assert line.status == 200  # type: ignore[attr-defined]
    assert line.duration_ms >= 0  # type: ignore[attr-defined]
    assert line.code is None  # type: ignore[attr-defined]


async def test_an_error_line_has_the_code_and_digest_but_never_the_arguments(
    actions: ActionClient, access_log: pytest.LogCaptureFixture
) -> None:
    response = await actions.call(sa.boom)
    digest = response.json()["error"]["digest"]
    await actions.call(sa.tiny, text="s3cret-" * 20)
    crash, too_big = lines(access_log)
    assert crash.getMessage().endswith(f"INTERNAL digest={digest}")
    assert crash.status == 500 and crash.digest == digest  # type: ignore[attr-defined]
    assert too_big.status == 413 and too_big.code == "PAYLOAD_TOO_LARGE"  # type: ignore[attr-defined]
    assert "s3cret" not in access_log.text


async def test_an_unknown_action_is_logged_under_a_dash(
    client: AsyncTestClient[Litestar], access_log: pytest.LogCaptureFixture
) -> None:
    headers = {"authstage-action": "0" * 42, "content-type": "application/json"}
    await client.post("/_action", content=b"{}", headers=headers)
    [line] = lines(access_log)
    assert line.getMessage().startswith("- 404 ") and line.code == "NOT_FOUND"  # type: ignore[attr-defined]


async def test_each_call_of_a_batch_writes_its_own_line(
    client: AsyncTestClient[Litestar], app: Litestar, access_log: pytest.LogCaptureFixture
) -> None:
    registry = endpoint_of(app).registry
    calls = [
        {"action": registry.id_of(sa.add), "args": {"a": 1, "b": 2}},
        {"action": registry.id_of(sa.add), "args": {"a": "x"}},
    ]
    response = await client.post(
        "/_action",
        content=msgspec.json.encode({"calls": calls}),
        headers={"content-type": "application/json", "authstage-batch": "1"},
    )
    assert response.status_code == 200
    ok, invalid = sorted(lines(access_log), key=lambda r: r.status)  # type: ignore[attr-defined]
    assert (ok.status, ok.code) == (200, None)  # type: ignore[attr-defined]
    assert (invalid.status, invalid.code) == (422, "VALIDATION")  # type: ignore[attr-defined]
    assert len(lines(access_log)) == 2  # the batch request itself adds none


async def test_a_no_js_form_call_writes_its_line_with_the_303(
    actions: ActionClient, access_log: pytest.LogCaptureFixture
) -> None:
    assert (await actions.form(sa.add, {"a": "1", "b": "2"})).status_code == 303
    assert (await actions.form(sa.add, {"a": "x", "b": "2"})).status_code == 303
    done, failed = lines(access_log)
    assert (done.status, done.code) == (303, None)  # type: ignore[attr-defined]
    assert (failed.status, failed.code) == (303, "VALIDATION")  # type: ignore[attr-defined]


async def test_nothing_is_observed_when_the_access_log_is_off(
    actions: ActionClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=ACCESS_LOGGER)
    assert (await actions.call(sa.add, a=1, b=2)).status_code == 200
    assert lines(caplog) == []


def exporting() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@action(public=True)
async def current_span_id() -> int:
    """The ID of the span current while the action runs."""
    span_id: int = trace.get_current_span().get_span_context().span_id
    return span_id


def observed(provider: TracerProvider, **config: Any) -> Litestar:
    app = build_app(**config)
    endpoint = endpoint_of(app)
    assert isinstance(endpoint, ActionEndpoint)
    endpoint.observer = CallObserver(tracer_provider=provider)
    return app


async def test_each_call_is_a_span_named_after_the_action() -> None:
    provider, exporter = exporting()
    async with AsyncTestClient(observed(provider)) as client:
        actions = ActionClient(client)
        await actions.call(sa.add, a=1, b=2)
        await actions.call(sa.boom)
        await actions.call(sa.missing)
    ok, crash, missing = exporter.get_finished_spans()
    assert ok.name == "tests.unit.sample_actions.add"
    assert ok.attributes == {
        "authstage.action": "tests.unit.sample_actions.add",
        "http.response.status_code": 200,
    }
    assert ok.status.status_code is StatusCode.OK
    assert crash.status.status_code is StatusCode.ERROR
    assert crash.attributes is not None and crash.attributes["authstage.error.code"] == "INTERNAL"
    assert missing.attributes is not None
    assert missing.attributes["http.response.status_code"] == 404
    assert missing.attributes["authstage.error.code"] == "NOT_FOUND"
    assert missing.status.status_code is StatusCode.UNSET  # a client error, not the server's
    assert ok.start_time is not None and ok.end_time is not None and ok.start_time <= ok.end_time


async def test_the_call_span_is_current_while_the_action_runs() -> None:
    provider, exporter = exporting()
    app = Litestar(plugins=[AuthstagePlugin(actions=[current_span_id], secret="s" * 32)])
    endpoint = endpoint_of(app)
    assert isinstance(endpoint, ActionEndpoint)
    endpoint.observer = CallObserver(tracer_provider=provider)
    async with AsyncTestClient(app) as client:
        inner = (await ActionClient(client).call(current_span_id)).json()["data"]
    [span] = exporter.get_finished_spans()
    assert span.name.endswith("current_span_id")
    assert span.context is not None and span.context.span_id == inner


async def test_a_call_refused_before_running_has_a_span_an_unknown_id_none() -> None:
    provider, exporter = exporting()
    async with AsyncTestClient(observed(provider)) as client:
        await ActionClient(client).call(sa.add, a="x", b=1)
        headers = {"authstage-action": "0" * 42, "content-type": "application/json"}
        await client.post("/_action", content=b"{}", headers=headers)
    [refused] = exporter.get_finished_spans()
    assert refused.name == "tests.unit.sample_actions.add"
    assert refused.attributes is not None
    assert refused.attributes["authstage.error.code"] == "VALIDATION"


def test_without_opentelemetry_nothing_is_watched_when_the_log_is_off(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if the extra were absent
    caplog.set_level(logging.WARNING, logger=ACCESS_LOGGER)
    observer = CallObserver(tracer_provider=TracerProvider())  # a provider, but no OpenTelemetry
    assert observer.watching() is False
    assert observer.enter("a.b", CallObserver.clock()) is None


def test_an_error_read_back_from_a_reply_is_logged_with_its_code(
    access_log: pytest.LogCaptureFixture,
) -> None:
    body = b'{"ok":false,"error":{"code":"CONFLICT","message":"m"}}'
    CallObserver().record("a.b", 409, body, None, CallObserver.clock())
    [line] = lines(access_log)
    record: Any = line
    assert (record.action, record.status, record.code, record.digest) == (
        "a.b",
        409,
        "CONFLICT",
        None,
    )
