"""The action schema: each action's parameters and result as JSON Schema, and its contract.

One model, three readers: the manifest endpoint publishes its contract hash, ``authstage
schema`` writes it as a document, and both client generators (codegen/) write from it. It
lives here, not in codegen/, so the server never imports the code generator.

``build_model(registry)`` asks msgspec for the JSON Schema of every parameter type and return
type in one ``msgspec.json.schema_components`` call, so a Struct used by many actions becomes
one shared component (``#/$defs/NoteOut``). Two gaps of that schema are filled in, because the
clients need them: ``datetime`` and ``time`` values without a timezone constraint get
``format: date-time`` / ``time`` (msgspec leaves them plain strings, and a Python client should
decode a ``datetime``), and file parameters (``UploadedFile``) are marked as files instead of
being described as the JSON object they can also be sent as.

``ClientModel.contract`` hashes the whole model (names, parameters, schemas, docs): two
generated clients are the same exactly when their contracts are, and the server publishes its
own in the manifest so a client can tell it is talking to another version.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import msgspec.inspect as mi

from authstage.dependencies import dependencies_of
from authstage.registry import is_listed
from authstage.uploads import UploadedFile

if TYPE_CHECKING:
    from authstage.registry import ActionSpec, Registry

__all__ = ["ActionModel", "ClientModel", "ParamModel", "build_model", "ref_name"]

REF_PREFIX = "#/$defs/"
_NAMED = (mi.StructType, mi.TypedDictType, mi.DataclassType, mi.NamedTupleType, mi.EnumType)
_COLLECTIONS = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)
_NOT_IN_KEYS = re.compile(r"[^a-zA-Z0-9.\-_]")  # as msgspec normalizes component names


@dataclass(frozen=True)
class ParamModel:
    """One parameter of an action, as sent on the wire."""

    name: str
    schema: dict[str, Any]
    required: bool
    keyword_only: bool
    #: ``"one"``, ``"optional"`` or ``"many"`` for ``UploadedFile`` parameters, else None.
    file: str | None = None
    #: The server-side default as JSON text (for documentation), when it has one.
    default: str | None = None


@dataclass(frozen=True)
class ActionModel:
    """One action: its stable name, documentation, access and wire types."""

    name: str
    doc: str
    public: bool
    roles: tuple[str, ...]
    params: tuple[ParamModel, ...]
    result: dict[str, Any]
    #: The action declares what it depends on (dependencies.py): clients may ask a mutation
    #: to refresh it.
    refreshable: bool = False


@dataclass(frozen=True)
class ClientModel:
    """Every action a client can call, the named types they use, and their contract hash."""

    actions: tuple[ActionModel, ...]
    #: Component name (``NoteOut``; module-qualified when two classes share a name) -> schema.
    types: dict[str, dict[str, Any]]
    contract: str


def ref_name(schema: dict[str, Any]) -> str | None:
    """The component name a ``{"$ref": ...}`` schema points to, else None."""
    ref = schema.get("$ref")
    return ref[len(REF_PREFIX) :] if isinstance(ref, str) else None


def _unwrap(info: mi.Type) -> mi.Type:
    while isinstance(info, mi.Metadata):
        info = info.type
    return info


def _file_kind(info: mi.Type) -> str | None:
    info = _unwrap(info)
    if isinstance(info, mi.StructType) and info.cls is UploadedFile:
        return "one"
    if isinstance(info, mi.ListType) and _file_kind(info.item_type) == "one":
        return "many"
    if isinstance(info, mi.UnionType):
        kinds = {_file_kind(t) for t in info.types if not isinstance(_unwrap(t), mi.NoneType)}
        if kinds == {"one"}:
            return "optional"
        if kinds == {"many"}:
            return "many"
    return None


def _patch(info: mi.Type, node: dict[str, Any]) -> None:
    """Add the formats msgspec leaves out (naive ``datetime``, ``time``) to ``node``."""
    info = _unwrap(info)
    if "$ref" in node or not isinstance(node, dict):
        return  # named types are patched once, as components
    if isinstance(info, mi.DateTimeType):
        node.setdefault("format", "date-time")
    elif isinstance(info, mi.TimeType):
        node.setdefault("format", "time")
    elif isinstance(info, _COLLECTIONS) and isinstance(node.get("items"), dict):
        _patch(info.item_type, node["items"])
    elif isinstance(info, mi.TupleType):
        for item, sub in zip(info.item_types, node.get("prefixItems", ()), strict=False):
            _patch(item, sub)
    elif isinstance(info, mi.DictType) and isinstance(node.get("additionalProperties"), dict):
        _patch(info.value_type, node["additionalProperties"])
    elif isinstance(info, mi.UnionType):
        # msgspec lists the members that are neither plain Structs nor None first, in order.
        others = [
            t
            for t in info.types
            if not isinstance(_unwrap(t), mi.NoneType)
            and not (isinstance(_unwrap(t), mi.StructType) and not _unwrap(t).array_like)  # type: ignore[attr-defined]
        ]
        for member, sub in zip(others, node.get("anyOf", ()), strict=False):
            _patch(member, sub)


def _named_types(infos: list[mi.Type]) -> list[mi.Type]:
    """Every Struct, TypedDict, dataclass and NamedTuple reachable from ``infos``."""
    found: dict[Any, mi.Type] = {}
    stack = list(infos)
    while stack:
        info = _unwrap(stack.pop())
        if isinstance(info, _NAMED):
            if info.cls in found:
                continue
            found[info.cls] = info
        if isinstance(
            info, mi.StructType | mi.TypedDictType | mi.DataclassType | mi.NamedTupleType
        ):
            stack.extend(f.type for f in info.fields)
        elif isinstance(info, _COLLECTIONS):
            stack.append(info.item_type)
        elif isinstance(info, mi.TupleType):
            stack.extend(info.item_types)
        elif isinstance(info, mi.DictType):
            stack.extend((info.key_type, info.value_type))
        elif isinstance(info, mi.UnionType):
            stack.extend(info.types)
    return list(found.values())


def _component_key(cls: Any, components: dict[str, Any]) -> str | None:
    """The key msgspec gave ``cls`` (its name, or its full path on a name clash)."""
    for name in (cls.__name__, f"{cls.__module__}.{cls.__qualname__}"):
        key = _NOT_IN_KEYS.sub("_", name)
        if key in components:
            return key
    return None


def _patch_component(info: mi.Type, schema: dict[str, Any]) -> None:
    if isinstance(info, mi.StructType) and info.array_like:
        offset = 1 if info.tag_field is not None else 0
        for field, sub in zip(info.fields, schema.get("prefixItems", ())[offset:], strict=False):
            _patch(field.type, sub)
    elif isinstance(info, mi.NamedTupleType):
        for field, sub in zip(info.fields, schema.get("prefixItems", ()), strict=False):
            _patch(field.type, sub)
    elif isinstance(info, mi.StructType | mi.TypedDictType | mi.DataclassType):
        properties = schema.get("properties", {})
        for field in info.fields:
            if field.encode_name in properties:
                _patch(field.type, properties[field.encode_name])


def _doc(spec: ActionSpec) -> str:
    text = inspect.getdoc(spec.fn) or ""
    return text.split("\n\n", 1)[0].replace("\n", " ").strip()


def _default_text(value: Any) -> str | None:
    if value is msgspec.NODEFAULT:
        return None
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, ValueError):
        return None


def build_model(registry: Registry) -> ClientModel:
    """The client model of every listed action of ``registry``, in name order."""
    specs = sorted((s for s in registry if is_listed(s)), key=lambda s: s.name)
    wire_types: list[Any] = []
    kinds: list[list[str | None]] = []
    for spec in specs:
        sig = spec.signature
        kinds.append([_file_kind(mi.type_info(p.annotation)) for p in sig.params])
        wire_types += [
            p.annotation for p, kind in zip(sig.params, kinds[-1], strict=True) if not kind
        ]
        wire_types.append(sig.return_type)
    schemas, components = msgspec.json.schema_components(
        wire_types, ref_template=REF_PREFIX + "{name}"
    )
    infos = mi.multi_type_info(wire_types)
    for info, schema in zip(infos, schemas, strict=True):
        _patch(info, schema)
    for info in _named_types(list(infos)):
        key = _component_key(info.cls, components)  # type: ignore[attr-defined]
        if key is not None:
            _patch_component(info, components[key])
    it = iter(schemas)
    actions = []
    for spec, spec_kinds in zip(specs, kinds, strict=True):
        params = tuple(
            ParamModel(
                name=p.name,
                schema={} if kind else next(it),
                required=p.required,
                keyword_only=p.keyword_only,
                file=kind,
                default=_default_text(p.default),
            )
            for p, kind in zip(spec.signature.params, spec_kinds, strict=True)
        )
        roles = tuple(sorted(spec.roles))
        result = next(it)
        refreshable = dependencies_of(spec.fn) is not None
        actions.append(
            ActionModel(spec.name, _doc(spec), spec.public, roles, params, result, refreshable)
        )
    types = dict(sorted(components.items()))
    canonical = msgspec.json.encode(
        {"actions": [asdict(a) for a in actions], "types": types}, order="sorted"
    )
    contract = hashlib.sha256(canonical).hexdigest()[:32]
    return ClientModel(tuple(actions), types, contract)
