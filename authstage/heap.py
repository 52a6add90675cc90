"""The process's startup heap moved out of the garbage collector's way, once per process.

A server process holds tens of thousands of long-lived objects after startup (Litestar's
routes, msgspec types, the action table, Piccolo's tables, compiled templates): about 57,000
for the benchmark's no-op app. Every full collection walks all of them. Under concurrency,
requests keep enough objects alive at once that collections come often: 64 concurrent batches
of 10 calls ran 1,364 young, 124 middle and 11 full collections per 6,400 batches, and a
batch cost about 110 µs of CPU instead of 63 µs with the collector off (in-process, no
sockets). ``gc.freeze()`` after startup puts the startup heap in the permanent generation, so
no collection walks it again: the same batches then cost about 78 µs.

``freeze_startup_heap`` runs as the plugin's last startup hook: one full collection (so
startup's garbage is freed, not frozen), then ``gc.freeze()``. Only the first app started in a
process does it: a server serves one app, and a test process that starts hundreds of apps
freezes once, early, instead of collecting the whole heap at each start. ``AUTHSTAGE_GC_FREEZE=0``
turns it off. Written here because the standard library's ``gc`` has the calls and nothing that
decides when to make them.
"""

from __future__ import annotations

import gc
import logging
import os

__all__ = ["freeze_startup_heap"]

logger = logging.getLogger("authstage")

_frozen = False


def freeze_startup_heap() -> None:
    """Collect once and freeze every object alive (``gc.freeze``): the first call in a process
    only, and not with ``AUTHSTAGE_GC_FREEZE=0``."""
    global _frozen  # noqa: PLW0603 - once per process, whichever app starts first
    if _frozen or os.environ.get("AUTHSTAGE_GC_FREEZE", "1").strip() in {"0", "false", "no"}:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
    logger.debug(
        "startup heap frozen: %d objects out of the collector's way", gc.get_freeze_count()
    )
