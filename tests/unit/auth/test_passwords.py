"""argon2id hashing: off the loop, length-checked first, rehash on parameter change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from authstage.auth.passwords import PasswordHasher, check_length
from authstage.errors import ValidationFailed

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def counting(hasher: PasswordHasher) -> list[str]:
    calls: list[str] = []
    run = hasher._run

    async def wrapped(fn: Any, *args: Any) -> Any:
        calls.append(fn.__name__)
        return await run(fn, *args)

    hasher._run = wrapped  # type: ignore[method-assign]
    return calls


async def test_hash_and_verify() -> None:
    hasher = PasswordHasher(**FAST)
    stored = await hasher.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert (await hasher.verify(stored, "correct horse")).ok
    assert not (await hasher.verify(stored, "wrong horse!")).ok
    assert not (await hasher.verify("not-a-hash", "correct horse")).ok


async def test_rehash_when_parameters_change() -> None:
    old = await PasswordHasher(**FAST).hash("correct horse")
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    verified = await stronger.verify(old, "correct horse")
    assert verified.ok and verified.new_hash is not None
    assert (await stronger.verify(verified.new_hash, "correct horse")).new_hash is None


async def test_lengths_are_checked_before_hashing() -> None:
    hasher = PasswordHasher(**FAST)
    calls = counting(hasher)
    for bad in ["short", "x" * 1_000_000]:
        with pytest.raises(ValidationFailed) as info:
            await hasher.hash(bad)
        assert list(info.value.field_errors) == ["password"]
        assert not (await hasher.verify("$argon2id$whatever", bad)).ok
    assert calls == []


async def test_unknown_user_costs_one_verification_too() -> None:
    hasher = PasswordHasher(**FAST)
    stored = await hasher.hash("correct horse")
    calls = counting(hasher)
    assert not (await hasher.verify(None, "correct horse")).ok
    assert not (await hasher.verify(stored, "wrong horse!")).ok
    assert calls == ["_verify", "_verify"]


async def test_hashing_does_not_block_the_event_loop() -> None:
    hasher = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1, concurrency=1)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    await asyncio.gather(*(hasher.hash("correct horse") for _ in range(3)))
    task.cancel()
    assert ticks > 3


def test_check_length_messages() -> None:
    check_length("x" * 8)
    with pytest.raises(ValidationFailed, match="Invalid input"):
        check_length("x" * 257)
