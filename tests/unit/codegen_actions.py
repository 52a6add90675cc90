"""Actions with every shape of type the generators must handle, and names that collide."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple, TypedDict

import msgspec

from authstage import UploadedFile, action, depends_on


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Cat(msgspec.Struct, tag=True):
    """A cat."""

    name: str
    lives: int = 9


class Dog(msgspec.Struct, tag="dog", rename="camel"):
    good_boy: bool = True


class Pair(msgspec.Struct, array_like=True):
    left: int
    right: str


class Point(NamedTuple):
    x: float
    y: float = 0.0


class Weird(msgspec.Struct):
    """Field names that are not identifiers, or are keywords."""

    class_: int = msgspec.field(name="class")
    dashed: str = msgspec.field(name="with-dash", default="-")
    self: bool = False


class Times(msgspec.Struct):
    at: dt.time
    naive: dt.datetime
    aware: Annotated[dt.datetime, msgspec.Meta(tz=True)]
    span: dt.timedelta
    day: dt.date
    ids: list[uuid.UUID]
    money: Decimal
    raw: bytes
    by_key: dict[str, dt.datetime] = {}
    maybe: int | None = None
    stamp: dt.datetime | None = None
    window: tuple[dt.time, dt.time] | None = None


class Row(TypedDict):
    id: int
    label: str


@dataclasses.dataclass
class Box:
    width: float
    height: float = 1.0


#: Two classes that share a name, from two modules.
OneItem = msgspec.defstruct("Item", [("a", int)], module="tests.first")
OtherItem = msgspec.defstruct("Item", [("b", str)], module="tests.second")


@action(public=True)
async def pets(pet: Cat | Dog) -> list[Cat | Dog]:
    """Tagged unions."""
    return [pet]


@action(public=True)
async def shapes(kind: Literal["square", "circle"], color: Color = Color.RED) -> Color:
    return color


@action(public=True)
async def pairs(pair: Pair, point: Point) -> tuple[int, str]:
    return (pair.left, pair.right)


@action(public=True)
async def weird(w: Weird, options: int = 0, *, idempotency_key: str, extra: int = 1) -> Weird:
    """Parameters named like the clients' own options."""
    return w


@action(public=True)
@depends_on(tags=["search"])
async def search(query: str, client: str = "", *, refresh: int = 0) -> list[str]:
    """A read a call can refresh, its parameters named like the clients' own locals."""
    return [query, client, str(refresh)]


@action(public=True)
async def times(t: Times) -> Times:
    return t


@action(public=True)
async def tables(rows: list[Row], box: Box) -> dict[str, Box]:
    return {}


@action(public=True)
async def items(one: OneItem, other: OtherItem) -> None:  # type: ignore[valid-type]
    return None


@action(public=True)
async def files(
    one: UploadedFile, maybe: UploadedFile | None = None, many: list[UploadedFile] | None = None
) -> int:
    return 1


@action(public=True)
async def anything(value: Any, blob: dict[str, Any]) -> Any:
    return value


@action(name="first.save", public=True)
async def save_first(a: int) -> int:
    return a


@action(name="second.save", public=True)
async def save_second(b: int) -> int:
    return b


@action(name="codegen.delete", public=True)
async def delete(id: int) -> None:
    return None


@action(roles=["admin"])
async def admin_only() -> str:
    """Only admins."""
    return "ok"
