"""The ``@action(audit=...)`` option: that a call is audited, and which arguments it records.

``audit=True`` records who, which action, the outcome, when and from which IP, and no
argument. ``audit=Audit(args=["post_id", "data.title"])`` also records the arguments named:
a parameter, or one field of a Struct parameter (``data.title``), each checked against the
signature when the module is imported. Arguments are never recorded unless listed, and a name
that looks secret (any part containing ``password``, ``passwd``, ``secret`` or ``token``) is
refused at registration even when listed, so a password cannot reach the audit table by a
careless list. The log itself (table, transaction, the admin read) is ``authstage.audit``.

This module sits below the registry and knows nothing of Piccolo: registering an audited action
imports no database code. Extracting the recorded values costs one ``msgspec.to_builtins`` per
listed argument, only for audited calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from authstage.errors import RegistrationError

if TYPE_CHECKING:
    from authstage.params import ActionSignature

__all__ = ["SECRET_WORDS", "Audit", "audit_of"]

#: Parts of a name that mark it secret: such an argument is never recorded.
SECRET_WORDS = ("password", "passwd", "secret", "token")


@dataclass(frozen=True, slots=True)
class Audit:
    """An audited action and the arguments its entries record (none unless listed).

    Args:
        args: parameter names, or ``param.field`` for a field of a Struct parameter.
    """

    args: Sequence[str] = ()

    def checked(self, signature: ActionSignature, where: str) -> Audit:
        """This option with ``args`` checked against ``signature`` (as a tuple).

        Raises:
            RegistrationError: a listed name is secret, or not a parameter (or field) of it.
        """
        params = {p.name: p for p in signature.params}
        for path in self.args:
            parts = path.split(".")
            if secret := [p for p in parts if any(w in p.lower() for w in SECRET_WORDS)]:
                raise RegistrationError(
                    f"{where}: audit args {path!r} looks secret ({secret[0]!r}): secrets, "
                    "passwords and tokens are never recorded"
                )
            param = params.get(parts[0])
            if param is None or len(parts) > 2:
                raise RegistrationError(
                    f"{where}: audit args {path!r} is not a parameter (or param.field)"
                )
            if len(parts) == 2 and parts[1] not in (param.struct_fields or ()):
                raise RegistrationError(f"{where}: audit args {path!r}: no such Struct field")
        return Audit(args=tuple(self.args))

    def recorded(
        self, signature: ActionSignature, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The listed arguments of one call as JSON-ready values (None when none is listed)."""
        if not self.args:
            return None
        names = [p.name for p in signature.params]
        values = {**dict(zip(names, args, strict=False)), **kwargs}
        out: dict[str, Any] = {}
        for path in self.args:
            name, _, attr = path.partition(".")
            value = msgspec.to_builtins(values.get(name))
            if attr:
                value = value.get(attr) if isinstance(value, dict) else None
            out[path] = value
        return out


def audit_of(value: object, signature: ActionSignature, where: str) -> Audit | None:
    """The ``audit`` option's value as a checked ``Audit`` (None for ``False``).

    Raises:
        RegistrationError: ``value`` is not a bool or an ``Audit``, or its args are refused.
    """
    if value is False or value is None:
        return None
    if value is True:
        return Audit()
    if isinstance(value, Audit):
        return value.checked(signature, where)
    raise RegistrationError(f"{where}: audit is True, False or an Audit(args=[...])")
