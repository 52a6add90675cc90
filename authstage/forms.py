"""HTML form bodies (urlencoded and multipart) turned into an action's arguments.

A form has only strings and files, so each field is shaped by the type of the parameter (or of
the Struct field) it lands in, then the whole object is converted with msgspec in lax mode
(``"42"`` becomes ``42``):

- a Struct parameter is *flattened*: its fields are read from top-level inputs (``title``),
  or from dotted ones (``data.title``) when two Struct parameters would collide;
- a list collects every value of a repeated field; a bool is a checkbox (``on``/``true``/``1``
  is true, absent is false);
- an empty input is ``None`` where the type allows it, ``""`` for text, and absent otherwise
  (so the default applies or "Required" is reported);
- file parts go to ``UploadedFile`` parameters;
- an optional ``_args`` field may carry a JSON object of arguments (how clients send structured
  arguments alongside files); other fields override it;
- text holding a NUL character is refused with the field named (nul.py).

Multipart bodies are parsed as they stream in (formstream.py); ``parse_form`` takes a body
read whole. Text is decoded only from the charsets in ``CHARSETS`` (formdata.py), whether named by
the urlencoded body's ``charset`` parameter or by a multipart part's ``Content-Type``; bytes the
declared charset cannot decode, raw or percent-encoded, are a 400, never replaced silently.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec
import msgspec.inspect as mi

from authstage.errors import BadRequest, PayloadTooLarge
from authstage.formdata import CHARSETS, MAX_FIELDS, Form, codec_of
from authstage.formstream import parse_multipart
from authstage.nul import JSON_NUL
from authstage.params import FORM_FIELD, ActionSignature

__all__ = [
    "CHARSETS",
    "MAX_FIELDS",
    "Form",
    "form_arguments",
    "parse_form",
    "submitted_values",
]

_TRUE = frozenset({"on", "true", "1", "yes"})
_SECRET_WORDS = ("password", "passwd", "secret")


def parse_form(body: bytes, media_type: str, params: dict[str, str]) -> Form:
    """Parse an urlencoded or multipart body read whole.

    Raises:
        BadRequest: the body is malformed (bytes its charset cannot decode, broken framing).
        UnsupportedMediaType: the body or a part declares a charset not in ``CHARSETS``.
        PayloadTooLarge: more than ``MAX_FIELDS`` fields.
    """
    if media_type == "multipart/form-data":
        return parse_multipart(body, params)
    form = Form()
    form.size = len(body)
    codec = codec_of(params.get("charset"))
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        raise BadRequest(f"The form body is not valid {codec}") from None
    if text.count("&") >= MAX_FIELDS:  # how parse_qsl counts fields
        raise PayloadTooLarge(f"Too many form fields (at most {MAX_FIELDS})")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding=codec, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"The form body has percent-encoded bytes that are not {codec}") from None
    for key, value in pairs:
        form.add_field(key, value)
    return form


def _nullable(info: mi.Type) -> tuple[mi.Type, bool]:
    if isinstance(info, mi.UnionType):
        rest = [t for t in info.types if not isinstance(t, mi.NoneType)]
        has_none = len(rest) < len(info.types)
        return (rest[0] if len(rest) == 1 else info), has_none
    if isinstance(info, mi.Metadata):
        return _nullable(info.type)
    return info, False


def _shape(values: list[str] | None, info: mi.Type) -> Any:
    """One form field's raw value for a field of type ``info`` (``msgspec.UNSET``: absent)."""
    inner, has_none = _nullable(info)
    if isinstance(inner, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return [v for v in values or [] if v != ""] if values is not None else msgspec.UNSET
    if isinstance(inner, mi.BoolType):
        return values[-1].strip().lower() in _TRUE if values else False
    if not values:
        return msgspec.UNSET
    value = values[-1]
    if value == "":
        if has_none:
            return None
        return "" if isinstance(inner, mi.StrType) else msgspec.UNSET
    return value


def form_arguments(sig: ActionSignature, form: Form, n_bound: int = 0) -> dict[str, Any]:
    """The raw argument object of a form, ready for ``msgspec.convert(..., strict=False)``.

    Raises:
        BadRequest: ``_args`` is present but not a JSON object, or nested too deeply.
        ValidationFailed: a text argument holds a NUL character (nul.py).
    """
    raw: dict[str, Any] = {}
    nul = form.nul
    if (extra := form.first("_args")) is not None:
        nul = nul or JSON_NUL.decode() in extra
        try:
            loaded = msgspec.json.decode(extra)
        except msgspec.DecodeError:
            raise BadRequest("The _args field is not valid JSON") from None
        except RecursionError:  # msgspec's own depth guard
            raise BadRequest("The _args field is nested too deeply") from None
        if not isinstance(loaded, dict):
            raise BadRequest("The _args field must be a JSON object")
        raw.update(loaded)
    args_info = mi.type_info(sig.args_type_after(n_bound))
    assert isinstance(args_info, mi.StructType)
    for param, field in zip(sig.params[n_bound:], args_info.fields, strict=True):
        name = param.name
        if param.is_file:
            files = form.files.get(name)
            if files:
                raw[name] = files if isinstance(_nullable(field.type)[0], mi.ListType) else files[0]
            continue
        inner, _ = _nullable(field.type)
        if isinstance(inner, mi.StructType):
            given = raw.get(name)
            if given is not None and not isinstance(given, dict):
                continue  # _args gave a string, number or list: msgspec reports it on the field
            sub: dict[str, Any] = dict(given or {})
            for f in inner.fields:
                values = form.fields.get(f"{name}.{f.encode_name}", form.fields.get(f.encode_name))
                if values is None and f.encode_name in sub:
                    continue  # given in _args, not in the form: an unchecked box is not "no"
                value = _shape(values, f.type)
                if value is not msgspec.UNSET:
                    sub[f.encode_name] = value
            if sub or name not in raw:
                raw[name] = sub
            continue
        values = form.fields.get(name)
        if values is None and name in raw:
            continue  # given in _args and not in the form
        value = _shape(values, field.type)
        if value is not msgspec.UNSET:
            raw[name] = value
    if nul:
        sig.refuse_nul(raw)
    return raw


def submitted_values(form: Form) -> dict[str, str | list[str]]:
    """The values to show again after a failed post: no passwords, files or protocol fields
    (except the form key, which tells the page which form they belong to)."""
    out: dict[str, str | list[str]] = {}
    for key, values in form.fields.items():
        lowered = key.lower()
        protocol = key.startswith("_") and key != FORM_FIELD
        if protocol or any(word in lowered for word in _SECRET_WORDS):
            continue
        out[key] = values[0] if len(values) == 1 else values
    return out
