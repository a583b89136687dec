"""Plugin routes mounted behind their plugin's switch: a caller whose company has the plugin
switched off gets 404 on its pages and API, as if it were not installed. Anonymous requests
(an inbound webhook) pass; the route's own guards still decide who may call it."""

from __future__ import annotations

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from core.errors import NotFound
from core.plugins.manager import DEFAULT_PLUGINS, plugin_manager


def switch_guard(plugin_name: str):
    async def plugin_switched_on(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        from core.plugins.enablement import disabled_for

        principal = connection.scope.get("user")
        if principal is None:
            return
        if plugin_name in await disabled_for(principal.company_path):
            raise NotFound(f"{connection.url.path} not found")

    plugin_switched_on.__qualname__ = f"plugin_switched_on[{plugin_name}]"
    return plugin_switched_on


def plugin_routes() -> list:
    """What every plugin's ``register_routes`` returned; a switchable plugin's routes sit in a
    router carrying its switch. Core modules' routes are mounted as they are."""
    mounted: list = []
    for impl in plugin_manager().hook.register_routes.get_hookimpls():
        items = list(impl.function() or ())
        if not items:
            continue
        if impl.plugin_name in DEFAULT_PLUGINS:
            mounted.extend(items)
        else:
            mounted.append(
                Router(path="/", route_handlers=items, guards=[switch_guard(impl.plugin_name)])
            )
    return mounted
