"""Where plugin routes mount, and behind which guards: nothing a plugin adds is public by
accident.

- ``register_routes``: API handlers under ``/api/v1/plugins/<key>/``, behind the guard of the
  core ``/api/v1`` router (401 without a token, 403 when its scopes miss the method). Each
  handler must declare its permission (``requires(area, level)`` or ``signed_in()``), checked
  when the app is built, so 403 for a role without the level comes from the same guard as in
  core. A handler passed through ``public()`` mounts instead under ``/hooks/<key>/`` with no
  guard but the platform's switch: an inbound webhook checks its caller itself (a signature).
- ``register_pages``: UI pages under ``/p/<key>/``, behind the UI session guard (a visitor
  without a session goes to /login), with the same permission rule.

Every one of those routers also carries the plugin's switch (404 for a caller whose company has
the plugin off, as if it were not installed) and the ``plugin`` dependency
(``core.plugins.context.PluginContext``). ``/api/v1/plugins/<key>`` itself stays the plugin's
detail (``core.plugins.api``): a plugin route at its key's root is refused. Core modules in
``DEFAULT_PLUGINS`` mount as they are, under the paths they declare.
"""

from __future__ import annotations

from litestar import Request, Router, get
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler

from core.access.guards import requirements_of
from core.auth.api_tokens import require_api_caller
from core.auth.guards import require_ui_user
from core.errors import NotFound
from core.plugins.context import context_provider
from core.plugins.extension import by_plugin, plugin_key
from core.plugins.manager import DEFAULT_PLUGINS, PluginError
from core.plugins.schemas import PluginOut

API_PREFIX = "/api/v1/plugins"
PUBLIC_PREFIX = "/hooks"
PAGES_PREFIX = "/p"
PUBLIC_OPT = "bo_public"


def public(handler):
    """Mark a plugin route handler public: it mounts unguarded under ``/hooks/<key>/``."""
    handler.opt[PUBLIC_OPT] = True
    return handler


def is_public(item) -> bool:
    return bool((getattr(item, "opt", None) or {}).get(PUBLIC_OPT))


async def _off_for_platform(plugin_name: str) -> bool:
    from core.plugins.models import CompanyPlugin

    row = (
        await CompanyPlugin.select(CompanyPlugin.id)
        .where(
            CompanyPlugin.company.kind == "owner",
            CompanyPlugin.plugin == plugin_name,
            CompanyPlugin.enabled.eq(False),
        )
        .first()
    )
    return row is not None


def switch_guard(plugin_name: str):
    async def plugin_switched_on(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        from core.plugins.enablement import disabled_for

        principal = connection.scope.get("user")
        if principal is None:
            # an anonymous caller (a webhook) belongs to no company: only the platform's
            # own switch applies
            if await _off_for_platform(plugin_name):
                raise NotFound(f"{connection.url.path} not found")
            return
        if plugin_name in await disabled_for(principal.company_path):
            raise NotFound(f"{connection.url.path} not found")

    plugin_switched_on.__qualname__ = f"plugin_switched_on[{plugin_name}]"
    return plugin_switched_on


def _handlers(router: Router):
    for route in router.routes:
        for handler in getattr(route, "route_handlers", ()):
            # litestar adds an OPTIONS handler per path (CORS preflight): not the plugin's
            if isinstance(handler, HTTPRouteHandler) and handler.http_methods != {"OPTIONS"}:
                yield route.path, handler


def _mount(name: str, prefix: str, items: list, guards: list, *, declared: bool, **kw) -> Router:
    router = Router(
        path=f"{prefix}/{name}",
        route_handlers=items,
        guards=[*guards, switch_guard(name)],
        dependencies={"plugin": context_provider(name)},
        **kw,
    )
    for path, handler in _handlers(router):
        if path.rstrip("/") == f"{API_PREFIX}/{name}":
            raise PluginError(
                f"plugin {name}: {handler.handler_name} would hide the plugin's detail at "
                f"{path}; give it a sub-path"
            )
        if declared and not requirements_of(handler.resolve_guards()):
            raise PluginError(
                f"plugin {name}: route {path} declares no permission; add "
                "guards=[requires(area, level)] or [signed_in()], or mark it public()"
            )
    return router


def _detail_alias(name: str) -> Router:
    """``GET /api/v1/plugins/<key>``: once the plugin's router holds the static segment
    ``<key>``, litestar no longer falls back to the ``{name}`` detail route for it, so the
    detail is mounted again at that exact path (outside the switch, like the original)."""
    from core.plugins import service
    from core.plugins.api import VIEW
    from core.web.context import principal_of

    @get("/", guards=VIEW, include_in_schema=False, name=f"plugin-detail-{name}")
    async def plugin_detail(request: Request) -> PluginOut:
        return await service.get_plugin(principal_of(request).scope, name)

    return Router(
        path=f"{API_PREFIX}/{name}", route_handlers=[plugin_detail], guards=[require_api_caller]
    )


def _grouped(hook_name: str) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for name, item in by_plugin(hook_name):
        grouped.setdefault(name, []).append(item)
    return grouped


def plugin_routes() -> list:
    """Routers for every plugin's ``register_routes`` and ``register_pages``."""
    from core.web.openapi import SECURITY

    mounted: list = []
    for name, items in _grouped("register_routes").items():
        if name in DEFAULT_PLUGINS:
            mounted.extend(items)
            continue
        plugin_key(name)
        guarded = [i for i in items if not is_public(i)]
        opened = [i for i in items if is_public(i)]
        if guarded:
            mounted.append(
                _mount(
                    name,
                    API_PREFIX,
                    guarded,
                    [require_api_caller],
                    declared=True,
                    security=SECURITY,
                )
            )
            mounted.append(_detail_alias(name))
        if opened:
            mounted.append(_mount(name, PUBLIC_PREFIX, opened, [], declared=False))
    for name, items in _grouped("register_pages").items():
        plugin_key(name)
        # HTML pages, left out of the OpenAPI document as core's pages are (they were listed
        # there as JSON operations)
        mounted.append(
            _mount(
                name,
                PAGES_PREFIX,
                items,
                [require_ui_user],
                declared=True,
                include_in_schema=False,
            )
        )
    return mounted
