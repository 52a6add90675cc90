"""Hypothesis strategies for hostile ``POST /_action`` requests.

Bodies are built from the names the fuzz actions really use (parameters, Struct fields, dotted
names, the protocol's own fields) mixed with random ones, and from values that are well typed,
wrongly typed, huge, deep or malformed, so most requests get past the first checks and reach
decoding, conversion and the actions themselves.
"""

from __future__ import annotations

import base64
import json
import string
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

#: Parameter and field names of the fuzz actions, and the protocol's own form fields.
NAMES = [
    "a", "b", "c", "d", "data", "name", "age", "tags", "address", "street", "zip", "kind",
    "active", "left", "right", "left.street", "right.zip", "data.name", "data.tags", "items",
    "names", "pair", "mapping", "note", "when", "day", "ident", "price", "blob", "choice",
    "payload", "extra", "file", "more", "caption", "owner", "item", "amount", "root", "label",
    "children", "flag", "level", "_args", "_bound", "_action", "_manifest", "_form",
]  # fmt: skip
CHARSETS = ["utf-8", "UTF8", "us-ascii", "latin1", "iso-8859-1", "punycode", "unicode_escape",
            "utf-16", "idna", "x-nope", "", '"utf-8"']  # fmt: skip

names = st.sampled_from(NAMES) | st.text(max_size=12)
texts = st.text(max_size=40) | st.sampled_from(
    ["", " ", "on", "off", "true", "1", "0", "-1", "1e400", "NaN", "a", "b", "x", "y",
     "2024-01-02", "2024-01-02T03:04:05Z", "12345678-1234-5678-1234-567812345678", "1.50",
     "aGVsbG8=", "\x00", "a\x00b", "\ud800", "€", "/done", "null", "{}", "[]"]
)  # fmt: skip
numbers = st.integers() | st.integers(min_value=-(10**400), max_value=10**400) | st.floats()


def _json_leaf() -> st.SearchStrategy[Any]:
    return st.none() | st.booleans() | numbers | texts


json_values = st.recursive(
    _json_leaf(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(names, children, max_size=5),
    max_leaves=25,
)


def encode_args(value: Any) -> bytes:
    """JSON text of ``value``, with the big numbers, NaN and lone surrogates (escaped) that
    strict encoders refuse."""
    return json.dumps(value, allow_nan=True).encode()


def person_like() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": texts},
        optional={
            "age": st.integers(-5, 200) | json_values,
            "tags": st.lists(texts, max_size=4) | json_values,
            "address": st.fixed_dictionaries({"street": texts}, optional={"zip": texts})
            | json_values,
            "kind": st.sampled_from(["a", "b", "c"]),
            "active": st.booleans() | json_values,
        },
    )


argument_objects = st.dictionaries(names, json_values | person_like(), max_size=6)


DEPTHS = [2, 50, 400, 900, 980, 1000, 1100, 5000, 100_000]
DEEP_NAMES = ["payload", "extra", "root", "items", "data", "a"]
DEEP_SHAPES = ["list", "dict", "node"]


def deep_body(depth: int, name: str, shape: str) -> bytes:
    """An argument object whose value ``name`` is nested ``depth`` levels in ``shape``."""
    if shape == "list":
        inner = b"[" * depth + b"]" * depth
    elif shape == "dict":
        inner = b'{"k":' * depth + b"1" + b"}" * depth
    else:
        inner = b'{"label":"x","children":[' * depth + b"]}" * depth
    return b'{"' + name.encode() + b'":' + inner + b"}"


#: (depth, name, shape) of a deep body: drawn small, so a failing case prints small.
deep_shapes = st.tuples(
    st.sampled_from(DEPTHS), st.sampled_from(DEEP_NAMES), st.sampled_from(DEEP_SHAPES)
)


@st.composite
def json_bodies(draw: st.DrawFn) -> bytes:
    """Valid, broken, deep and random JSON bodies."""
    kind = draw(st.sampled_from(["valid", "valid", "valid", "broken", "deep", "random"]))
    if kind == "deep":
        return deep_body(*draw(deep_shapes))
    if kind == "random":
        return draw(st.binary(max_size=200))
    body = encode_args(draw(argument_objects | json_values))
    if kind == "broken" and body:
        at = draw(st.integers(0, len(body)))
        junk = draw(st.binary(max_size=4))
        body = body[:at] + junk + body[at + draw(st.integers(0, 3)) :]
    return body


@st.composite
def urlencoded_bodies(draw: st.DrawFn, pairs: list[tuple[str, str]]) -> bytes:
    """``a=1&b=2`` bodies from ``pairs`` plus random ones, odd escapes, or raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    pairs = pairs + draw(st.lists(st.tuples(names, texts), max_size=3))
    if draw(st.integers(0, 3)) == 0:
        pairs.append(("_args", encode_args(draw(argument_objects)).decode()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1"]))
    body = "&".join(
        quote(k.encode(encoding, "replace"), safe="") + "=" + quote(v.encode(encoding, "replace"))
        for k, v in draw(st.permutations(pairs))
    ).encode()
    if draw(st.integers(0, 4)) == 0:  # raw bytes and broken escapes
        body += draw(st.sampled_from([b"&%", b"&a=%G1", b"&\xff=\xfe", b"&&&", b"&x=%00", b"=;"]))
    return body


PART_HEADERS = [b"X: y", b"Content-Length: 3", b"bad header", b"Content-Type: image/png",
                b"Content-Transfer-Encoding: base64"]  # fmt: skip
boundaries = st.text(alphabet=string.ascii_letters + string.digits + "'()+_,-./:=? ", min_size=1,
                     max_size=72) | st.sampled_from(["", "x", "--", "a" * 200])  # fmt: skip


@st.composite
def multipart_bodies(
    draw: st.DrawFn, pairs: list[tuple[str, str]], files: list[str]
) -> tuple[str, bytes]:
    """(boundary, body): ``pairs`` and file parts named ``files`` as parts, plus random ones,
    with random part headers, charsets, filenames and broken framing."""
    boundary = draw(boundaries)
    b = boundary.encode("utf-8")
    parts: list[tuple[str, bytes, str | None]] = [
        (k, v.encode("utf-8", "surrogatepass"), None) for k, v in pairs
    ]
    parts += [(name, draw(st.binary(max_size=60)), draw(texts)) for name in files]
    for _ in range(draw(st.integers(0, 3))):
        filename = draw(st.none() | texts | st.sampled_from(['a"b', "a\x00b", "../x.py"]))
        parts.append((draw(names), draw(st.binary(max_size=60)), filename))
    chunks: list[bytes] = []
    for name, data, filename in draw(st.permutations(parts)):
        disposition = b'Content-Disposition: form-data; name="' + name.encode("utf-8", "replace")
        disposition += b'"'
        if filename is not None:
            disposition += b'; filename="' + filename.encode("utf-8", "replace") + b'"'
        headers = [disposition]
        if draw(st.integers(0, 3)) == 0:
            charset = draw(st.sampled_from(CHARSETS))
            headers.append(b"Content-Type: text/plain; charset=" + charset.encode())
        if draw(st.integers(0, 7)) == 0:
            headers.append(draw(st.sampled_from(PART_HEADERS)))
        chunks.append(b"--" + b + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + data + b"\r\n")
    body = b"".join(chunks) + b"--" + b + b"--\r\n"
    framing = draw(st.sampled_from(["ok", "ok", "ok", "truncate", "lf", "junk"]))
    if framing == "truncate":
        body = body[: draw(st.integers(0, len(body)))]
    elif framing == "lf":
        body = body.replace(b"\r\n", b"\n")
    elif framing == "junk":
        body = draw(st.binary(max_size=10)) + body + draw(st.binary(max_size=10))
    return boundary, body


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A well-typed value, sometimes swapped for any JSON value."""
    return strategy | strategy | strategy | json_values


_address = st.fixed_dictionaries({"street": texts}, optional={"zip": st.none() | texts})
_node = st.recursive(
    st.fixed_dictionaries({"label": texts}),
    lambda children: st.fixed_dictionaries(
        {"label": texts, "children": st.lists(children, max_size=3)}
    ),
    max_leaves=10,
)
_b64 = st.binary(max_size=20).map(lambda b: base64.b64encode(b).decode())

#: Well-typed (mostly) arguments for each fuzz action, by action name.
TYPED_ARGS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "scalars": st.fixed_dictionaries(
        {"a": _opt(st.integers())},
        optional={
            "b": _opt(st.floats() | st.integers()),
            "c": _opt(texts),
            "d": _opt(st.booleans()),
        },
    ),
    "person": st.fixed_dictionaries({"data": _opt(person_like())}),
    "two_structs": st.fixed_dictionaries(
        {"left": _opt(_address)}, optional={"right": _opt(st.none() | _address)}
    ),
    "collections": st.fixed_dictionaries(
        {"items": _opt(st.lists(st.integers(), max_size=5))},
        optional={
            "names": _opt(st.lists(texts, max_size=4)),
            "pair": _opt(st.none() | st.tuples(st.integers(), texts).map(list)),
            "mapping": _opt(st.dictionaries(texts, st.floats(), max_size=3)),
        },
    ),
    "optional": st.fixed_dictionaries(
        {},
        optional={
            "note": _opt(st.none() | texts),
            "when": _opt(st.datetimes().map(lambda d: d.isoformat() + "Z")),
            "day": _opt(st.dates().map(str)),
            "ident": _opt(st.uuids().map(str)),
            "price": _opt(
                st.decimals(allow_nan=False).map(str) | st.sampled_from(["1e999999", "-0"])
            ),
            "blob": _opt(_b64),
            "choice": _opt(st.sampled_from(["x", "y", "z"])),
        },
    ),
    "free": st.fixed_dictionaries(
        {"payload": _opt(st.dictionaries(names, json_values, max_size=4))},
        optional={"extra": json_values},
    ),
    "upload": st.fixed_dictionaries(
        {
            "file": _opt(
                st.fixed_dictionaries({"filename": texts, "content_type": texts, "data": _b64})
            )
        },
        optional={"caption": _opt(texts)},
    ),
    "bound": st.fixed_dictionaries(
        {"owner": _opt(st.integers()), "item": _opt(texts)},
        optional={"amount": _opt(st.integers())},
    ),
    "tree": st.fixed_dictionaries({"root": _opt(_node)}),
    "keywords": st.fixed_dictionaries(
        {}, optional={"flag": _opt(st.booleans()), "level": _opt(st.integers())}
    ),
    "fails": st.fixed_dictionaries(
        {"kind": _opt(st.sampled_from(["validation", "not_found", "conflict", "redirect", "x"]))}
    ),
    "private": st.just({}),
}


def form_pairs(args: dict[str, Any]) -> list[tuple[str, str]]:
    """A browser's view of ``args``: Struct fields flattened (or dotted), lists repeated, booleans
    as checkboxes, everything else as text."""
    pairs: list[tuple[str, str]] = []

    def add(name: str, value: Any) -> None:
        if isinstance(value, bool):
            if value:
                pairs.append((name, "on"))
        elif isinstance(value, list):
            for item in value:
                add(name, item)
        elif value is None:
            pairs.append((name, ""))
        elif isinstance(value, dict):
            pairs.append((name, encode_args(value).decode()))
        else:
            pairs.append((name, str(value)))

    for name, value in args.items():
        if isinstance(value, dict) and name != "payload":
            for field, sub in value.items():
                add(field if len(pairs) % 2 else f"{name}.{field}", sub)
        else:
            add(name, value)
    return pairs
