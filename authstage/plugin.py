"""``AuthstagePlugin``: mounts ``POST /_action`` on any Litestar app.

    app = Litestar(route_handlers=[...], plugins=[AuthstagePlugin(AuthstageConfig(
        actions=["actions.posts", "actions.accounts"],
    ))])

At ``on_app_init`` the plugin resolves the configuration into a new, frozen ``ResolvedConfig``
(environment, auth, and the app's stores included; the user's config is never written, so one
config can serve several apps), loads the key ring, registers every action (failing on any bad
signature or duplicate) and mounts the endpoint as a raw ``@asgi`` handler (the fastest handler
kind Litestar has). At startup it wraps the app's handler in ``PageContext`` (the request
context of every other route, pagecontext.py) and, when nothing would be skipped, the fast
path. The endpoint is kept in the app's state for helpers that need it (``bind``, ``take_outcome``,
the CLI), found through ``appstate.endpoint_of``. It also serves the browser script
(script.py) and gives Jinja templates ``authstage_script()`` to load it.

Rate limits per action (actionlimits.py) count through the auth limiter when there is an
``AuthConfig`` (one limiter per app), else through one built from the environment; its Redis is
pinged at startup. Audited actions get an ``AuditLog`` (audit/log.py), kept in the app's state
so the audit table is migrated with the app (piccolo_apps.py).

Error pages (errorpages.py): unless ``error_pages=False``, browsers asking for a page get HTML
for 403, 404, 500 (with its digest) and the rest, through exception handlers installed here
(the auth guards' wrapped, the app's own left to win), with the package's templates behind the
app's.

With auth, every request for an HTML page has its signed-in user resolved before its handler
runs, for the template global ``current_user`` (auth/pageuser.py). A config with ``seed`` writes
its demo data at startup, after the app's own startup hooks (seeding.py).

Stores: no-JS outcomes and idempotency replies live in the app's ``StoreRegistry``
(``app.stores``) under ``authstage_outcomes`` and ``authstage_idempotency``, so an app whose
registry makes Redis stores gets Redis for both; with no registry of the app's own, Redis when
``AUTHSTAGE_STORES_URL`` or ``REDIS_URL`` is set (sharedstores.py); in memory by default; a
store given in the config wins.

As a ``CLIPlugin`` it adds ``litestar authstage ...`` (litestar_cli.py), the ``authstage``
command run on the app Litestar's CLI found.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from litestar import asgi
from litestar.plugins import CLIPlugin, InitPlugin
from litestar.stores.registry import StoreRegistry

from authstage.actionlimits import ActionLimits
from authstage.appstate import AUDIT_KEY, AUTH_KEY, ENDPOINT_KEY
from authstage.cache import default_cache
from authstage.config import IDEMPOTENCY_STORE, OUTCOME_STORE, AuthstageConfig, ResolvedConfig
from authstage.dispatch import ActionEndpoint
from authstage.errorpages import ErrorPages
from authstage.errors import ConfigurationError
from authstage.fastpath import install_fast_path
from authstage.heap import freeze_startup_heap
from authstage.keys import load_keyring
from authstage.manifest import ManifestEndpoint
from authstage.pagecontext import install_page_context
from authstage.pages import action_fields, action_id, bind
from authstage.registry import Registry, audit_rule, rate_limit
from authstage.script import SCRIPT_KEY, EnhanceScript, authstage_script, script_source
from authstage.sharedstores import with_shared_stores

if TYPE_CHECKING:
    from click import Group
    from litestar import Litestar
    from litestar.config.app import AppConfig
    from litestar.template import TemplateConfig

    from authstage.auth.config import Auth

__all__ = ["AuthstagePlugin"]


def _add_template_globals(template_config: TemplateConfig[Any], extra: dict[str, Any]) -> None:
    """Give Jinja templates ``action_id``, ``action_fields``, ``bind`` (pages.py),
    ``authstage_script`` (script.py) and ``extra`` (``current_user`` with auth:
    auth/pageuser.py)."""
    previous = template_config.engine_callback
    added = {
        "action_id": action_id,
        "action_fields": action_fields,
        "bind": bind,
        "authstage_script": authstage_script,
        **extra,
    }

    def install(engine: Any) -> None:
        environment = getattr(engine, "engine", None)
        env_globals = getattr(environment, "globals", None)
        if isinstance(env_globals, dict):
            env_globals.update(added)
        if previous is not None:
            previous(engine)

    template_config.engine_callback = install


class AuthstagePlugin(InitPlugin, CLIPlugin):
    """Registers actions and mounts the action endpoint."""

    __slots__ = ("auth", "config", "endpoint")

    def __init__(self, config: AuthstageConfig | None = None, **kwargs: Any) -> None:
        """Take an ``AuthstageConfig``, or its fields as keyword arguments."""
        self.config = config or AuthstageConfig(**kwargs)
        #: The endpoint and auth runtime of the app built last (each app gets its own).
        self.endpoint: ActionEndpoint | None = None
        self.auth: Auth | None = None

    def build(self, stores: StoreRegistry | None = None) -> ActionEndpoint:
        """A new endpoint: the config resolved, with what auth and ``stores`` contribute."""
        config = self.config.resolve()
        keys = load_keyring(
            config.secret,
            list(config.previous_secrets),
            production=config.production,
            dev_secret_file=config.dev_secret_file,
        )
        registry = Registry(config.actions, keys)
        auth = None
        if config.auth is not None:
            from authstage.auth.current import authenticate  # Piccolo tables: only with auth

            auth = config.auth.build(production=config.production)
            config = replace(
                config,
                authenticate=config.authenticate or authenticate,
                guards=(auth.role_guard, *config.guards),
                session_cookie=auth.cookie_name,
            )
        elif with_roles := [s.name for s in registry if s.roles]:
            raise ConfigurationError(
                f"actions {with_roles} declare roles but the plugin has no AuthConfig"
            )
        elif config.seed is not None:
            raise ConfigurationError("seed runs while the database has no users: it needs auth")
        if stores is not None:
            config = _with_stores(config, stores)
        config = _with_caches(config)
        self.auth = auth
        limits = None
        if limited := {spec.name: rule for spec in registry if (rule := rate_limit(spec))}:
            from authstage.ratelimit import RateLimiter  # ``limits``: only with rate limits

            limits = ActionLimits(limited, auth.limiter if auth is not None else RateLimiter())
        audit = None
        if any(audit_rule(spec) for spec in registry):
            from authstage.audit.log import AuditLog  # Piccolo tables: only with audited actions

            audit = AuditLog()
        self.endpoint = ActionEndpoint(registry, config, limits=limits, audit=audit)
        return self.endpoint

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        # The registry Litestar will use as app.stores, so both find the same stores (on
        # Redis when the environment names one and the app chose none: sharedstores.py).
        app_config.stores, close_stores = with_shared_stores(app_config.stores)
        if close_stores is not None:
            app_config.on_shutdown = [*app_config.on_shutdown, close_stores]
        endpoint = self.build(app_config.stores)
        auth, config = self.auth, endpoint.config

        _add_routes(app_config, endpoint, auth)
        if self.config.idempotency_store is not None:  # opened and closed with the app
            app_config.lifespan.append(self.config.idempotency_store)
        for cache in config.caches:  # started and stopped with the app (once, however wired)
            if cache.lifespan not in app_config.lifespan:
                app_config.lifespan.append(cache.lifespan)
        prepare, template_globals = None, {}
        if auth is not None:
            from authstage.auth.pageuser import page_user, prepare_page

            prepare, template_globals = prepare_page, {"current_user": page_user}
        if app_config.template_config is not None:
            _add_template_globals(app_config.template_config, template_globals)
        app_config.state[ENDPOINT_KEY] = endpoint

        def wrap_handler(app: Litestar) -> None:
            install_page_context(app, config.path, prepare)  # first: the fast path wraps it
            if config.fast_path:
                install_fast_path(app, endpoint, config.path)

        app_config.on_startup = [*app_config.on_startup, wrap_handler]
        limits, audit = endpoint.steps.limits, endpoint.steps.audit
        if limits is not None and (auth is None or limits.limiter is not auth.limiter):
            app_config.on_startup.append(limits.limiter.start)  # unreachable Redis: one line
            app_config.on_shutdown = [*app_config.on_shutdown, limits.limiter.close]
        if audit is not None:
            app_config.state[AUDIT_KEY] = audit  # the audit table is migrated with the app
            app_config.on_startup.append(audit.start)
        if auth is not None:
            app_config.state[AUTH_KEY] = auth
            app_config.on_startup.append(auth.start)  # limiter, session cache channel
            app_config.on_shutdown = [*app_config.on_shutdown, auth.close]
        _add_exception_handlers(app_config, config, auth)
        if config.seed is not None:
            app_config.on_startup.append(_seeding(config))  # after the app's migrations
        app_config.on_startup.append(freeze_startup_heap)  # last: all startup objects exist
        return app_config

    def on_cli_init(self, cli: Group) -> None:
        """Add ``litestar authstage ...``: the ``authstage`` command on Litestar's app."""
        # Imported here, in the CLI process only: serving an app never loads the CLI.
        from authstage.litestar_cli import authstage_command

        cli.add_command(authstage_command)


def _seeding(config: ResolvedConfig) -> Callable[[], Awaitable[None]]:
    """The startup hook running ``config.seed`` under the rules of seeding.py."""
    seed, production = config.seed, config.production
    assert seed is not None

    async def seed_on_startup() -> None:
        from authstage.seeding import run_seed  # Piccolo tables: only with a seeder

        await run_seed(seed, production=production)

    return seed_on_startup


def _add_routes(app_config: AppConfig, endpoint: ActionEndpoint, auth: Auth | None) -> None:
    """``POST /_action``, its manifest and the browser script, on the app's routes."""
    config = endpoint.config
    handler = asgi(config.path, name="authstage_action", copy_scope=False)
    app_config.route_handlers.append(handler(endpoint.__call__))
    manifest = asgi(f"{config.path}/manifest", name="authstage_manifest", copy_scope=False)
    app_config.route_handlers.append(manifest(ManifestEndpoint(endpoint.registry).__call__))
    login_url = auth.config.login_url if auth is not None else "/login"
    script = EnhanceScript(script_source(), config.path, login_url, config.max_refresh_reads)
    serve_script = asgi(script.url, name="authstage_script", copy_scope=False)
    app_config.route_handlers.append(serve_script(script.__call__))
    app_config.state[SCRIPT_KEY] = script


def _add_exception_handlers(
    app_config: AppConfig, config: ResolvedConfig, auth: Auth | None
) -> None:
    """The auth guards' handlers (to login, 401) and the error pages (errorpages.py); the
    app's own handlers win."""
    handlers: dict[Any, Any] = {}
    if auth is not None:
        from authstage.auth.guards import exception_handlers

        handlers = dict(exception_handlers)
    if config.error_pages:
        pages = ErrorPages(config.path)
        handlers = pages.handlers(handlers)
        if app_config.template_config is not None:
            pages.install(app_config.template_config)
    app_config.exception_handlers = {**handlers, **app_config.exception_handlers}


def _with_stores(config: ResolvedConfig, stores: StoreRegistry) -> ResolvedConfig:
    """``config`` with its unset stores taken from the app's registry, by name."""
    return replace(
        config,
        outcome_store=config.outcome_store or stores.get(OUTCOME_STORE),
        idempotency_store=config.idempotency_store or stores.get(IDEMPOTENCY_STORE),
    )


def _with_caches(config: ResolvedConfig) -> ResolvedConfig:
    """``config`` with its caches (and the default one, once used) told what actions
    revalidate; a listener the app wired itself is not added twice."""
    caches = [*config.caches, *([default_cache] if default_cache.in_use else [])]
    caches = list(dict.fromkeys(caches))
    listeners = [c.listener for c in caches if c.listener not in config.on_revalidate]
    return replace(config, caches=tuple(caches), on_revalidate=(*config.on_revalidate, *listeners))
