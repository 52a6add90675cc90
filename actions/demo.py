"""Demo actions proving the protocol end to end (no database)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from authstage import action

__all__ = ["add"]

Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


@action(public=True)
async def add(a: Int64, b: Int64) -> int:
    """Add two integers: the no-op action of the benchmark."""
    return a + b
