"""What every benchmark server shares: the secret, the argument types and the database."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import msgspec

from authstage.observe import ACCESS_LOGGER

__all__ = [
    "DSN",
    "POOL_SIZE",
    "SECRET",
    "AddArgs",
    "Int32",
    "Int64",
    "Name",
    "RowArgs",
]

# Every peer runs without an access log (uvicorn is started with --no-access-log too).
logging.getLogger(ACCESS_LOGGER).setLevel(logging.WARNING)

#: A fixed benchmark secret, so the runner computes the same action IDs as the servers.
SECRET = "authstage-benchmark-secret-0123456789abcdef"

#: The PostgreSQL database of the DB insert comparison.
DSN = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/authstage_bench")

#: Connection pool size of every DB peer (min = max, opened at app startup): all the servers of
#: a full run are up at once, and their 14 pools must fit PostgreSQL's default 100 connections.
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "5"))

#: The same constrained integer the demo action uses (a JSON number that fits a BIGINT).
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
#: An integer that fits the INTEGER column of the benchmark table.
Int32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
#: A string that fits the VARCHAR(100) column of the benchmark table.
Name = Annotated[str, msgspec.Meta(max_length=100)]


class AddArgs(msgspec.Struct, forbid_unknown_fields=True):
    """``{"a": int, "b": int}``: the body of the no-op peers."""

    a: Int64
    b: Int64


class RowArgs(msgspec.Struct, forbid_unknown_fields=True):
    """``{"name": str, "value": int}``: the body of the DB insert peers."""

    name: Name
    value: Int32
