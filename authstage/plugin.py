"""``AuthstagePlugin``: mounts ``POST /_action`` on any Litestar app.

    app = Litestar(route_handlers=[...], plugins=[AuthstagePlugin(AuthstageConfig(
        actions=["actions.posts", "actions.accounts"],
    ))])

At ``on_app_init`` the plugin resolves the configuration (environment included), loads the
key ring, registers every action (failing on any bad signature or duplicate), mounts the
endpoint as a raw ``@asgi`` handler (the fastest handler kind Litestar has) and adds the
``before_request``/``after_request`` hooks that give every other route a request context. The
endpoint is also kept in the app's state for helpers that need it (``bind``, ``take_outcome``,
the CLI), found through ``appstate.endpoint_of``.
"""

from __future__ import annotations

from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from litestar import Request, asgi
from litestar.plugins import InitPluginProtocol

from authstage.appstate import AUTH_KEY, ENDPOINT_KEY
from authstage.config import AuthstageConfig
from authstage.context import enter_page, leave_page
from authstage.dispatch import ActionEndpoint
from authstage.errors import ConfigurationError
from authstage.fastpath import install_fast_path
from authstage.keys import load_keyring
from authstage.manifest import ManifestEndpoint
from authstage.pages import action_fields, action_id, bind
from authstage.registry import Registry

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.config.app import AppConfig
    from litestar.template import TemplateConfig
    from litestar.types import AfterRequestHookHandler, BeforeRequestHookHandler

    from authstage.auth.config import Auth

__all__ = ["AuthstagePlugin"]


def _chain_before(user: BeforeRequestHookHandler | None) -> BeforeRequestHookHandler:
    """Our ``before_request`` first, then the app's own (which may still answer early)."""
    if user is None:
        return enter_page

    async def both(request: Request[Any, Any, Any]) -> Any:
        await enter_page(request)
        result = user(request)
        return await result if isawaitable(result) else result

    return both


def _chain_after(user: AfterRequestHookHandler | None) -> AfterRequestHookHandler:
    """The app's own ``after_request`` first, then ours (which adds the cookies)."""
    if user is None:
        return leave_page

    async def both(response: Any) -> Any:
        result = user(response)
        return await leave_page(await result if isawaitable(result) else result)

    return both


def _add_template_globals(template_config: TemplateConfig[Any]) -> None:
    """Give Jinja templates ``action_id``, ``action_fields`` and ``bind`` (pages.py)."""
    previous = template_config.engine_callback

    def install(engine: Any) -> None:
        environment = getattr(engine, "engine", None)
        env_globals = getattr(environment, "globals", None)
        if isinstance(env_globals, dict):
            env_globals.update(action_id=action_id, action_fields=action_fields, bind=bind)
        if previous is not None:
            previous(engine)

    template_config.engine_callback = install


class AuthstagePlugin(InitPluginProtocol):
    """Registers actions and mounts the action endpoint."""

    __slots__ = ("auth", "config", "endpoint")

    def __init__(self, config: AuthstageConfig | None = None, **kwargs: Any) -> None:
        """Take an ``AuthstageConfig``, or its fields as keyword arguments."""
        self.config = config or AuthstageConfig(**kwargs)
        self.endpoint: ActionEndpoint | None = None
        self.auth: Auth | None = None

    def build(self) -> ActionEndpoint:
        """Resolve the config and build the endpoint (idempotent)."""
        if self.endpoint is None:
            config = self.config.resolve()
            keys = load_keyring(
                config.secret,
                list(config.previous_secrets or ()),
                production=bool(config.production),
                dev_secret_file=config.dev_secret_file,
            )
            registry = Registry(config.actions, keys)
            if config.auth is not None:
                from authstage.auth.current import authenticate  # Piccolo tables: only with auth

                self.auth = config.auth.build(production=bool(config.production))
                config.authenticate = config.authenticate or authenticate
                config.guards = [self.auth.role_guard, *config.guards]
                config.session_cookie = self.auth.cookie_name
            elif with_roles := [s.name for s in registry if s.roles]:
                raise ConfigurationError(
                    f"actions {with_roles} declare roles but the plugin has no AuthConfig"
                )
            self.endpoint = ActionEndpoint(registry, config)
        return self.endpoint

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        endpoint = self.build()

        handler = asgi(self.config.path, name="authstage_action", copy_scope=False)
        app_config.route_handlers.append(handler(endpoint.__call__))
        manifest = asgi(f"{self.config.path}/manifest", name="authstage_manifest", copy_scope=False)
        app_config.route_handlers.append(manifest(ManifestEndpoint(endpoint.registry).__call__))
        if endpoint.config.idempotency_store is not None:  # opened and closed with the app
            app_config.lifespan.append(endpoint.config.idempotency_store)
        if app_config.template_config is not None:
            _add_template_globals(app_config.template_config)
        app_config.before_request = _chain_before(app_config.before_request)
        app_config.after_request = _chain_after(app_config.after_request)
        app_config.state[ENDPOINT_KEY] = endpoint
        if self.config.fast_path:
            path = self.config.path

            def take_fast_path(app: Litestar) -> None:
                install_fast_path(app, endpoint, path)

            app_config.on_startup = [*app_config.on_startup, take_fast_path]
        if self.auth is not None:
            from authstage.auth.guards import exception_handlers

            app_config.state[AUTH_KEY] = self.auth
            app_config.on_shutdown = [*app_config.on_shutdown, self.auth.limiter.close]
            handlers: dict[Any, Any] = {**exception_handlers, **app_config.exception_handlers}
            app_config.exception_handlers = handlers
        return app_config
