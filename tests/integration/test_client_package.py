"""The Python client is a package of its own: installed from client/python, importing nothing of
the server, and in step with the server's actions."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import authstage_client
import httpx
from authstage_client import AsyncClient

from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_client_is_the_checked_in_one() -> None:
    assert Path(authstage_client.__file__).is_relative_to(ROOT / "client" / "python")


def test_the_client_imports_nothing_of_the_server(tmp_path: Path) -> None:
    probe = (
        "import sys, authstage_client\n"
        "client = authstage_client.Client('http://127.0.0.1:9')\n"
        "server = ('authstage', 'actions', 'litestar', 'piccolo')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(server)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


async def test_the_client_matches_the_servers_contract(client: AsyncClient) -> None:
    manifest = await client.manifest()
    assert manifest.contract == authstage_client.CONTRACT == client.contract
    assert set(manifest.actions) >= {"actions.demo.add", "actions.showcase.bump"}


async def test_one_manifest_fetch_serves_concurrent_calls_which_send_its_hash(
    server: LiveServer,
) -> None:
    requests: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        requests.append(request)

    async with AsyncClient(server.url) as client:
        client.http.event_hooks["request"].append(record)
        assert await asyncio.gather(*(client.add(i, i) for i in range(5))) == [0, 2, 4, 6, 8]
        manifest = await client.manifest()
    assert [r.method for r in requests].count("GET") == 1
    posts = [r for r in requests if r.method == "POST"]
    assert len(posts) == 5
    assert {r.headers["authstage-manifest"] for r in posts} == {manifest.manifest}
    assert {r.headers["authstage-action"] for r in posts} == {manifest.actions["actions.demo.add"]}
