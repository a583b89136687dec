"""What an acting plugin handler gets besides the request: ``PluginContext``, injected as the
``plugin`` dependency into every route a plugin mounts (API, public and pages).

A handler scopes its queries with ``plugin.company_id`` (None on a public route, whose caller
is anonymous: a webhook finds its tenant from its own payload) and reads its configuration
from ``plugin.settings``: the plugin's settings of the caller's company as ``tenant.toml``
stores them in ``company_plugins`` (sealed there, opened here), or of the nearest company
above it that has some, because a reseller configures a plugin once for its whole subtree.
Settings sealed under another secret key read as empty rather than failing the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from core.auth.principal import Principal
from core.auth.secrets import SecretUnreadable, decrypt
from core.plugins.models import CompanyPlugin
from tenants.tree import ancestor_ids

# The HKDF label ``tenants.sync`` seals plugin settings with.
SETTINGS_PURPOSE = "company-plugin-settings"


@dataclass(frozen=True)
class PluginContext:
    """The plugin (``key``), the caller's company (None when anonymous) and the settings."""

    key: str
    company_id: int | None
    company_path: str | None
    principal: Principal | None
    settings: Mapping[str, Any] = field(default_factory=dict)


async def company_settings(key: str, company_path: str) -> Mapping[str, Any]:
    """The settings of the nearest company from ``company_path`` upwards that has any."""
    ids = ancestor_ids(company_path)
    if not ids:
        return MappingProxyType({})
    rows = await CompanyPlugin.select(CompanyPlugin.company, CompanyPlugin.settings).where(
        CompanyPlugin.company.is_in(ids), CompanyPlugin.plugin == key
    )
    sealed = {r["company"]: r["settings"] for r in rows if r["settings"]}
    for company_id in reversed(ids):
        if company_id in sealed:
            try:
                return MappingProxyType(json.loads(decrypt(sealed[company_id], SETTINGS_PURPOSE)))
            except SecretUnreadable:
                break
    return MappingProxyType({})


# What a handler annotates its ``plugin`` parameter with.
Plugin = NamedDependency[PluginContext]


def context_provider(key: str) -> Provide:
    async def plugin_context(request: Request) -> PluginContext:
        principal = request.scope.get("user")
        if principal is None:
            return PluginContext(key, None, None, None)
        settings = await company_settings(key, principal.company_path)
        return PluginContext(key, principal.company_id, principal.company_path, principal, settings)

    return Provide(plugin_context)
