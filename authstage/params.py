"""Signature analysis: turn an action's ``async def`` into precompiled decoders and an encoder.

Everything here runs once, at registration (msgspec's view of each annotation is kept, so a type
many actions share is translated once). The arguments of a call travel as one JSON object
keyed by parameter name; ``ActionSignature`` builds a msgspec Struct type with one field per
parameter (defaults kept, unknown fields refused) and a ``msgspec.json.Decoder`` for it, so a
request is decoded and validated in one C call. The return annotation becomes the wire type:
``encode_result`` converts the value to exactly that type before encoding, so undeclared fields
(a password hash on an ORM row, an extra key in a dict) never leave the server.

A parameter whose type msgspec cannot decode (a socket, an ORM table, a bare class) fails here
with ``RegistrationError``, at startup rather than on the first request.

The decode methods also refuse text holding a NUL character (nul.py) with ``ValidationFailed``;
the check is gated on the body containing ``\\u0000``, so the normal path pays one bytes scan.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import msgspec
import msgspec.inspect as mi

from authstage.errors import RegistrationError, ValidationFailed
from authstage.nul import JSON_NUL, NUL_MESSAGE, nul_paths
from authstage.uploads import FileRule, UploadedFile

__all__ = [
    "FORM_FIELD",
    "ONCE_FIELD",
    "RESERVED_NAMES",
    "ActionSignature",
    "Param",
    "ResultTypeError",
]

#: The optional form key: ties a no-JS outcome to one form of an action on a page (outcome.py).
FORM_FIELD = "_form"
#: The one-time key of a rendered form: a no-JS form posted twice runs once (formonce.py).
ONCE_FIELD = "_once"
#: Form fields the protocol uses itself; no parameter may take these names.
RESERVED_NAMES = frozenset({"_action", "_bound", "_args", "_manifest", FORM_FIELD, ONCE_FIELD})

_encoder = msgspec.json.Encoder()


class ResultTypeError(TypeError):
    """The action returned a value that does not match its return annotation (a server bug)."""


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an action, as analysed at registration."""

    name: str
    annotation: Any
    required: bool
    default: Any
    keyword_only: bool
    #: Field names of a Struct parameter, flattened into top-level fields in HTML forms.
    struct_fields: tuple[str, ...] | None
    #: True for ``UploadedFile``, ``UploadedFile | None`` and ``list[UploadedFile]``.
    is_file: bool
    #: The ``FileRule`` of a file parameter's annotation, if it has one.
    file_rule: FileRule | None = None


#: msgspec's view of each annotation translated so far: a type that many actions share (a
#: ``Post`` returned by ten of them, ``int``) is translated once per process.
_INFOS: dict[Any, mi.Type] = {}


def _type_infos(types: list[Any]) -> list[mi.Type] | None:
    """msgspec's view of each of ``types``: the known ones from ``_INFOS``, the others from one
    ``multi_type_info`` call (a Struct nested in several is translated once). None when one
    cannot be translated, which ``_unsupported`` then reports type by type, in the usual
    order."""
    try:
        missing = [tp for tp in dict.fromkeys(types) if tp not in _INFOS]
    except TypeError:  # an unhashable annotation (metadata that is not hashable): no cache
        missing = None
    try:
        if missing is None:
            return list(mi.multi_type_info(types))
        if missing:
            _INFOS.update(zip(missing, mi.multi_type_info(missing), strict=True))
    except (TypeError, ValueError):
        return None
    return [_INFOS[tp] for tp in types]


def _unsupported(tp: Any, where: str, info: mi.Type | None = None) -> str | None:
    """Walk msgspec's view of ``tp`` (``info``, when already known); name the first part it
    could not decode."""
    seen: set[int] = set()

    def walk(info: mi.Type) -> str | None:
        if isinstance(info, mi.CustomType):
            return getattr(info.cls, "__qualname__", repr(info.cls))
        if isinstance(info, mi.StructType | mi.DataclassType | mi.TypedDictType):
            if id(info.cls) in seen:
                return None
            seen.add(id(info.cls))
            return next((bad for f in info.fields if (bad := walk(f.type))), None)
        if isinstance(info, mi.NamedTupleType):
            return next((bad for f in info.fields if (bad := walk(f.type))), None)
        if isinstance(info, mi.UnionType):
            return next((bad for t in info.types if (bad := walk(t))), None)
        if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            return walk(info.item_type)
        if isinstance(info, mi.TupleType):
            return next((bad for t in info.item_types if (bad := walk(t))), None)
        if isinstance(info, mi.DictType):
            return walk(info.key_type) or walk(info.value_type)
        if isinstance(info, mi.Metadata):
            return walk(info.type)
        return None

    if info is None:
        try:
            info = mi.type_info(tp)
        except (TypeError, ValueError) as exc:
            return f"{tp!r} ({exc})"
    bad = walk(info)
    return f"{bad} in {where}" if bad else None


def _is_file(info: mi.Type) -> bool:
    if isinstance(info, mi.StructType):
        return info.cls is UploadedFile
    if isinstance(info, mi.ListType):
        return _is_file(info.item_type)
    if isinstance(info, mi.UnionType):
        return any(_is_file(t) for t in info.types if not isinstance(t, mi.NoneType))
    return False


def _file_rule(tp: Any) -> FileRule | None:
    """The ``FileRule`` in ``tp``'s ``Annotated`` metadata, through ``| None`` and ``list``."""
    if get_origin(tp) is Annotated:
        found = [m for m in tp.__metadata__ if isinstance(m, FileRule)]
        return found[0] if found else _file_rule(get_args(tp)[0])
    if get_origin(tp) in (list, Union, types.UnionType):
        return next((rule for arg in get_args(tp) if (rule := _file_rule(arg))), None)
    return None


def _struct_fields(info: mi.Type) -> tuple[str, ...] | None:
    if isinstance(info, mi.UnionType):
        inner = [t for t in info.types if not isinstance(t, mi.NoneType)]
        info = inner[0] if len(inner) == 1 else info
    if isinstance(info, mi.StructType) and info.cls is not UploadedFile:
        return tuple(f.encode_name for f in info.fields)
    return None


class ActionSignature:
    """The analysed signature of one action: parameters, decoders and the result encoder."""

    def __init__(self, fn: Callable[..., Any], qualname: str) -> None:
        try:
            hints = get_type_hints(fn, include_extras=True)
        except Exception as exc:
            raise RegistrationError(
                f"action {qualname}: cannot resolve annotations: {exc}"
            ) from exc
        params: list[Param] = []
        parameters = list(inspect.signature(fn).parameters.values())
        # One translation for every annotation (the return type last); a missing one is a
        # placeholder, refused below before its info is used.
        infos = _type_infos([*(hints.get(p.name, Any) for p in parameters), hints.get("return")])
        for index, p in enumerate(parameters):
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise RegistrationError(f"action {qualname}: *{p.name} is not supported")
            if p.name not in hints:
                raise RegistrationError(
                    f"action {qualname}: parameter {p.name!r} has no annotation"
                )
            if p.name in RESERVED_NAMES:
                raise RegistrationError(f"action {qualname}: {p.name!r} is a reserved name")
            tp = hints[p.name]
            known = infos[index] if infos is not None else None
            if bad := _unsupported(tp, f"parameter {p.name!r}", known):
                raise RegistrationError(
                    f"action {qualname}: msgspec cannot decode {bad}; use a msgspec Struct, "
                    "a primitive, a container of them, or UploadedFile"
                )
            info = known if known is not None else mi.type_info(tp)
            required = p.default is inspect.Parameter.empty
            is_file, rule = _is_file(info), _file_rule(tp)
            if rule is not None and not is_file:
                raise RegistrationError(
                    f"action {qualname}: FileRule on {p.name!r}, which is not an UploadedFile"
                )
            params.append(
                Param(
                    name=p.name,
                    annotation=tp,
                    required=required,
                    default=msgspec.NODEFAULT if required else p.default,
                    keyword_only=p.kind is p.KEYWORD_ONLY,
                    struct_fields=_struct_fields(info),
                    is_file=is_file,
                    file_rule=rule,
                )
            )
        if "return" not in hints:
            raise RegistrationError(
                f"action {qualname}: annotate the return type (it is the wire type; "
                "use `-> None` when there is no value)"
            )
        self.return_type: Any = hints["return"]
        known = infos[-1] if infos is not None else None
        if bad := _unsupported(self.return_type, "the return type", known):
            raise RegistrationError(f"action {qualname}: msgspec cannot encode {bad}")
        self.params: tuple[Param, ...] = tuple(params)
        self._by_name = {p.name: p for p in params}
        #: parameter name -> its ``FileRule``, for the parameters that declare one.
        self.file_rules: dict[str, FileRule] = {
            p.name: p.file_rule for p in params if p.file_rule is not None
        }
        self.qualname = qualname
        self._positional = sum(1 for p in params if not p.keyword_only)
        self._arg_types: dict[int, type[msgspec.Struct]] = {}
        self._decoders: dict[int, msgspec.json.Decoder[Any]] = {}
        self.args_type = self.args_type_after(0)
        self._decode0 = self._decoders[0].decode
        rt = self.return_type
        self._exact_result: type | None = (
            type(None) if rt is None else rt if isinstance(rt, type) and rt is not object else None
        )

    def args_type_after(self, n_bound: int) -> type[msgspec.Struct]:
        """The Struct type of the arguments left after ``n_bound`` leading ones are bound."""
        if n_bound not in self._arg_types:
            fields = [
                (p.name, p.annotation)
                if p.required
                else (p.name, p.annotation, msgspec.field(default=p.default))
                for p in self.params[n_bound:]
            ]
            name = f"{self.qualname.rpartition('.')[2]}_args"
            tp = msgspec.defstruct(name, fields, forbid_unknown_fields=True, kw_only=True)
            self._arg_types[n_bound] = tp
            self._decoders[n_bound] = msgspec.json.Decoder(tp)
        return self._arg_types[n_bound]

    def field_key(self, path: str) -> str:
        """The key a form knows for ``path``: a flattened Struct parameter's name is dropped."""
        head, dot, rest = path.partition(".")
        param = self._by_name.get(head.split("[", 1)[0])
        if param is not None and param.struct_fields is not None and dot:
            return rest
        return path

    def refuse_nul(self, args: Any) -> None:
        """Raise ``ValidationFailed`` naming every text field of ``args`` that holds a NUL."""
        if paths := nul_paths(args):
            errors = {self.field_key(path): [NUL_MESSAGE] for path in paths}
            raise ValidationFailed("Invalid input", field_errors=errors)

    def decode_json(self, body: bytes, n_bound: int = 0) -> msgspec.Struct:
        """Decode and validate a JSON argument object.

        Raises:
            msgspec.ValidationError, msgspec.DecodeError, RecursionError: from msgspec.
            ValidationFailed: a text argument holds a NUL character.
        """
        if n_bound == 0:
            args: msgspec.Struct = self._decode0(body)
        else:
            self.args_type_after(n_bound)
            args = self._decoders[n_bound].decode(body)
        if JSON_NUL in body:
            self.refuse_nul(args)
        return args

    def decode_call(self, body: bytes) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Decode a JSON argument object for a call with nothing bound: ``(args, kwargs)``.

        The request path's shortcut for ``call_args([], decode_json(body))`` (raises the same
        errors).
        """
        args = self._decode0(body)
        if JSON_NUL in body:
            self.refuse_nul(args)
        values = msgspec.structs.astuple(args)
        if len(values) == self._positional:
            return values, {}
        return self.call_args([], args)

    def check_files(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Apply each parameter's ``FileRule`` to the files of a decoded call (a streamed file
        was checked while reading; this catches base64 JSON files and late-named forms).

        Raises:
            PayloadTooLarge, ValidationFailed: a file breaks its rule.
        """
        values = dict(zip((p.name for p in self.params), args, strict=False)) | kwargs
        for name, rule in self.file_rules.items():
            value = values.get(name)
            for file in value if isinstance(value, list) else [value]:
                if isinstance(file, UploadedFile):
                    rule.check(name, file)

    def convert_bound(self, values: list[Any]) -> list[Any]:
        """Convert the JSON values of bound leading arguments to their parameter types."""
        return [msgspec.convert(v, p.annotation) for v, p in zip(values, self.params, strict=False)]

    def call_args(
        self, bound: list[Any], args: msgspec.Struct
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Positional and keyword arguments for the function, bound values first."""
        values = (*bound, *msgspec.structs.astuple(args))
        if len(values) == self._positional:
            return values, {}
        names = [p.name for p in self.params[self._positional :]]
        return values[: self._positional], dict(zip(names, values[self._positional :], strict=True))

    def encode_result(self, value: Any) -> bytes:
        """Encode ``value`` as the return annotation; undeclared fields are dropped."""
        if type(value) is self._exact_result:
            return _encoder.encode(value)
        try:
            value = msgspec.convert(value, self.return_type, from_attributes=True)
        except msgspec.ValidationError as exc:
            raise ResultTypeError(
                f"action {self.qualname} returned a value that is not its return type: {exc}"
            ) from exc
        return _encoder.encode(value)

    def schema_fingerprint(self) -> str:
        """A stable text naming the argument and result types (for the manifest hash)."""
        args = ",".join(f"{p.name}:{p.annotation!r}:{p.required}" for p in self.params)
        return f"({args})->{self.return_type!r}"
