"""Which failures mean "the database is down" (503), and one log line per state change."""

from __future__ import annotations

import logging
import sqlite3

import asyncpg
import pytest

from authstage.outage import Outage, database_unavailable, is_database_down


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.OperationalError("database is locked"),
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.InterfaceError("pool is closing"),
    ],
)
def test_these_mean_the_database_is_down(exc: BaseException) -> None:
    assert is_database_down(exc)


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.OperationalError("no such table: note"),
        FileNotFoundError("avatar.png"),
        ValueError("bad value"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.UndefinedTableError("relation does not exist"),
    ],
)
def test_these_are_not_outages(exc: BaseException) -> None:
    assert not is_database_down(exc)
    assert database_unavailable(exc) is None


def test_the_answer_is_503_with_retry_after() -> None:
    answer = database_unavailable(ConnectionRefusedError())
    assert answer is not None
    assert answer.body().code == "UNAVAILABLE"
    assert answer.headers == {"retry-after": "2"}


def test_an_outage_logs_when_it_starts_and_ends_and_counts_in_between(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="authstage")
    outage = Outage("database")
    for _ in range(100):
        outage.failed(ConnectionRefusedError(111, "refused"))
    outage.succeeded()
    outage.succeeded()
    messages = [r.getMessage() for r in caplog.records if r.name == "authstage"]
    assert len(messages) == 2
    assert messages[0].startswith("database unavailable: ConnectionRefusedError")
    assert messages[1].startswith("database is back after")
    assert "100 calls refused" in messages[1]
    assert outage.refused == 100
    assert not outage.down
