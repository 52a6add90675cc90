"""The methods of the Python client: one typed method per action, and its ``Query`` maker.

``action_methods`` renders an action as the ``async`` method of ``AsyncClient`` and the blocking
method of ``Client`` (the same signature: optional parameters default to ``UNSET`` and are not
sent, the call options come as ``**options: Unpack[CallOptions]``); ``query_maker`` renders a
read that declares its dependencies as a ``queries.<read>(...)`` for a call's ``refresh=``.
Every line is laid out the way ``ruff format`` would, so the generated files are stable.
"""

from __future__ import annotations

from authstage.codegen.pytypes import WIDTH, PyRenderer, docstring, literal, or_unset
from authstage.schema import ActionModel, ParamModel

__all__ = ["OPTION_KEYS", "action_methods", "query_maker"]

#: The keys of ``CallOptions`` (pyruntime/refresh.py), which every method takes as ``**options``.
OPTION_KEYS = ("idempotency_key", "refresh")
_OPTIONS = "options"


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


def action_methods(action: ActionModel, method: str, constant: str, r: PyRenderer) -> list[str]:
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
    taken = {*OPTION_KEYS, _OPTIONS, "self"}
    return {p.name: p.name + "_" if p.name in taken else p.name for p in action.params}


def query_maker(action: ActionModel, method: str, constant: str, r: PyRenderer) -> str:
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
