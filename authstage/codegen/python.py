"""Writing the Python client: an installable package with msgspec types and typed methods.

The package (``authstage_client`` by default) holds:

- ``types.py``: one msgspec Struct per object type of the schema (``kw_only``, defaults kept,
  unknown fields ignored so a newer server can add some), ``Literal`` aliases for enums and
  tuple aliases for array-like types;
- ``client.py``: ``AsyncClient``, one typed method per action
  (``await client.create_note(NewNote(title="x"))``); optional parameters default to ``UNSET``
  and are not sent, so the server's default applies; every method takes the call options
  (``idempotency_key=``, ``refresh=``) as ``**options: Unpack[CallOptions]``; ``queries``, one
  ``Query`` maker per read that declares its dependencies, for a call's ``refresh=[...]``;
- ``sync_client.py``: ``Client``, the same methods blocking;
- ``__init__.py`` exporting both, the errors and the upload helpers; ``pyproject.toml``;
- the runtime modules from ``authstage/codegen/pyruntime``, copied verbatim.

It imports only httpx and msgspec: nothing of the server.
"""

from __future__ import annotations

import re
from importlib.resources import files

from authstage.codegen.errortable import fill_error_table, python_error_table
from authstage.codegen.names import PY_RESERVED, identifier, unique_names
from authstage.codegen.pytypes import (
    GENERATED,
    WIDTH,
    PyRenderer,
    docstring,
    export_order,
    imports_for,
    literal,
    or_unset,
    type_names,
    types_module,
)
from authstage.schema import ActionModel, ClientModel, ParamModel

__all__ = ["RUNTIME_EXPORTS", "method_names", "python_files"]

RUNTIME_MODULES = ("batching", "blocking", "errors", "protocol", "refresh", "transport", "uploads")

#: Names the package's ``__init__`` exports from the runtime, by module.
RUNTIME_EXPORTS: dict[str, tuple[str, ...]] = {
    "errors": (
        "ActionError",
        "BadRequestError",
        "ClientError",
        "ConflictError",
        "CrossSiteError",
        "ForbiddenError",
        "InternalError",
        "MethodNotAllowedError",
        "NotFoundError",
        "PayloadTooLargeError",
        "RateLimitedError",
        "StaleClientError",
        "TransportError",
        "UnauthorizedError",
        "UnavailableError",
        "UnsupportedMediaTypeError",
        "ValidationError",
    ),
    "protocol": ("Manifest", "Revalidation"),
    "refresh": ("CallOptions", "Fresh", "Query"),
    "transport": ("RedirectHook", "RefreshHook", "RevalidateHook", "StaleHook"),
    "uploads": ("File", "Upload"),
}
#: Attributes of the runtime classes: no action method may take these names.
_CLIENT_ATTRS = frozenset(
    {"action_path", "aclose", "close", "contract", "cookies", "http", "manifest", "retries"}
    | {"on_redirect", "on_revalidate", "on_stale", "on_refresh"}
)
_CLIENT_NAMES = (
    *("AsyncClient", "Client", "CONTRACT", "ActionInfo", "AsyncRuntime", "SyncRuntime"),
    *("Queries", "queries"),
)
#: The keys of ``CallOptions`` (pyruntime/refresh.py), which every method takes as ``**options``.
_OPTION_KEYS = ("idempotency_key", "refresh")
_OPTIONS = "options"
#: A name as code uses it (not an attribute after a dot).
_WORD = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


def _signature(name: str, params: list[str], result: str, *, is_async: bool) -> str:
    head = f"    {'async ' if is_async else ''}def {name}("
    one = f"{head}{', '.join(params)}) -> {result}:"
    if len(one) <= WIDTH:
        return one
    hug = f"        {', '.join(params)}"
    if len(hug) <= WIDTH:
        return f"{head}\n{hug}\n    ) -> {result}:"
    return f"{head}\n" + "".join(f"        {p},\n" for p in params) + f"    ) -> {result}:"


def _param(p: ParamModel, attr: str, r: PyRenderer) -> str:
    if p.file == "one":
        annotation = "Upload"
    elif p.file == "optional":
        annotation = "Upload | None"
    elif p.file == "many":
        annotation = "_t.Sequence[Upload]"
    else:
        annotation = r.type(p.schema)
    return (
        f"{attr}: {annotation}"
        if p.required
        else f"{attr}: {or_unset(annotation, 'UnsetType')} = UNSET"
    )


def _method_doc(action: ActionModel) -> str:
    doc = action.doc or f"Call ``{action.name}``."
    if not action.public:
        doc += " Requires a signed-in user"
        doc += f" with the role {' or '.join(action.roles)}." if action.roles else "."
    defaults = [f"``{p.name}`` {p.default}" for p in action.params if p.default is not None]
    if defaults:
        doc += " Server defaults: " + ", ".join(defaults) + "."
    return doc


def _methods(action: ActionModel, method: str, constant: str, r: PyRenderer) -> list[str]:
    attrs = _attrs(action)
    positional = [_param(p, attrs[p.name], r) for p in action.params if not p.keyword_only]
    keyword = [_param(p, attrs[p.name], r) for p in action.params if p.keyword_only]
    star = ["*", *keyword] if keyword else []
    params = ["self", *positional, *star, f"**{_OPTIONS}: _t.Unpack[CallOptions]"]
    result = r.type(action.result)
    pairs = ", ".join(f"{literal(p.name)}: {attrs[p.name]}" for p in action.params)
    args = f"{{{pairs}}}"
    out = []
    for is_async in (True, False):
        head = f"{'await ' if is_async else ''}self._call("
        call = f"{head}{constant}, {args}, **{_OPTIONS})"
        hug = f"            {constant}, {args}, **{_OPTIONS}"
        if len(f"        return {call}") <= WIDTH:
            pass
        elif len(hug) <= WIDTH:
            call = f"{head}\n{hug}\n        )"
        else:
            items = "".join(
                f"                {literal(p.name)}: {attrs[p.name]},\n" for p in action.params
            )
            call = (
                f"{head}\n            {constant},\n"
                f"            {{\n{items}            }},\n            **{_OPTIONS},\n        )"
            )
        out.append(
            _signature(method, params, result, is_async=is_async)
            + "\n"
            + docstring(_method_doc(action), "        ")
            + f"\n        return {call}\n"
        )
    return out


def _attrs(action: ActionModel) -> dict[str, str]:
    """Parameter -> the name it has in the generated methods (none of the options' names)."""
    taken = {*_OPTION_KEYS, _OPTIONS, "self"}
    return {p.name: p.name + "_" if p.name in taken else p.name for p in action.params}


def _query(action: ActionModel, method: str, constant: str, r: PyRenderer) -> str:
    """``queries.<read>(...)``: the read as a ``Query`` for a mutation's ``refresh=``."""
    attrs = _attrs(action)
    positional = [_param(p, attrs[p.name], r) for p in action.params if not p.keyword_only]
    keyword = [_param(p, attrs[p.name], r) for p in action.params if p.keyword_only]
    params = [*positional, *(["*", *keyword] if keyword else [])]
    result = r.type(action.result)
    pairs = ", ".join(f"{literal(p.name)}: {attrs[p.name]}" for p in action.params)
    doc = f"``{method}`` as a read to refresh: ``refresh=[queries.{method}(...)]``."
    return (
        "    @staticmethod\n"
        + _signature(method, params, f"Query[{result}]", is_async=False)
        + "\n"
        + docstring(doc, "        ")
        + f"\n        return Query({constant}, {{{pairs}}})\n"
    )


def _client_modules(
    model: ClientModel, names: dict[str, str], methods: dict[str, str]
) -> tuple[str, str]:
    """``client.py`` (the contract, the actions' ``ActionInfo``, ``AsyncClient`` and ``Queries``)
    and ``sync_client.py`` (``Client``, which takes the rest from ``client.py``)."""
    r = PyRenderer(names)
    constants, async_methods, sync_methods, queries, used = [], [], [], [], []
    for action in model.actions:
        method = methods[action.name]
        constant = "_" + method.upper()
        used.append(constant)
        result = r.type(action.result)
        files = [p.name for p in action.params if p.file]
        listed = ", ".join(literal(f) for f in files) + ("," if len(files) == 1 else "")
        extra = f", files=({listed})" if files else ""
        arguments = f"{literal(action.name)}, {result}{extra}"
        line = f"{constant} = ActionInfo[{result}]({arguments})"
        constants.append(
            line if len(line) <= WIDTH else f"{line[: -len(arguments) - 1]}\n    {arguments}\n)"
        )
        async_code, sync_code = _methods(action, method, constant, r)
        async_methods.append(async_code)
        sync_methods.append(sync_code)
        if action.refreshable:
            queries.append(_query(action, method, constant, r))
    body = (
        "\n".join(constants)
        + "\n\n\nclass AsyncClient(AsyncRuntime):\n"
        + '    """The actions as ``async`` methods (``async with AsyncClient(url)``)."""\n\n'
        + "    contract = CONTRACT\n\n"
        + "\n".join(async_methods)
        + "\n\nclass Queries:\n"
        + '    """The reads a call can refresh: ``refresh=[queries.read(...)]``."""\n'
        + ("\n" + "\n".join(queries) if queries else "")
        + "\n\n#: The reads a call can refresh (``Queries``).\nqueries = Queries()\n"
    )
    doc = (
        '"""The actions as typed ``async`` methods (``AsyncClient``) and ``queries``.\n\n'
        '    async with AsyncClient("http://127.0.0.1:8000") as client:\n'
        "        value = await client.<action>(...)\n\n"
        "The blocking ``Client`` is in sync_client.py.\n"
        '"""\n\n'
    )
    local = [
        "from .protocol import ActionInfo",
        "from .refresh import CallOptions, Query",
        "from .transport import AsyncRuntime",
    ]
    client = (
        _module_head(doc, body, local, names)
        + '\n\n__all__ = ["CONTRACT", "AsyncClient", "Queries", "queries"]\n\n'
        + "#: The contract (action names and schemas) this client was generated from.\n"
        + f"CONTRACT = {literal(model.contract)}\n\n"
        + body
    )
    sync_body = (
        "class Client(SyncRuntime):\n"
        + '    """The actions as blocking methods (``with Client(url) as client``)."""\n\n'
        + "    contract = CONTRACT\n\n"
        + "\n".join(sync_methods)
    )
    sync_doc = (
        '"""The actions as typed blocking methods: ``Client``.\n\n'
        '    with Client("http://127.0.0.1:8000") as client:\n'
        "        value = client.<action>(...)\n"
        '"""\n\n'
    )
    sync_local = [
        "from .blocking import SyncRuntime",
        _from_import(".client", sorted(["CONTRACT", *used], key=str.lower)),  # isort's order
        "from .refresh import CallOptions",
    ]
    sync = (
        _module_head(sync_doc, sync_body, sync_local, names)
        + '\n\n__all__ = ["Client"]\n\n\n'
        + sync_body
    )
    return client, sync


def _module_head(doc: str, body: str, local: list[str], names: dict[str, str]) -> str:
    """The generated header, ``doc`` and the imports ``body`` needs (``local`` and its types)."""
    words = set(_WORD.findall(body))
    used_types = sorted(n for n in set(names.values()) if n in words)
    local = list(local)
    if used_types:
        local.append(_from_import(".types", used_types))
    if "Upload" in words:
        local.append("from .uploads import Upload")
    third = "from msgspec import UNSET, UnsetType\n\n" if "UNSET" in body else ""
    stdlib = imports_for(body)
    return (
        f"{GENERATED}{doc}from __future__ import annotations\n\n"
        + (stdlib + "\n" if stdlib else "")
        + third
        + "\n".join(sorted(local))
    )


def _from_import(module: str, names: list[str]) -> str:
    one = f"from {module} import {', '.join(names)}"
    if len(one) <= WIDTH:
        return one
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"


def _init_module(names: dict[str, str]) -> str:
    exported = {"CONTRACT", "AsyncClient", "Client", "Queries", "queries"}
    lines = [
        _from_import(".client", ["CONTRACT", "AsyncClient", "Queries", "queries"]),
        "from .sync_client import Client",
    ]
    for module, items in sorted(RUNTIME_EXPORTS.items()):
        lines.append(_from_import(f".{module}", sorted(items)))
        exported.update(items)
    if names:
        lines.append(_from_import(".types", sorted(names.values())))
        exported.update(names.values())
    exports = "\n".join(f'    "{n}",' for n in sorted(exported, key=export_order))
    doc = (
        '"""Typed client of the app\'s actions, written by ``authstage codegen``.\n\n'
        "    from authstage_client import AsyncClient\n\n"
        '    async with AsyncClient("http://127.0.0.1:8000") as client:\n'
        '        note = await client.create_note(NewNote(title="Hi"))\n\n'
        "See docs/clients.md for errors, uploads, batching, idempotency keys and hooks.\n"
        '"""\n\n'
    )
    return f"{GENERATED}{doc}" + "\n".join(sorted(lines)) + f"\n\n__all__ = [\n{exports}\n]\n"


def _pyproject(project: str, package: str) -> str:
    return (
        f"{GENERATED}"
        '[build-system]\nrequires = ["hatchling>=1.25"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{project}"\nversion = "0.1.0"\n'
        'description = "Typed Python client of the app\'s actions (by authstage codegen)."\n'
        'requires-python = ">=3.11"\ndependencies = ["httpx>=0.27", "msgspec>=0.19"]\n\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["{package}"]\n'
    )


def _type_names(model: ClientModel) -> dict[str, str]:
    taken = {*_CLIENT_NAMES, "UNSET", "UnsetType"}
    for items in RUNTIME_EXPORTS.values():
        taken.update(items)
    return type_names(model, taken)


def method_names(model: ClientModel) -> dict[str, str]:
    """Action name -> the client method it becomes."""
    segments = {a.name: a.name.split(".") for a in model.actions}
    render = lambda parts: "_".join(identifier(p) for p in parts)  # noqa: E731
    return unique_names(segments, render, PY_RESERVED | _CLIENT_ATTRS)


def python_files(
    model: ClientModel, package: str = "authstage_client", project: str = "authstage-client"
) -> dict[str, str]:
    """Every file of the Python client package, by path relative to its directory."""
    names = _type_names(model)
    client, sync_client = _client_modules(model, names, method_names(model))
    out = {
        "pyproject.toml": _pyproject(project, package),
        f"{package}/__init__.py": _init_module(names),
        f"{package}/py.typed": GENERATED,
        f"{package}/types.py": types_module(model, names),
        f"{package}/client.py": client,
        f"{package}/sync_client.py": sync_client,
    }
    runtime = files("authstage.codegen.pyruntime")
    for module in RUNTIME_MODULES:
        source = runtime.joinpath(f"{module}.py").read_text(encoding="utf-8")
        if module == "errors":
            source = fill_error_table(source, python_error_table())
        out[f"{package}/{module}.py"] = GENERATED + source
    return out
