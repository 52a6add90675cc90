"""Peer: a FastAPI ``@app.post`` route taking a pydantic model and returning the sum."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["create_app"]

#: The bounds of ``common.Int64`` (a JSON number that fits a BIGINT).
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class AddArgs(BaseModel):
    """``{"a": int, "b": int}``, unknown fields refused like ``common.AddArgs``."""

    model_config = ConfigDict(extra="forbid")

    a: Int64
    b: Int64


def create_app() -> FastAPI:
    """A FastAPI app with the one route."""
    app = FastAPI()

    @app.post("/add")
    async def add_route(args: AddArgs) -> int:
        """Add two integers."""
        return args.a + args.b

    return app
