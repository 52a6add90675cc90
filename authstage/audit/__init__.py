"""The audit log: ``@action(audit=True)`` leaves one entry per call, an admin action reads them.

- ``Audit`` (auditoption.py): the option, and which arguments an entry may record.
- ``AuditEntry`` (tables.py): the table, migrated with the ``audit`` Piccolo app.
- ``AuditLog`` (log.py): step 6 of an audited call, in the transaction of its writes.
- ``list_audit_entries`` (actions.py): the admin-only, paged read.

See docs/platform.md, "Audit log".
"""

from authstage.audit.actions import AuditEntryOut, AuditPage, list_audit_entries
from authstage.audit.log import AuditLog, outcome_of
from authstage.audit.tables import AuditEntry
from authstage.auditoption import Audit

__all__ = [
    "Audit",
    "AuditEntry",
    "AuditEntryOut",
    "AuditLog",
    "AuditPage",
    "list_audit_entries",
    "outcome_of",
]
