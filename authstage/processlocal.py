"""What a started app keeps inside its own process, and the refusal to run several of them so.

``authstage run --workers N`` serves one port from N processes. Everything the framework
shares between instances (docs/deployment.md, "The two shapes") is then shared between those
processes only if it lives in PostgreSQL, Redis or the SQLite file; kept in memory, each
process has its own, and a feature that works with one process silently breaks with two:

- no-JS outcomes: a form posted to one process has its outcome page rendered by another,
  which does not have it;
- idempotency replies: a retried key reaching another process runs the action again;
- rate limits: each process counts on its own, so the limit is N times what is declared;
- data caches: an invalidation reaches the cache of the process that made it only;
- the session cache's in-process channel: signing out on one process leaves the session
  cached, and signed in, on the others.

So several processes with any of these in memory are refused at startup, with one line naming
them and how to share them (``REDIS_URL``), rather than warned about: the failure they cause is
silent and intermittent. Jobs need nothing: the database runner claims rows (several processes
may claim from one table) and SAQ is on Redis. Inspecting the app is done here, once, from the
objects the plugin built, not from the environment, so stores an app passes itself count too.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.stores.memory import MemoryStore

from authstage.appstate import auth_of, endpoint_of
from authstage.errors import ConfigurationError

__all__ = ["check_shareable", "process_local_state"]


def _endpoint_state(app: Litestar) -> list[str]:
    endpoint = endpoint_of(app)
    found = []
    if isinstance(endpoint.outcome_store, MemoryStore):
        found.append("no-JS outcomes")
    idempotency = getattr(endpoint, "idempotency", None)
    if idempotency is not None and isinstance(idempotency.store, MemoryStore):
        found.append("idempotency replies")
    limits = getattr(getattr(endpoint, "steps", None), "limits", None)
    limiters = [limits.limiter] if limits is not None else []
    auth = auth_of(app)
    if auth is not None:
        limiters.append(auth.limiter)
    if any(not limiter.shared for limiter in limiters):
        found.append("rate limits")
    caches = getattr(endpoint.config, "caches", ())
    if any(not cache.store.shared for cache in caches):
        found.append("the data cache")
    return found


def _session_channel(app: Litestar) -> list[str]:
    from authstage.auth.invalidation import LocalChannel

    auth = auth_of(app)
    if auth is None or auth.sessions.cache is None:
        return []
    return (
        ["the session cache's channel"] if isinstance(auth.sessions.channel, LocalChannel) else []
    )


def process_local_state(app: Litestar) -> list[str]:
    """What the started ``app`` keeps in this process only, as short names (empty: nothing)."""
    try:
        endpoint_of(app)
    except RuntimeError:  # no AuthstagePlugin: nothing of the framework's to share
        return []
    return [*_endpoint_state(app), *_session_channel(app)]


def check_shareable(app: Litestar, workers: int) -> None:
    """Refuse to serve the started ``app`` from ``workers`` processes when it keeps state in
    each of them.

    Raises:
        ConfigurationError: ``workers`` > 1 and something is kept in memory.
    """
    if workers <= 1:
        return
    local = process_local_state(app)
    if local:
        raise ConfigurationError(
            f"--workers {workers}: {', '.join(local)} would be kept in each process; "
            "set REDIS_URL (or the settings in docs/deployment.md, 'Server processes') "
            "or run one process"
        )
