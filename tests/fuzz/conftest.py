"""The fuzz suite's hypothesis profiles and the app it attacks.

Every test runs against the app twice: with the endpoint in front of Litestar's router (the
fast path) and behind it. ``fuzz`` (the default) keeps the whole suite to a few thousand
cases, well under a minute; ``FUZZ_PROFILE=long`` (``make fuzz``) runs many times more.
Hypothesis keeps the failing cases it found in ``.hypothesis/`` (git-ignored) and replays them
first on the next run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from litestar import Litestar, get
from litestar.testing import TestClient

from authstage import AuthstagePlugin
from authstage.appstate import endpoint_of
from authstage.dispatch import ActionEndpoint
from authstage.fastpath import ActionFastPath
from tests.fuzz import fuzz_actions

_COMMON = {
    "deadline": None,  # timing on a loaded CI machine is not what this suite checks
    "print_blob": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # the autouse response scanner, shared on purpose
    ],
}
settings.register_profile("fuzz", max_examples=300, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("long", max_examples=4000, **_COMMON)  # type: ignore[arg-type]
settings.load_profile(os.environ.get("FUZZ_PROFILE", "fuzz"))


@get("/form")
async def form_page() -> str:
    """Where the no-JS posts come from (their Referer)."""
    return "form"


@dataclass
class Target:
    """The app under attack, its client and what a valid call needs."""

    client: TestClient[Litestar]
    endpoint: ActionEndpoint
    ids: dict[str, str]  # action name -> current ID
    bound_token: str  # a valid bound token for fuzz_actions.bound (owner=7 bound)

    @property
    def all_ids(self) -> list[str]:
        return list(self.ids.values())


@pytest.fixture(scope="module", params=["fast-path", "router"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The app, answering ``/_action`` in front of Litestar's router or through it."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    plugin = AuthstagePlugin(
        actions=[fuzz_actions],
        secret="fuzz-secret-0123456789abcdef0123456789abcdef",
        production=False,
        debug=False,
        fast_path=request.param == "fast-path",
    )
    app = Litestar(route_handlers=[form_page], plugins=[plugin])
    endpoint = endpoint_of(app)
    assert isinstance(endpoint, ActionEndpoint)
    ids = {
        spec.name.rpartition(".")[2]: endpoint.registry.id_of(spec.name)
        for spec in endpoint.registry
    }
    token = endpoint.binder.bind(fuzz_actions.bound, 7).token
    with TestClient(app) as client:
        assert isinstance(app.asgi_handler, ActionFastPath) == (request.param == "fast-path")
        yield Target(client=client, endpoint=endpoint, ids=ids, bound_token=token)
