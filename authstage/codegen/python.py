"""Writing the Python client: an installable package with msgspec types and typed methods.

The package (``authstage_client`` by default) holds:

- ``types.py``: one msgspec Struct per object type of the schema (``kw_only``, defaults kept,
  unknown fields ignored so a newer server can add some), ``Literal`` aliases for enums and
  tuple aliases for array-like types;
- ``actions/<module>.py``, one per server module of actions: its typed methods as mixins
  (pymethods.py), ``async`` for ``AsyncClient`` and blocking for ``Client``
  (``await client.create_note(NewNote(title="x"))``), and its ``Query`` makers. A module per
  server module keeps each file the size of the code it mirrors, however many actions an app
  has;
- ``client.py``: ``CONTRACT``, ``AsyncClient`` (every group's async mixin) and ``queries``;
- ``sync_client.py``: ``Client``, made of the blocking mixins;
- ``__init__.py`` exporting both, the errors and the upload helpers; ``pyproject.toml``;
- the runtime modules from ``authstage/codegen/pyruntime``, copied verbatim.

It imports only httpx and msgspec: nothing of the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files

from authstage.codegen.errortable import fill_error_table, python_error_table
from authstage.codegen.names import (
    PY_RESERVED,
    group_stems,
    identifier,
    module_of,
    pascal,
    unique_names,
)
from authstage.codegen.pymethods import action_methods, query_maker
from authstage.codegen.pytypes import (
    GENERATED,
    WIDTH,
    PyRenderer,
    export_order,
    imports_for,
    literal,
    type_names,
    types_module,
)
from authstage.schema import ActionModel, ClientModel

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
#: A name as code uses it (not an attribute after a dot).
_WORD = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


@dataclass(frozen=True)
class _Group:
    """The actions of one server module, written to ``actions/<stem>.py``."""

    module: str
    stem: str
    #: What its class names start with (``Accounts``).
    base: str
    actions: tuple[ActionModel, ...]

    @property
    def classes(self) -> tuple[str, str, str]:
        """Its async mixin, blocking mixin and queries class."""
        return f"{self.base}Actions", f"{self.base}SyncActions", f"{self.base}Queries"

    @property
    def has_queries(self) -> bool:
        return any(a.refreshable for a in self.actions)


def _groups(model: ClientModel) -> list[_Group]:
    """The actions by the module that defines them (the part of the name before the last dot),
    each under the shortest unique file name its module path gives (``accounts``)."""
    by_module: dict[str, list[ActionModel]] = {}
    for action in model.actions:
        by_module.setdefault(module_of(action.name), []).append(action)
    stems = group_stems(by_module)
    modules = sorted(by_module, key=lambda m: stems[m])
    bases = {m: pascal(stems[m].split("_")) for m in modules}
    while True:  # ``notes`` and ``notes_sync`` would both make ``NotesSyncActions``
        owners: dict[str, list[str]] = {}
        for m in modules:
            for name in (f"{bases[m]}Actions", f"{bases[m]}SyncActions", f"{bases[m]}Queries"):
                owners.setdefault(name, []).append(m)
        clashing = {m for names in owners.values() if len(names) > 1 for m in names[1:]}
        if not clashing:
            break
        for m in clashing:
            bases[m] += "_"
    return [_Group(m, stems[m], bases[m], tuple(by_module[m])) for m in modules]


def _group_module(group: _Group, names: dict[str, str], methods: dict[str, str]) -> str:
    """``actions/<stem>.py``: the group's ``ActionInfo`` constants, its async and blocking
    methods as mixins of ``AsyncRuntime`` / ``SyncRuntime``, and its ``Query`` makers."""
    r = PyRenderer(names)
    constants, async_methods, sync_methods, queries = [], [], [], []
    for action in group.actions:
        method = methods[action.name]
        constant = "_" + method.upper()
        result = r.type(action.result)
        files = [p.name for p in action.params if p.file]
        listed = ", ".join(literal(f) for f in files) + ("," if len(files) == 1 else "")
        extra = f", files=({listed})" if files else ""
        arguments = f"{literal(action.name)}, {result}{extra}"
        line = f"{constant} = ActionInfo[{result}]({arguments})"
        constants.append(
            line if len(line) <= WIDTH else f"{line[: -len(arguments) - 1]}\n    {arguments}\n)"
        )
        async_code, sync_code = action_methods(action, method, constant, r)
        async_methods.append(async_code)
        sync_methods.append(sync_code)
        if action.refreshable:
            queries.append(query_maker(action, method, constant, r))
    mixin, sync_mixin, queries_class = group.classes
    body = (
        "\n".join(constants)
        + f"\n\n\nclass {mixin}(AsyncRuntime):\n"
        + f'    """The actions of ``{group.module}`` as ``async`` methods (``AsyncClient``)."""\n\n'
        + "\n".join(async_methods)
        + f"\n\nclass {sync_mixin}(SyncRuntime):\n"
        + f'    """The actions of ``{group.module}`` as blocking methods (``Client``)."""\n\n'
        + "\n".join(sync_methods)
    )
    exported = [mixin, sync_mixin]
    if queries:
        body += (
            f"\n\nclass {queries_class}:\n"
            + f'    """The reads of ``{group.module}`` a call can refresh (``Queries``)."""\n\n'
            + "\n".join(queries)
        )
        exported.append(queries_class)
    doc = f'"""The actions of ``{group.module}``, for the clients in ``client.py``."""\n\n'
    local = [
        "from ..blocking import SyncRuntime",
        "from ..protocol import ActionInfo",
        "from ..refresh import CallOptions" + (", Query" if queries else ""),
        "from ..transport import AsyncRuntime",
    ]
    listed_all = ", ".join(f'"{n}"' for n in sorted(exported, key=export_order))
    return _module_head(doc, body, local, names, "..") + f"\n\n__all__ = [{listed_all}]\n\n" + body


def _bases(classes: list[str], fallback: str) -> str:
    """``(A, B)`` on one line when it fits, else one base per line (as ruff formats it)."""
    if not classes:
        return f"({fallback})"
    one = f"({', '.join(classes)}):"
    if len(one) + len("class AsyncClient") <= WIDTH:
        return one[:-1]
    return "(\n" + "".join(f"    {c},\n" for c in classes) + ")"


def _client_modules(groups: list[_Group], contract: str) -> tuple[str, str]:
    """``client.py`` (``CONTRACT``, ``AsyncClient``, ``Queries``) and ``sync_client.py``
    (``Client``): each class made of the groups' mixins."""
    imports, sync_imports = [], []
    mixins, sync_mixins, query_classes = [], [], []
    for group in groups:
        mixin, sync_mixin, queries_class = group.classes
        wanted = [mixin, *([queries_class] if group.has_queries else [])]
        imports.append(_from_import(f".actions.{group.stem}", wanted))
        sync_imports.append(_from_import(f".actions.{group.stem}", [sync_mixin]))
        mixins.append(mixin)
        sync_mixins.append(sync_mixin)
        if group.has_queries:
            query_classes.append(queries_class)
    client = (
        f"{GENERATED}"
        '"""The actions as typed ``async`` methods (``AsyncClient``) and ``queries``.\n\n'
        '    async with AsyncClient("http://127.0.0.1:8000") as client:\n'
        "        value = await client.<action>(...)\n\n"
        "Each server module's actions are a mixin in ``actions/``; the blocking ``Client`` is\n"
        "in sync_client.py.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        + "\n".join(sorted(imports or ["from .transport import AsyncRuntime"]))
        + '\n\n__all__ = ["CONTRACT", "AsyncClient", "Queries", "queries"]\n\n'
        + "#: The contract (action names and schemas) this client was generated from.\n"
        + f"CONTRACT = {literal(contract)}\n\n\n"
        + f"class AsyncClient{_bases(mixins, 'AsyncRuntime')}:\n"
        + '    """The actions as ``async`` methods (``async with AsyncClient(url)``)."""\n\n'
        + "    contract = CONTRACT\n\n\n"
        + (f"class Queries{_bases(query_classes, '')}:\n" if query_classes else "class Queries:\n")
        + '    """The reads a call can refresh: ``refresh=[queries.read(...)]``."""\n\n\n'
        + "#: The reads a call can refresh (``Queries``).\nqueries = Queries()\n"
    )
    sync = (
        f"{GENERATED}"
        '"""The actions as typed blocking methods: ``Client``.\n\n'
        '    with Client("http://127.0.0.1:8000") as client:\n'
        "        value = client.<action>(...)\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        + "\n".join(sorted(sync_imports or ["from .blocking import SyncRuntime"]))
        + "\nfrom .client import CONTRACT\n"
        + '\n__all__ = ["Client"]\n\n\n'
        + f"class Client{_bases(sync_mixins, 'SyncRuntime')}:\n"
        + '    """The actions as blocking methods (``with Client(url) as client``)."""\n\n'
        + "    contract = CONTRACT\n"
    )
    return client, sync


def _module_head(
    doc: str, body: str, local: list[str], names: dict[str, str], up: str = "."
) -> str:
    """The generated header, ``doc`` and the imports ``body`` needs (``local`` and its types,
    from the package ``up`` levels above: ``.`` or ``..``)."""
    words = set(_WORD.findall(body))
    used_types = sorted(n for n in set(names.values()) if n in words)
    local = list(local)
    if used_types:
        local.append(_from_import(f"{up}types", used_types))
    if "Upload" in words:
        local.append(f"from {up}uploads import Upload")
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


def _type_names(model: ClientModel, groups: list[_Group]) -> dict[str, str]:
    taken = {*_CLIENT_NAMES, "UNSET", "UnsetType"}
    for items in RUNTIME_EXPORTS.values():
        taken.update(items)
    for group in groups:
        taken.update(group.classes)
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
    groups = _groups(model)
    names = _type_names(model, groups)
    methods = method_names(model)
    client, sync_client = _client_modules(groups, model.contract)
    out = {
        "pyproject.toml": _pyproject(project, package),
        f"{package}/__init__.py": _init_module(names),
        f"{package}/py.typed": GENERATED,
        f"{package}/types.py": types_module(model, names),
        f"{package}/client.py": client,
        f"{package}/sync_client.py": sync_client,
    }
    if groups:
        out[f"{package}/actions/__init__.py"] = (
            f'{GENERATED}"""The actions of each server module, as mixins of the clients."""\n'
        )
    for group in groups:
        out[f"{package}/actions/{group.stem}.py"] = _group_module(group, names, methods)
    runtime = files("authstage.codegen.pyruntime")
    for module in RUNTIME_MODULES:
        source = runtime.joinpath(f"{module}.py").read_text(encoding="utf-8")
        if module == "errors":
            source = fill_error_table(source, python_error_table())
        out[f"{package}/{module}.py"] = GENERATED + source
    return out
