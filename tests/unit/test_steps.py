"""The steps of a call, written once and shared by the single, batched and no-JS paths."""

from __future__ import annotations

import pytest

from authstage.dispatch import ActionEndpoint
from authstage.errors import NotFound, PayloadTooLarge, StaleClient
from authstage.registry import spec_of
from tests.unit import sample_actions as sa


def test_an_unknown_id_is_not_found_or_stale_by_the_manifest(endpoint: ActionEndpoint) -> None:
    steps = endpoint.steps
    with pytest.raises(NotFound):
        steps.locate(b"0" * 42, {})
    with pytest.raises(NotFound):  # the caller's manifest is current: the action is gone
        steps.locate(b"0" * 42, {b"authstage-manifest": endpoint.registry.manifest.encode()})
    with pytest.raises(StaleClient):
        steps.locate(b"0" * 42, {b"authstage-manifest": b"old"})


def test_a_body_read_under_a_wider_limit_is_checked_against_the_actions(
    endpoint: ActionEndpoint,
) -> None:
    steps = endpoint.steps
    tiny = spec_of(sa.tiny)
    assert steps.form_limit >= steps.limit(tiny) == 64
    steps.check_size(tiny, 64)
    with pytest.raises(PayloadTooLarge):
        steps.check_size(tiny, 65)
