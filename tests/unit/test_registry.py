"""Registration: signature analysis at startup, duplicate names, module collection."""

from __future__ import annotations

import socket
from typing import Any

import msgspec
import pytest

from authstage import RegistrationError, action
from authstage.keys import KeyRing
from authstage.registry import Registry, spec_of
from tests.unit import sample_actions as sa

KEYS = KeyRing.from_strings("k" * 32)


def test_unsupported_parameter_type_fails_at_registration() -> None:
    with pytest.raises(RegistrationError, match="msgspec cannot decode socket"):

        @action
        async def bad(conn: socket.socket) -> None: ...


class Holder(msgspec.Struct):
    sock: socket.socket


def test_unsupported_nested_type_is_named() -> None:
    with pytest.raises(RegistrationError, match="socket"):

        @action
        async def bad(h: Holder) -> None: ...


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("async def f(x) -> int: ...", "no annotation"),
        ("async def f(*xs: int) -> int: ...", "not supported"),
        ("async def f(_action: int) -> int: ...", "reserved"),
        ("async def f(x: int): ...", "annotate the return type"),
        ("def f(x: int) -> int: ...", "async def"),
    ],
)
def test_bad_signatures_fail_with_a_clear_message(source: str, message: str) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    with pytest.raises(RegistrationError, match=message):
        action(namespace["f"])


def test_unencodable_return_type_fails() -> None:
    with pytest.raises(RegistrationError, match="cannot encode"):

        @action
        async def bad() -> socket.socket: ...  # type: ignore[empty-body]


def test_duplicate_names_fail_at_startup() -> None:
    @action(name="same")
    async def one() -> None: ...

    @action(name="same")
    async def two() -> None: ...

    with pytest.raises(RegistrationError, match="two actions share the name 'same'"):
        Registry([one, two], KEYS)


def test_same_function_listed_twice_is_fine() -> None:
    registry = Registry([sa, sa.add], KEYS)
    assert registry.id_of(sa.add) == registry.ids["tests.unit.sample_actions.add"][0]


def test_module_collection_finds_every_action() -> None:
    registry = Registry(["tests.unit.sample_actions"], KEYS)
    assert "stable.kw" in registry.specs
    aid = registry.id_of(sa.add)
    assert registry.by_id[aid.encode()] is spec_of(sa.add)
    assert b"0" * 42 not in registry.by_id


def test_id_of_an_unregistered_action_is_an_error() -> None:
    @action
    async def loner() -> None: ...

    with pytest.raises(RegistrationError, match="not registered"):
        Registry([sa], KEYS).id_of(loner)
    with pytest.raises(RegistrationError, match="not an action"):
        spec_of(len)


def test_manifest_changes_with_signatures() -> None:
    @action(name="m")
    async def v1(a: int) -> int:
        return a

    @action(name="m")
    async def v2(a: str) -> int:
        return 0

    assert Registry([v1], KEYS).manifest != Registry([v2], KEYS).manifest
    assert Registry([v1], KEYS).manifest == Registry([v1], KEYS).manifest


def test_decorated_function_is_still_callable() -> None:
    import asyncio

    assert asyncio.run(sa.add(1, 2)) == 3


def test_bad_max_body_size() -> None:
    with pytest.raises(RegistrationError):

        @action(max_body_size=0)
        async def f() -> None: ...


def test_unknown_option_fails_at_registration_naming_it_and_the_valid_ones() -> None:
    with pytest.raises(RegistrationError, match="unknown option pubic") as caught:
        action(pubic=True)  # type: ignore[call-overload]  # mypy catches it too

    for valid in ("public", "name", "max_body_size", "roles", "client", "extensions"):
        assert valid in str(caught.value)


def test_declared_options_and_extension_settings_are_kept_on_the_spec() -> None:
    @action(public=True, client=False, extensions={"audit": {"level": 2}})
    async def hidden() -> None: ...

    spec = spec_of(hidden)
    assert spec.options == {"client": False}
    assert spec.extensions == {"audit": {"level": 2}}
    assert spec_of(sa.add).options == {}
    assert spec_of(sa.add).extensions == {}
