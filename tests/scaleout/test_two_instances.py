"""Two instances behind one address behave as one: sessions, limits, outcomes, keys, files.

Each test acts on instance A and checks the effect through instance B (or the other way
round), through the generated Python client or as a browser's plain form post would.
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import time
from typing import Any

import httpx
import pytest
from authstage_client import (
    AsyncClient,
    File,
    LoginIn,
    NewNote,
    PostIn,
    RateLimitedError,
    SignupIn,
    UnauthorizedError,
)
from PIL import Image

from tests.scaleout.cluster import Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PASSWORD = "correct horse battery"
COOKIE = "authstage_session"


def email() -> str:
    return f"u{secrets.token_hex(5)}@example.com"


async def signed_up(url: str) -> tuple[AsyncClient, str]:
    """A client of ``url`` signed up as a new user, and its email."""
    client = AsyncClient(url)
    address = email()
    await client.signup(SignupIn(email=address, password=PASSWORD, name="Ada"))
    return client, address


async def test_a_session_from_a_works_on_b_and_signing_out_everywhere_on_b_ends_it_on_a(
    cluster: Cluster,
) -> None:
    on_a, _ = await signed_up(cluster.a.url)
    token = on_a.cookies.get(COOKIE)
    assert token
    async with on_a, AsyncClient(cluster.b.url, cookies={COOKIE: token}) as on_b:
        assert len(await on_b.list_sessions()) == 1
        assert len(await on_a.list_sessions()) == 1
        await on_b.logout_everywhere()
        deadline = time.monotonic() + 1  # refused on A within a second
        while True:
            try:
                await on_a.list_sessions()
            except UnauthorizedError:
                break
            assert time.monotonic() < deadline, "A still accepts a session ended on B"
            await asyncio.sleep(0.05)


async def test_the_login_limit_per_email_is_counted_across_both_instances(
    cluster: Cluster,
) -> None:
    client, address = await signed_up(cluster.a.url)
    await client.aclose()
    bad = LoginIn(email=address, password="wrong password")
    async with AsyncClient(cluster.a.url) as a, AsyncClient(cluster.b.url) as b:
        for attempt in range(5):  # the demo allows 5 failures per 15 minutes per email
            with pytest.raises(UnauthorizedError):
                await (a if attempt % 2 == 0 else b).login(bad)
        for instance in (a, b):
            with pytest.raises(RateLimitedError):
                await instance.login(LoginIn(email=address, password=PASSWORD))


def test_a_form_posted_to_a_without_javascript_has_its_outcome_page_rendered_by_b(
    cluster: Cluster,
) -> None:
    manifest = httpx.get(f"{cluster.a.url}/_action/manifest").json()["actions"]
    form = {
        "_action": manifest["actions.accounts.login"],
        "email": "nobody@example.com",
        "password": "not the password",
    }
    headers = {"origin": cluster.a.url, "referer": f"{cluster.a.url}/login"}
    posted = httpx.post(f"{cluster.a.url}/_action", data=form, headers=headers)
    assert posted.status_code == 303
    assert posted.headers["location"].endswith("/login")
    page = httpx.get(f"{cluster.b.url}/login", cookies=posted.cookies)
    assert page.status_code == 200
    assert "Invalid email or password" in page.text
    assert 'value="nobody@example.com"' in page.text  # the value typed, never the password
    assert "not the password" not in page.text


async def test_an_idempotency_key_used_on_a_and_retried_on_b_runs_the_action_once(
    cluster: Cluster,
) -> None:
    key = secrets.token_hex(8)
    title = f"once {key}"
    async with AsyncClient(cluster.a.url) as a, AsyncClient(cluster.b.url) as b:
        first = await a.create_note(NewNote(title=title), idempotency_key=key)
        again = await b.create_note(NewNote(title=title), idempotency_key=key)
        assert again.id == first.id
        notes = await b.list_notes(limit=100)
        assert [n.id for n in notes if n.title == title] == [first.id]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def test_an_avatar_uploaded_through_a_is_served_through_b(cluster: Cluster) -> None:
    client, _ = await signed_up(cluster.a.url)
    async with client:
        stored = await client.upload_avatar(File(png(), filename="me.png"))
    async with httpx.AsyncClient() as http:
        served = await http.get(f"{cluster.b.url}{stored.url}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert served.content[:4] == b"RIFF"


def manifest_ids(url: str) -> dict[str, Any]:
    ids: dict[str, Any] = httpx.get(f"{url}/_action/manifest").json()["actions"]
    return ids


def add_by_id(url: str, ident: str) -> int:
    reply = httpx.post(f"{url}/_action", json={"a": 2, "b": 3}, headers={"authstage-action": ident})
    assert reply.status_code == 200, (url, reply.text)
    value: int = reply.json()["data"]
    return value


def bound_like(url: str, cookie: str, post_id: int) -> dict[str, str]:
    """The hidden fields of a post page's like form: its action ID and session-bound token."""
    page = httpx.get(f"{url}/posts/{post_id}", cookies={COOKIE: cookie})
    form = re.search(r'<form id="like".*?</form>', page.text, re.S)
    assert form is not None, page.text
    return dict(re.findall(r'name="(_action|_bound)" value="([^"]*)"', form.group(0)))


def post_titled(url: str, title: str) -> int:
    """The ID of the newest post titled ``title``, from the posts page."""
    listing = httpx.get(f"{url}/posts").text
    return int(re.findall(rf'href="/posts/(\d+)">{re.escape(title)}', listing)[0])


def post_bound(url: str, cookie: str, fields: dict[str, str]) -> None:
    """Post a bound form's fields to ``url`` as that page's script-less browser would."""
    reply = httpx.post(
        f"{url}/_action", data=fields, cookies={COOKIE: cookie}, headers={"origin": url}
    )
    assert reply.status_code == 200, (url, reply.text)
    assert reply.json()["ok"] is True


async def test_a_secret_rotation_rolled_across_a_then_b_keeps_every_id_token_and_client_working(
    cluster: Cluster,
) -> None:
    old, new = cluster.secret, f"rotated-secret-{secrets.token_hex(16)}"
    old_id = manifest_ids(cluster.a.url)["actions.demo.add"]
    client = AsyncClient(cluster.a.url)
    await client.add(1, 1)
    seen_ids = {old_id}
    author, _ = await signed_up(cluster.a.url)
    await author.create_post(PostIn(title="Rotation", content="Bound tokens survive it."))
    cookie = author.cookies.get(COOKIE)
    assert cookie
    await author.aclose()
    post_id = post_titled(cluster.a.url, "Rotation")
    tokens = [bound_like(cluster.a.url, cookie, post_id)]  # made under the old secret

    def everything_works() -> None:
        for instance in (cluster.a, cluster.b):
            seen_ids.add(manifest_ids(instance.url)["actions.demo.add"])
            tokens.append(bound_like(instance.url, cookie, post_id))
        for ident in seen_ids:  # every ID any instance ever handed out, on every instance
            for instance in (cluster.a, cluster.b):
                assert add_by_id(instance.url, ident) == 5
        for fields in tokens:  # every bound token any instance ever rendered, on every one
            for instance in (cluster.a, cluster.b):
                post_bound(instance.url, cookie, fields)

    try:
        # Step 1: accept the new secret everywhere (still signing with the old one).
        for instance in (cluster.a, cluster.b):
            cluster.run(instance, AUTHSTAGE_PREVIOUS_SECRETS=new)
            everything_works()
            assert await client.add(2, 2) == 4
        # Step 2: sign with the new one, the old one accepted.
        for instance in (cluster.a, cluster.b):
            cluster.run(instance, AUTHSTAGE_SECRET=new, AUTHSTAGE_PREVIOUS_SECRETS=old)
            everything_works()
            assert await client.add(3, 3) == 6  # a client made before the rotation
        new_id = manifest_ids(cluster.b.url)["actions.demo.add"]
        assert new_id != old_id
        async with AsyncClient(cluster.b.url) as fresh:
            assert await fresh.add(4, 4) == 8
    finally:
        await client.aclose()
        cluster.secret = new
        for instance in (cluster.a, cluster.b):  # leave the cluster as the other tests expect
            if instance.env.get("AUTHSTAGE_SECRET") != new:
                cluster.run(instance, AUTHSTAGE_SECRET=new, AUTHSTAGE_PREVIOUS_SECRETS=old)


def test_the_cluster_logs_no_tracebacks(cluster: Cluster) -> None:
    assert not re.search(r"Traceback \(most recent call last\)", cluster.logs())
