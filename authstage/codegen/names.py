"""Identifiers for generated code: action names and type names made valid, readable and unique.

An action's stable name is dotted (``actions.notes.create_note``, or whatever ``@action(name=...)``
says); a client method is named after its last segment (``create_note``, ``createNote`` in
TypeScript), taking more segments only when two actions would otherwise share a name
(``posts_create`` / ``users_create``). Type names work the same way on the component names of
the JSON schema (``NoteOut``, or ``NotesColor`` / ``PaintColor`` for two classes called
``Color``). A name that is a keyword, or taken by the runtime, gets a trailing underscore.

Everything here is a pure function of its input, so generated code is reproducible.
"""

from __future__ import annotations

import keyword
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

__all__ = [
    "PY_RESERVED",
    "TS_RESERVED",
    "camel",
    "group_stems",
    "identifier",
    "module_of",
    "pascal",
    "unique_names",
]

K = TypeVar("K")

_NOT_WORD = re.compile(r"[^0-9A-Za-z_]+")

#: Names generated Python code may not use for methods, parameters and types: keywords, the
#: builtins it refers to and the names the client classes and modules define themselves.
PY_RESERVED = frozenset(
    {
        *keyword.kwlist,
        *keyword.softkwlist,
        "self",
        "cls",
        "int",
        "float",
        "str",
        "bool",
        "bytes",
        "list",
        "dict",
        "set",
        "tuple",
        "frozenset",
        "object",
        "type",
    }
)

#: Reserved words of TypeScript/JavaScript and the global types generated code refers to.
TS_RESERVED = frozenset(
    """
    abstract any arguments as async await boolean break case catch class const constructor
    continue debugger declare default delete do else enum eval export extends false finally for
    from function get if implements import in infer instanceof interface is keyof let module
    namespace never new null number object of package private protected public readonly require
    return set static string super switch symbol this throw true try type typeof undefined
    unique unknown var void while with yield Array Blob Date Error File FormData Map Object
    Promise Record Response Set String
    """.split()  # noqa: SIM905 - a word list reads best as text
)


def identifier(text: str) -> str:
    """``text`` with every run of characters not allowed in an identifier turned into ``_``."""
    word = _NOT_WORD.sub("_", text).strip("_")
    if not word:
        return "x"
    return f"_{word}" if word[0].isdigit() else word


def camel(text: str) -> str:
    """``create_note`` -> ``createNote`` (the first word stays lower-case)."""
    head, *rest = identifier(text).split("_")
    return head[:1].lower() + head[1:] + "".join(part[:1].upper() + part[1:] for part in rest)


def pascal(parts: Iterable[str]) -> str:
    """``["notes", "Color"]`` -> ``NotesColor``."""
    out = ""
    for part in parts:
        for word in identifier(part).split("_"):
            out += word[:1].upper() + word[1:]
    return out or "X"


def unique_names(
    segments: Mapping[K, Sequence[str]],
    render: Callable[[Sequence[str]], str],
    reserved: Iterable[str] = (),
) -> dict[K, str]:
    """One distinct rendered name per key, from the shortest unique suffix of its segments.

    Args:
        segments: each key's name split into segments, most general first.
        render: turns a suffix of segments into a name (``pascal``, a snake-case join, ...).
        reserved: names none of the results may take.
    """
    taken = set(reserved)
    depth = dict.fromkeys(segments, 1)
    while True:
        names = {key: render(segs[-depth[key] :]) for key, segs in segments.items()}
        groups: defaultdict[str, list[K]] = defaultdict(list)
        for key, name in names.items():
            groups[name].append(key)
        grew = False
        for name, keys in groups.items():
            if len(keys) > 1 or name in taken:
                for key in keys:
                    if depth[key] < len(segments[key]):
                        depth[key] += 1
                        grew = True
        if not grew:
            break
    result: dict[K, str] = {}
    used = set(taken)
    for key in sorted(segments, key=lambda k: (names[k], list(segments[k]))):
        name = names[key]
        while name in used:
            name += "_"
        used.add(name)
        result[key] = name
    return result


def module_of(action_name: str) -> str:
    """The module an action's stable name puts it in: everything before the last dot."""
    return action_name.rpartition(".")[0] or "app"


def group_stems(modules: Iterable[str]) -> dict[str, str]:
    """Module -> the file name (no suffix) its actions' client module gets: the shortest unique
    suffix of its dotted path, snake-case (``actions.accounts`` -> ``accounts``)."""
    render = lambda parts: "_".join(identifier(p) for p in parts).lower()  # noqa: E731
    return unique_names({m: m.split(".") for m in modules}, render, PY_RESERVED | TS_RESERVED)
