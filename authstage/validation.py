"""Turn msgspec validation failures into ``ValidationFailed`` with field and form errors.

msgspec stops at the first error, which is right for the fast path. When a call does fail, this
module re-checks the arguments field by field so the caller gets every field error at once, in
zod's ``flatten()`` shape: ``fieldErrors`` keyed by the name the form input carries (a Struct
parameter's fields are flattened, so ``data.title`` is reported as ``title``), and
``formErrors`` for what belongs to no single field. Text holding a NUL character (nul.py) is
reported along with the rest.

msgspec's messages are written for developers (``Expected `str` of length >= 8``); ``humanize``
rewrites the common ones into sentences a form can show. The rewrite is hand-written because
msgspec has no message catalogue; unknown messages pass through unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from authstage.errors import ValidationFailed
from authstage.nul import NUL_MESSAGE, nul_paths
from authstage.params import ActionSignature

__all__ = ["humanize", "validation_error"]

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Expected `str` of length >= 1"), "Must not be empty"),
    (re.compile(r"Expected `str` of length >= (\d+)"), "Must be at least {0} characters"),
    (re.compile(r"Expected `str` of length <= (\d+)"), "Must be at most {0} characters"),
    (re.compile(r"Expected `(?:array|object)` of length >= (\d+)"), "Must have at least {0} items"),
    (re.compile(r"Expected `(?:array|object)` of length <= (\d+)"), "Must have at most {0} items"),
    (re.compile(r"Expected `(?:int|float)` >= (\S+)"), "Must be at least {0}"),
    (re.compile(r"Expected `(?:int|float)` <= (\S+)"), "Must be at most {0}"),
    (re.compile(r"Expected `(?:int|float)` > (\S+)"), "Must be greater than {0}"),
    (re.compile(r"Expected `(?:int|float)` < (\S+)"), "Must be less than {0}"),
    (re.compile(r"Expected `str` matching regex .*"), "Has an invalid format"),
    (re.compile(r"Expected `int`, got `\w+`"), "Must be a whole number"),
    (re.compile(r"Expected `float`, got `\w+`"), "Must be a number"),
    (re.compile(r"Expected `bool`, got `\w+`"), "Must be true or false"),
    (re.compile(r"Expected `str`, got `\w+`"), "Must be text"),
    (re.compile(r"Expected `object`, got `\w+`"), "Must be an object"),
    (re.compile(r"Expected `array`, got `\w+`"), "Must be a list"),
    (re.compile(r"Integer value out of range|Number out of range"), "Number is out of range"),
    (re.compile(r"Invalid (?:RFC3339 encoded )?datetime"), "Must be a date and time"),
    (re.compile(r"Invalid (?:RFC3339 encoded )?date"), "Must be a date"),
    (re.compile(r"Invalid UUID"), "Must be a UUID"),
    (re.compile(r"Invalid enum value (.*)"), "Must be one of the allowed values"),
]
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`")


def humanize(message: str) -> str:
    """Rewrite one msgspec message (without its path) into a sentence for a form."""
    for pattern, template in _RULES:
        if m := pattern.fullmatch(message):
            return template.format(*m.groups())
    return message


def _split(exc: msgspec.ValidationError) -> tuple[str, str]:
    """(path relative to the argument object, human message) of one msgspec error."""
    m = _AT.match(str(exc))
    assert m is not None  # the pattern matches any text
    msg, path = m["msg"], (m["path"] or "").lstrip(".")
    if mm := _MISSING.fullmatch(msg):
        return _join(path, mm[1]), "Required"
    if mm := _UNKNOWN.fullmatch(msg):
        return _join(path, mm[1]), "Unexpected field"
    return path, humanize(msg)


def _join(path: str, rel: str) -> str:
    if not path or not rel:
        return path or rel
    return f"{path}{rel}" if rel.startswith("[") else f"{path}.{rel}"


def _check_fields(
    value: Any, tp: Any, path: str, out: dict[str, list[str]], form: list[str]
) -> None:
    """Add an error for every failing field of ``value`` against ``tp`` (recursing into Structs)."""
    try:
        msgspec.convert(value, tp, strict=False)
        return
    except msgspec.ValidationError as exc:
        first = exc
    if isinstance(value, dict) and isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        found = False
        for f in msgspec.structs.fields(tp):
            sub = _join(path, f.encode_name)
            if f.encode_name not in value:
                if f.required:
                    out.setdefault(sub, []).append("Required")
                    found = True
                continue
            before = len(out)
            _check_fields(value[f.encode_name], f.type, sub, out, form)
            found = found or len(out) > before
        if found:
            return
    rel, message = _split(first)
    key = _join(path, rel)
    if key:
        out.setdefault(key, []).append(message)
    else:
        form.append(message)


def validation_error(
    sig: ActionSignature, raw: Any, first: msgspec.ValidationError, n_bound: int = 0
) -> ValidationFailed:
    """Build the full ``ValidationFailed`` for arguments ``raw`` that failed to decode."""
    fields: dict[str, list[str]] = {}
    form: list[str] = []
    if isinstance(raw, dict):
        try:
            _check_fields(raw, sig.args_type_after(n_bound), "", fields, form)
        except RecursionError:  # arguments nested near msgspec's limit: report the first error
            fields.clear()
            form.clear()
    for path in nul_paths(raw):
        fields.setdefault(path, []).append(NUL_MESSAGE)
    if not fields and not form:
        path, message = _split(first)
        if path:
            fields[path] = [message]
        else:
            form.append(message)
    keyed: dict[str, list[str]] = {}
    for key, messages in fields.items():
        keyed.setdefault(sig.field_key(key), []).extend(messages)
    summary = "Invalid input" if keyed else (form[0] if form else "Invalid input")
    return ValidationFailed(summary, field_errors=keyed, form_errors=form)
