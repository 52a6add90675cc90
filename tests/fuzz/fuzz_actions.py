"""The actions the fuzz suite calls: one of each kind of signature the framework supports.

Each accepts every well-typed input without failing (so anything but an expected error is a
framework bug), and returns something built from its arguments, so the result encoder runs on
hostile values too.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from authstage import Conflict, UploadedFile, ValidationFailed, action, not_found, redirect


class Kind(enum.Enum):
    A = "a"
    B = "b"


class Address(msgspec.Struct):
    street: Annotated[str, Meta(max_length=50)]
    zip: str | None = None


class Person(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    age: Annotated[int, Meta(ge=0, le=150)] = 0
    tags: list[str] = []
    address: Address | None = None
    kind: Kind = Kind.A
    active: bool = False


class Node(msgspec.Struct):
    label: str
    children: list[Node] = []


@action(public=True)
async def scalars(a: int, b: float = 0.0, c: str = "", d: bool = False) -> list[Any]:
    return [a, b, c, d]


@action(public=True)
async def person(data: Person) -> Person:
    return data


@action(public=True)
async def two_structs(left: Address, right: Address | None = None) -> list[Address | None]:
    return [left, right]


@action(public=True)
async def collections(
    items: list[int],
    names: set[str] = set(),  # noqa: B006 - msgspec copies defaults
    pair: tuple[int, str] | None = None,
    mapping: dict[str, float] = {},  # noqa: B006
) -> int:
    return len(items) + len(names) + len(mapping) + (pair is not None)


@action(public=True)
async def optional(
    note: str | None = None,
    when: dt.datetime | None = None,
    day: dt.date | None = None,
    ident: uuid.UUID | None = None,
    price: Decimal | None = None,
    blob: bytes | None = None,
    choice: Literal["x", "y"] = "x",
) -> dict[str, Any]:
    return {
        "note": note,
        "when": when,
        "day": day,
        "ident": ident,
        "price": price,
        "blob": blob,
        "choice": choice,
    }


@action(public=True)
async def free(payload: dict[str, Any], extra: Any = None) -> dict[str, Any]:
    return {"keys": sorted(payload), "extra": extra}


@action(public=True, max_body_size=1 << 16)
async def upload(file: UploadedFile, more: list[UploadedFile] = [], caption: str = "") -> int:  # noqa: B006
    return file.size + sum(f.size for f in more) + len(caption)


@action(public=True)
async def bound(owner: int, item: str, *, amount: Annotated[int, Meta(ge=1)] = 1) -> str:
    return f"{owner}:{item}:{amount}"


@action(public=True)
async def tree(root: Node) -> int:
    count, pending = 0, [root]
    while pending:
        node = pending.pop()
        count += 1
        pending.extend(node.children)
    return count


@action(public=True)
async def keywords(*, flag: bool = False, level: int = 0) -> bool:
    return flag and level > 0


@action(public=True)
async def fails(kind: Literal["validation", "not_found", "conflict", "redirect"]) -> None:
    if kind == "validation":
        raise ValidationFailed("Nope", field_errors={"kind": ["Nope"]})
    if kind == "conflict":
        raise Conflict("Taken", field_errors={"kind": ["Taken"]})
    if kind == "redirect":
        redirect("/done")
    not_found("No such thing")


@action
async def private() -> None: ...


ALL = [
    scalars,
    person,
    two_structs,
    collections,
    optional,
    free,
    upload,
    bound,
    tree,
    keywords,
    fails,
    private,
]
