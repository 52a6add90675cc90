"""The origin check: cross-site browser requests are refused before anything runs."""

from __future__ import annotations

import pytest

from authstage.csrf import OriginPolicy
from authstage.errors import CrossSiteRequest
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import build_app


def check(policy: OriginPolicy, **headers: str) -> bool:
    try:
        policy.check({k.replace("_", "-").encode(): v.encode() for k, v in headers.items()})
    except CrossSiteRequest:
        return False
    return True


def test_non_browser_clients_pass() -> None:
    assert check(OriginPolicy(), host="example.com")


def test_same_origin_passes_and_cross_origin_fails() -> None:
    policy = OriginPolicy()
    assert check(policy, host="example.com", origin="https://example.com")
    assert check(policy, host="localhost:8000", origin="http://localhost:8000")
    assert not check(policy, host="example.com", origin="https://evil.com")
    assert not check(policy, host="example.com", origin="https://example.com.evil.com")
    assert not check(policy, host="example.com", origin="null")
    assert not check(policy, host="example.com", origin="ftp://example.com")


def test_sec_fetch_site_cross_site_fails_even_with_matching_origin() -> None:
    policy = OriginPolicy()
    assert not check(
        policy, host="example.com", origin="https://example.com", sec_fetch_site="cross-site"
    )
    assert not check(policy, host="example.com", sec_fetch_site="cross-site")
    assert check(policy, host="example.com", sec_fetch_site="same-origin")


def test_same_site_subdomain_needs_an_allowed_origin() -> None:
    headers = {
        "host": "api.example.com",
        "origin": "https://app.example.com",
        "sec_fetch_site": "same-site",
    }
    assert not check(OriginPolicy(), **headers)
    assert check(OriginPolicy(["https://app.example.com/"]), **headers)


def test_forwarded_host_only_when_trusted() -> None:
    headers = {
        "host": "internal:8000",
        "origin": "https://example.com",
        "x_forwarded_host": "example.com",
    }
    assert not check(OriginPolicy(), **headers)
    assert check(OriginPolicy(trust_forwarded_host=True), **headers)
    spoof = {**headers, "x_forwarded_host": "evil.com", "origin": "https://evil.com"}
    assert not check(OriginPolicy(), **spoof)


@pytest.mark.parametrize(
    "headers",
    [{"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}],
)
async def test_cross_site_call_is_403_and_runs_nothing(
    actions: ActionClient, headers: dict[str, str]
) -> None:
    response = await actions.call(sa.add, a=1, b=2, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "CROSS_SITE"
    assert sa.CALLS["add"] == 0


async def test_cross_site_form_post_is_refused(actions: ActionClient) -> None:
    response = await actions.form(
        sa.add, {"a": "1", "b": "2"}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert sa.CALLS["add"] == 0


async def test_allowed_origin_may_call() -> None:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(build_app(allowed_origins=["https://app.example"])) as client:
        response = await ActionClient(client).call(
            sa.add, a=1, b=2, headers={"origin": "https://app.example"}
        )
    assert response.json()["data"] == 3


async def test_same_origin_browser_call_passes(actions: ActionClient) -> None:
    headers = {"origin": "http://testserver.local", "sec-fetch-site": "same-origin"}
    assert (await actions.call(sa.add, a=1, b=2, headers=headers)).json()["data"] == 3
