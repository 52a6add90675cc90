"""The growth benchmark's requests and arithmetic: bodies the servers accept, slopes, gains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from authstage import AuthstagePlugin
from authstage.batch import BatchRequest
from bench.growth_peers import batch_body, batch_gain, size_peer, slopes
from bench.growth_report import growth_section
from bench.servers import noop_authstage, payload_authstage, payload_post
from bench.servers.payload import ContactImport, payload_body


def _run(rps: float) -> dict[str, Any]:
    return {"rps": rps}


@pytest.mark.parametrize("size", [100, 1_000, 10_000, 100_000, 1_000_000])
def test_payload_body_is_about_the_size_asked_for(size: int) -> None:
    body, count = payload_body(size)
    assert abs(len(body) - size) <= 100
    assert len(msgspec.json.decode(body, type=ContactImport).contacts) == count >= 1


def test_the_action_and_the_route_accept_a_1_mb_import() -> None:
    peer, length, count = size_peer("payload_authstage", 1_000_000)
    assert length > 1 << 19 and peer.body == payload_body(1_000_000)[0]
    app = payload_authstage.create_app()
    with TestClient(app) as client:
        endpoint = app.plugins.get(AuthstagePlugin).endpoint
        assert endpoint is not None
        action_id = endpoint.registry.id_of("bench.import_contacts")
        headers = {"Authstage-Action": action_id, "Content-Type": "application/json"}
        reply = client.post("/_action", content=peer.body, headers=headers)
        assert peer.check(reply.status_code, reply.content)
        assert reply.json() == {"ok": True, "data": count}
    route, _, _ = size_peer("payload_post", 1_000_000)
    with TestClient(payload_post.create_app()) as client:
        reply = client.post("/contacts", content=route.body)
        assert route.check(reply.status_code, reply.content) and reply.json() == count


def test_batch_body_is_a_batch_the_server_runs() -> None:
    body = batch_body("some-id", b'{"a":1,"b":2}', 10)
    calls = msgspec.json.decode(body, type=BatchRequest).calls
    assert [(c.action, bytes(c.args)) for c in calls] == [("some-id", b'{"a":1,"b":2}')] * 10
    app = noop_authstage.create_app()
    with TestClient(app) as client:
        endpoint = app.plugins.get(AuthstagePlugin).endpoint
        assert endpoint is not None
        body = batch_body(endpoint.registry.id_of("bench.add"), b'{"a":1,"b":2}', 10)
        headers = {"Authstage-Batch": "1", "Content-Type": "application/json"}
        reply = client.post("/_action", content=body, headers=headers)
        assert reply.json() == {"ok": True, "results": [{"ok": True, "data": 3}] * 10}


def test_slopes_are_microseconds_per_kb_between_sizes() -> None:
    # subject: 100 µs, 200 µs, 1100 µs per request; baseline twice as steep
    runs = [
        {"a": [_run(10_000)], "b": [_run(10_000)]},
        {"a": [_run(5_000)], "b": [_run(1e6 / 300)]},
        {"a": [_run(1e6 / 1100)], "b": [_run(1e6 / 2100)]},
    ]
    steps = slopes([1_000, 11_000, 101_000], runs, "a", "b")
    assert [(s["from_bytes"], s["to_bytes"]) for s in steps] == [(1_000, 11_000), (11_000, 101_000)]
    assert steps[0]["us_per_kb"] == pytest.approx({"a": 10.0, "b": 20.0})
    assert steps[1]["us_per_kb"] == pytest.approx({"a": 10.0, "b": 20.0})
    assert steps[0]["ratio"] == pytest.approx(0.5)


def test_slope_ratio_is_taken_within_rounds_and_the_median_reported() -> None:
    runs = [
        {"a": [_run(10_000)] * 3, "b": [_run(10_000)] * 3},
        {"a": [_run(1e6 / 200)] * 3, "b": [_run(1e6 / x) for x in (200, 300, 600)]},
    ]
    (step,) = slopes([0, 1_000], runs, "a", "b")
    assert step["per_round"]["b"] == pytest.approx([100.0, 200.0, 500.0])
    assert step["ratio"] == pytest.approx(0.5)


def test_batch_gain_counts_calls_per_second() -> None:
    batch = [_run(400), _run(250), _run(500)]
    single = [_run(1_000), _run(1_000), _run(1_000)]
    gain = batch_gain(batch, single, 10)
    assert gain["per_round"] == pytest.approx([4.0, 2.5, 5.0])
    assert gain["median"] == pytest.approx(4.0) and gain["met"] is True
    assert batch_gain([_run(250)], [_run(1_000)], 10)["met"] is False


def test_no_results_no_section(tmp_path: Path) -> None:
    assert growth_section(tmp_path, tmp_path / "docs") == []
    assert not (tmp_path / "docs").exists()
