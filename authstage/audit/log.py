"""Writing the audit log: step 6 of an audited call, inside the transaction of its writes.

For an action declared ``@action(audit=...)`` the steps (steps.py) run the action through
``AuditLog.run``::

    BEGIN (IMMEDIATE on SQLite: authstage.db.write_transaction)
      the action                      its Piccolo writes join this transaction
      INSERT the entry, outcome "ok"
    COMMIT                            the writes and their entry, or neither

    on an error: ROLLBACK, then INSERT the entry with the error code, on its own

What is atomic, on SQLite and PostgreSQL alike: an action's writes through Piccolo (in its own
task, including nested ``write_transaction()`` blocks, which join this one) and its "ok" entry
commit together or not at all; a failed action leaves none of its writes and one entry naming
the error code. What is not: anything outside the database (mail, Redis, files, jobs queued on
Redis) is not rolled back; writes from a task the action spawns share the transaction's one
connection (on PostgreSQL that fails if they overlap); a failure entry is written after the
rollback, so a crash between the two loses that entry (never a success entry). A call cancelled
because its client went away is rolled back and leaves no entry: nothing it did remains.
Refusals before the action runs (401, 403, 422, 429 in steps 1-5) are in the access log
(observe.py), not here. ``redirect()`` is a success: the entry is "ok" and the writes commit.

The cost, only for audited actions: one INSERT per call, and a transaction held for the whole
action (on SQLite ``BEGIN IMMEDIATE`` serializes audited calls with every other writer; on
PostgreSQL one pool connection is held while the action runs).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from authstage.audit.tables import AuditEntry
from authstage.conflict import conflict_from
from authstage.context import principal_id
from authstage.db import current_engine, write_transaction
from authstage.errors import ActionError, ConfigurationError
from authstage.navigation import RedirectSignal

if TYPE_CHECKING:
    from authstage.auditoption import Audit
    from authstage.context import RequestContext
    from authstage.registry import ActionSpec

__all__ = ["AuditLog", "outcome_of"]

logger = logging.getLogger("authstage.audit")


def outcome_of(exc: BaseException) -> str:
    """The error code a call that raised ``exc`` answers with (what its entry records)."""
    if isinstance(exc, ActionError):
        return exc.code_value
    return "CONFLICT" if conflict_from(exc) is not None else "INTERNAL"


class AuditLog:
    """Writes one entry per audited call; built once at startup by the plugin."""

    async def start(self, app: object = None) -> None:
        """Startup hook: an audited app needs a database bound by then.

        Raises:
            ConfigurationError: no database is bound (one line).
        """
        try:
            current_engine()
        except ConfigurationError:
            raise ConfigurationError(
                "audited actions need a database: add Database().startup to the app's on_startup"
            ) from None

    async def run(
        self,
        ctx: RequestContext,
        spec: ActionSpec,
        audit: Audit,
        arguments: tuple[tuple[Any, ...], dict[str, Any]],
    ) -> Any:
        """The action called with ``arguments`` and its entry in one transaction; on an
        error, the entry after it.

        Raises:
            Exception: whatever the action raised (after its entry is written), or the
                database's error when the entry cannot be written (the action rolled back).
        """
        row = {
            "user_id": principal_id(ctx.principal),
            "action": spec.name,
            "ip": ctx.client_ip()[:45],
            "args": audit.recorded(spec.signature, *arguments),
        }
        redirect: RedirectSignal | None = None
        try:
            async with write_transaction():
                try:
                    args, kwargs = arguments
                    value = await spec.fn(*args, **kwargs)
                except RedirectSignal as signal:  # a success that ends in a redirect
                    redirect = signal
                await self._insert(row, "ok")
        except Exception as exc:
            await self._insert_failure(row, outcome_of(exc))
            raise
        if redirect is not None:
            raise redirect
        return value

    @staticmethod
    async def _insert(row: dict[str, Any], outcome: str) -> None:
        await AuditEntry.insert(AuditEntry(**row, outcome=outcome))

    async def _insert_failure(self, row: dict[str, Any], outcome: str) -> None:
        """The failure entry, on its own; a database that cannot take it is logged, and the
        action's own error is what the caller receives."""
        try:
            await self._insert(row, outcome)
        except Exception:
            logger.exception("audit entry for %s (%s) could not be written", row["action"], outcome)
