"""Registering actions: the ``@action`` decorator and the table of signed IDs.

``@action`` analyses the function once (``ActionSignature``) and attaches an ``ActionSpec`` to
it; the function itself is returned unchanged, so server code can still ``await`` it directly.
``Registry`` collects specs from modules or functions, signs each name under every accepted
secret and refuses duplicates, all at startup. On the request path the dispatcher does one
dict lookup of the raw ID bytes.

``@action`` takes a declared set of options: the core ones as keywords, the rest as the keys of
``ActionOptions`` (a TypedDict, so mypy checks them at the call site). Any other keyword is a
``RegistrationError`` naming it and the valid ones, raised when the module is imported: a typo
such as ``pubic=True`` cannot silently make an action private. Adding an option is one line in
``ActionOptions``. Third-party extensions pass their own settings in ``extensions=``, a mapping
kept as it is on ``ActionSpec.extensions`` and never checked here.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any, TypedDict, TypeVar, Unpack, overload

from authstage.actionlimits import RateLimit
from authstage.auditoption import Audit, audit_of
from authstage.errors import RegistrationError
from authstage.ids import action_id, manifest_hash
from authstage.keys import KeyRing
from authstage.params import ActionSignature

__all__ = [
    "ActionOptions",
    "ActionSpec",
    "Registry",
    "action",
    "audit_rule",
    "is_listed",
    "rate_limit",
    "spec_of",
]

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "__authstage_action__"
_CORE_OPTIONS = ("public", "name", "max_body_size", "roles", "extensions")


class ActionOptions(TypedDict, total=False):
    """The options of ``@action`` beyond the core keywords, kept on ``ActionSpec.options``.

    Each key is one option; adding an option is adding its line here.
    """

    #: False leaves the action out of the manifest and the generated clients.
    client: bool
    #: ``"5/minute"`` or ``RateLimit(rule, key=...)``: calls allowed per caller (actionlimits.py).
    rate_limit: str | RateLimit
    #: True or ``Audit(args=[...])``: each call leaves an audit entry (auditoption.py).
    audit: bool | Audit


@dataclass(frozen=True, slots=True, eq=False)
class ActionSpec:
    """Everything known about one action before any request arrives."""

    fn: Callable[..., Any]
    name: str
    public: bool
    max_body_size: int | None
    signature: ActionSignature
    roles: frozenset[str] = frozenset()
    #: The ``ActionOptions`` given to ``@action`` (only those given; absent means the default).
    options: ActionOptions = field(default_factory=ActionOptions)
    #: Third-party extensions' own settings (``@action(extensions=...)``), unchecked.
    extensions: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@overload
def action(fn: F, /) -> F: ...
@overload
def action(
    *,
    public: bool = False,
    name: str | None = None,
    max_body_size: int | None = None,
    roles: Iterable[str] = (),
    extensions: Mapping[str, Any] | None = None,
    **options: Unpack[ActionOptions],
) -> Callable[[F], F]: ...
def action(
    fn: F | None = None,
    /,
    *,
    public: bool = False,
    name: str | None = None,
    max_body_size: int | None = None,
    roles: Iterable[str] = (),
    extensions: Mapping[str, Any] | None = None,
    **options: Unpack[ActionOptions],
) -> F | Callable[[F], F]:
    """Mark an ``async def`` as a server action.

    Args:
        public: callable without a signed-in user (actions are denied to anonymous callers
            by default).
        name: stable name the ID is signed from; defaults to ``module.qualname``. Set it to
            keep an action's ID when moving or renaming the function.
        max_body_size: request body limit in bytes for this action (default: the plugin's).
        roles: roles the signed-in user must hold (any of them).
        extensions: settings for third-party extensions, kept on ``ActionSpec.extensions``.
        **options: the ``ActionOptions``: ``client=False`` (not in the generated clients),
            ``rate_limit="5/minute"`` (429 past it, per user or IP), ``audit=True`` (an audit
            entry per call; ``Audit(args=[...])`` records the arguments named).

    Raises:
        RegistrationError: an option that is not one of the above (a typo such as ``pubic``),
            a rate limit rule that cannot be parsed, audit arguments that look secret.

    Example:
        >>> @action(public=True)
        ... async def add(a: int, b: int) -> int:
        ...     return a + b
    """

    if unknown := options.keys() - ActionOptions.__optional_keys__:
        valid = ", ".join(sorted([*_CORE_OPTIONS, *ActionOptions.__optional_keys__]))
        bad = ", ".join(sorted(unknown))
        raise RegistrationError(f"@action: unknown option {bad} (the options are: {valid})")

    def mark(f: F) -> F:
        if not inspect.iscoroutinefunction(f):
            raise RegistrationError(f"@action needs an `async def`, got {f!r}")
        if max_body_size is not None and max_body_size <= 0:
            raise RegistrationError(f"action {f.__qualname__}: max_body_size must be positive")
        qualname = name or f"{f.__module__}.{f.__qualname__}"
        signature = ActionSignature(f, qualname)
        checked = ActionOptions(**options)
        where = f"action {qualname}"
        if "rate_limit" in checked:
            checked["rate_limit"] = RateLimit.of(checked["rate_limit"], where)
        if "audit" in checked:
            audit = audit_of(checked["audit"], signature, where)
            checked["audit"] = audit if audit is not None else False
        spec = ActionSpec(
            fn=f,
            name=qualname,
            public=public,
            max_body_size=max_body_size,
            signature=signature,
            roles=frozenset(roles),
            options=checked,
            extensions=MappingProxyType(dict(extensions or {})),
        )
        setattr(f, _ATTR, spec)
        return f

    return mark(fn) if fn is not None else mark


def spec_of(fn: Callable[..., Any]) -> ActionSpec:
    """The ``ActionSpec`` of a function decorated with ``@action``.

    Raises:
        RegistrationError: ``fn`` is not an action.
    """
    spec = getattr(fn, _ATTR, None)
    if not isinstance(spec, ActionSpec):
        raise RegistrationError(f"{fn!r} is not an action: decorate it with @action")
    return spec


def is_listed(spec: ActionSpec) -> bool:
    """True unless the action was declared ``@action(client=False)``: the generated clients
    and the manifest list it (both ask here)."""
    return bool(spec.options.get("client", True))


def rate_limit(spec: ActionSpec) -> RateLimit | None:
    """The action's ``RateLimit`` (parsed at registration), or None without one."""
    value = spec.options.get("rate_limit")
    return value if isinstance(value, RateLimit) else None


def audit_rule(spec: ActionSpec) -> Audit | None:
    """The action's checked ``Audit`` option, or None when it is not audited."""
    value = spec.options.get("audit")
    return value if isinstance(value, Audit) else None


def _collect(sources: Iterable[ModuleType | Callable[..., Any] | str]) -> list[ActionSpec]:
    specs: list[ActionSpec] = []
    for item in sources:
        source = importlib.import_module(item) if isinstance(item, str) else item
        if isinstance(source, ModuleType):
            found = [
                spec
                for value in vars(source).values()
                if isinstance(spec := getattr(value, _ATTR, None), ActionSpec)
                and getattr(value, "__module__", None) == source.__name__
            ]
            specs.extend(sorted(found, key=lambda s: s.name))
        else:
            specs.append(spec_of(source))
    return specs


class Registry:
    """The table of registered actions under a key ring, built once at startup."""

    def __init__(
        self, sources: Iterable[ModuleType | Callable[..., Any] | str], keys: KeyRing
    ) -> None:
        self.keys = keys
        self.specs: dict[str, ActionSpec] = {}
        #: raw ID bytes (under every accepted secret) -> spec; the request path's one lookup.
        self.by_id: dict[bytes, ActionSpec] = {}
        #: action name -> its IDs, one per accepted secret, the current one first.
        self.ids: dict[str, tuple[str, ...]] = {}
        for spec in _collect(sources):
            known = self.specs.get(spec.name)
            if known is not None:
                if known.fn is spec.fn:
                    continue  # the same function listed twice (module and function)
                raise RegistrationError(
                    f"two actions share the name {spec.name!r} ({known.fn.__module__} and "
                    f"{spec.fn.__module__}): give one of them @action(name=...)"
                )
            ids = tuple(action_id(spec.name, secret) for secret in keys.all)
            for aid in ids:
                other = self.by_id.get(aid.encode())
                if other is not None and other is not spec:
                    raise RegistrationError(f"actions {other.name} and {spec.name} share an ID")
                self.by_id[aid.encode()] = spec
            self.specs[spec.name] = spec
            self.ids[spec.name] = ids
        self.manifest = manifest_hash(
            (name, ids[0], spec.signature.schema_fingerprint())
            for (name, spec), ids in zip(self.specs.items(), self.ids.values(), strict=True)
        )

    def id_of(self, fn_or_name: Callable[..., Any] | str) -> str:
        """The current ID of an action, given the function or its name."""
        name = fn_or_name if isinstance(fn_or_name, str) else spec_of(fn_or_name).name
        try:
            return self.ids[name][0]
        except KeyError:
            raise RegistrationError(f"action {name!r} is not registered with this app") from None

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self) -> Any:
        return iter(self.specs.values())
