"""Every service domain by key: the core's and the channel plugins', with one owner each.

A rate tree names a domain by key, so a plugin channel declaring a core domain's key would make
the core's pack prices ambiguous: that is a ``PluginError`` naming the plugin, reported at
start-up and by ``backoffice plugins check`` like the registries' own conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.catalogue.domains.core_domains import CORE_DOMAINS
from core.errors import PluginsInConflict
from core.plugins import enablement, registry
from core.plugins.declarations import Channel
from core.plugins.manager import PluginError
from tenants.scope import Scope

CORE = "core"


@dataclass(frozen=True)
class Domain:
    """``plugin`` is the declaring plugin's name, or ``CORE`` for a core domain."""

    declaration: type[Channel]
    plugin: str

    @property
    def key(self) -> str:
        return self.declaration.service_domain

    @property
    def core(self) -> bool:
        return self.plugin == CORE


def _with_core(channels: dict[str, type[Channel]]) -> dict[str, Domain]:
    found = {c.service_domain: Domain(c, CORE) for c in CORE_DOMAINS}
    for key, channel in channels.items():
        plugin = registry.plugin_of("channels", key)
        core = found.get(channel.service_domain)
        if core is not None and core.core:
            raise PluginError(
                f"plugin {plugin!r}: channel {key!r} declares service domain "
                f"{channel.service_domain!r}, which is a core domain"
            )
        found[channel.service_domain] = Domain(channel, plugin)
    return found


def registered() -> dict[str, Domain]:
    """All domains, whatever the companies have switched off."""
    return _with_core(registry.channels())


async def available(scope: Scope) -> dict[str, Domain]:
    """The domains the company of ``scope`` may price: the core's and those of its channels'
    plugins that are on for it (``core.plugins.enablement``). A conflict (with a core domain,
    or two plugins' channels) is the same 503 for every company, naming the plugins."""
    try:
        registered()
        return _with_core(await enablement.available(scope, "channels"))
    except PluginError as exc:
        raise PluginsInConflict(f"{exc}; `backoffice plugins check` lists the conflicts") from exc
