"""The origin check: cross-site browser requests are refused before anything runs."""

from __future__ import annotations

import pytest

from authstage.csrf import OriginPolicy
from authstage.errors import ConfigurationError, CrossSiteRequest
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import build_app


def check(policy: OriginPolicy, scheme: str = "https", **headers: str) -> bool:
    try:
        policy.check(
            {k.replace("_", "-").encode(): v.encode() for k, v in headers.items()},
            {"scheme": scheme},
        )
    except CrossSiteRequest:
        return False
    return True


def test_non_browser_clients_pass() -> None:
    assert check(OriginPolicy(), host="example.com")


def test_same_origin_passes_and_cross_origin_fails() -> None:
    policy = OriginPolicy()
    assert check(policy, host="example.com", origin="https://example.com")
    assert check(policy, "http", host="localhost:8000", origin="http://localhost:8000")
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


def test_origin_with_another_scheme_is_refused() -> None:
    policy = OriginPolicy()
    assert not check(policy, "http", host="example.com", origin="https://example.com")
    assert not check(policy, "https", host="example.com", origin="http://example.com")


def test_origin_with_another_port_is_refused() -> None:
    policy = OriginPolicy()
    assert not check(policy, "http", host="localhost:8000", origin="http://localhost:8001")
    assert not check(policy, "http", host="localhost:8000", origin="http://localhost")
    assert not check(policy, "https", host="example.com", origin="https://example.com:8443")
    assert not check(policy, "http", host="[::1]:8000", origin="http://[::1]:8001")


def test_default_ports_are_the_same_origin() -> None:
    policy = OriginPolicy()
    assert check(policy, "http", host="example.com:80", origin="http://example.com")
    assert check(policy, "http", host="example.com", origin="http://example.com:80")
    assert check(policy, "https", host="example.com:443", origin="https://example.com")
    assert check(policy, "http", host="[::1]:8000", origin="http://[::1]:8000")
    assert not check(policy, "https", host="example.com", origin="https://example.com:80")


@pytest.mark.parametrize(
    "origin",
    [
        "https://example.com/",
        "https://example.com/path",
        "https://user@example.com",
        "https://example.com:port",
        "https://example.com:99999",
        "https://",
        "example.com",
        "https://[::1",
    ],
)
def test_malformed_origin_is_refused(origin: str) -> None:
    assert not check(OriginPolicy(), host="example.com", origin=origin)


def test_forwarded_headers_only_when_trusted() -> None:
    behind_proxy = {
        "host": "internal:8000",
        "origin": "https://example.com",
        "x_forwarded_host": "example.com",
        "x_forwarded_proto": "https",
    }
    assert not check(OriginPolicy(), "http", **behind_proxy)
    assert check(OriginPolicy(trust_forwarded=True), "http", **behind_proxy)
    spoof = {**behind_proxy, "x_forwarded_host": "evil.com", "origin": "https://evil.com"}
    assert not check(OriginPolicy(), "http", **spoof)


def test_trusted_forwarded_proto_decides_the_scheme() -> None:
    policy = OriginPolicy(trust_forwarded=True)
    headers = {"host": "example.com", "origin": "https://example.com"}
    assert check(policy, "http", **headers, x_forwarded_proto="https")
    assert not check(policy, "https", **headers, x_forwarded_proto="http")
    # The first value is the client-facing proxy's; a later hop does not change it.
    assert check(policy, "http", **headers, x_forwarded_proto="https, http")
    assert not check(OriginPolicy(), "http", **headers, x_forwarded_proto="https")


def test_allowed_origins_compare_whole_origins() -> None:
    policy = OriginPolicy(["https://app.example.com:443", "http://localhost:5173/"])
    assert check(policy, host="api.example.com", origin="https://app.example.com")
    assert check(policy, host="api.example.com", origin="http://localhost:5173")
    assert not check(policy, host="api.example.com", origin="http://app.example.com")
    assert not check(policy, host="api.example.com", origin="http://localhost:5174")


def test_bad_allowed_origin_fails_at_startup() -> None:
    with pytest.raises(ConfigurationError, match="https://host"):
        OriginPolicy(["https://app.example.com/path"])


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


async def test_browser_call_from_the_https_origin_of_an_http_server_is_refused(
    actions: ActionClient,
) -> None:
    headers = {"origin": "https://testserver.local", "sec-fetch-site": "same-site"}
    response = await actions.call(sa.add, a=1, b=2, headers=headers)
    assert response.status_code == 403
    assert sa.CALLS["add"] == 0


async def test_forwarded_origin_is_used_only_when_configured() -> None:
    from litestar.testing import AsyncTestClient

    headers = {
        "origin": "https://public.example",
        "x-forwarded-host": "public.example",
        "x-forwarded-proto": "https",
    }
    for trusted, status in ((False, 403), (True, 200)):
        async with AsyncTestClient(build_app(trust_forwarded=trusted)) as client:
            response = await ActionClient(client).call(sa.add, a=1, b=2, headers=headers)
        assert response.status_code == status


@pytest.mark.parametrize(
    "referer", ["https://testserver.local/form", "http://testserver.local:8080/form"]
)
async def test_no_js_post_does_not_go_back_to_a_referer_of_another_origin(
    actions: ActionClient, referer: str
) -> None:
    response = await actions.form(sa.add, {"a": "1", "b": "2"}, referer=referer)
    assert response.status_code == 200  # no page of this origin to go back to: the envelope
    assert response.json()["data"] == 3


async def test_no_js_post_goes_back_to_a_same_origin_referer(actions: ActionClient) -> None:
    referer = "http://testserver.local:80/form?x=1"
    response = await actions.form(sa.add, {"a": "1", "b": "2"}, referer=referer)
    assert response.status_code == 303
    assert response.headers["location"] == "/form?x=1"
