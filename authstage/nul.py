"""NUL characters in text arguments: found while decoding, refused before anything runs.

PostgreSQL cannot store U+0000 in ``text``: the insert fails inside the action, after it has
done its work (signup had already spent an argon2 hash), and the caller gets a 500. SQLite keeps
the character, and tools that read the value as a C string cut it off there. No form or API has
a use for it, so every ``str`` anywhere in a call's arguments (parameters, Struct and dataclass
fields, list items, dict keys and values, an uploaded file's name) is checked, and a NUL is a
422 ``VALIDATION`` naming the field: the same answer on both engines, from JSON and forms alike.

What it costs: the walk visits every decoded value, so callers run it only when the body can
hold a NUL at all. JSON carries one only as the escape ``\\u0000`` (msgspec refuses a raw NUL
byte), so a bytes ``in`` test on the body gates it; a form notes NULs while it is parsed. The
walk is iterative: arguments may be nested as deep as msgspec's decoder allows, deeper than
Python recursion would go from the request path.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec

__all__ = ["JSON_NUL", "NUL_MESSAGE", "nul_paths"]

#: How a NUL appears in a JSON body (the only way it can).
JSON_NUL = b"\\u0000"
NUL_MESSAGE = "Must not contain the NUL character"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def nul_paths(value: Any) -> list[str]:
    """The paths (``data.title``, ``tags[0]``) of every text in ``value`` that holds a NUL.

    A dict key with a NUL is reported at the dict's own path (the key is not a usable name).
    """
    found: list[str] = []
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(path)
        elif isinstance(item, msgspec.Struct):
            names = zip(item.__struct_fields__, item.__struct_encode_fields__, strict=True)
            pending.extend((getattr(item, name), _join(path, key)) for name, key in names)
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str) and "\x00" in key:
                    found.append(path)
                    pending.append((sub, path))
                else:
                    pending.append((sub, _join(path, str(key))))
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend((sub, f"{path}[{i}]") for i, sub in enumerate(item))
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            fields = dataclasses.fields(item)
            pending.extend((getattr(item, f.name), _join(path, f.name)) for f in fields)
    return found
