"""Which plugins each company may use, read from ``company_plugins`` (one row per company and
plugin, unique in the database; ``tenant.toml`` writes the same rows).

The rule: a plugin is on for a company unless a row says ``enabled = false`` for that company
or for any company above it. No row means "as my parent": installing a package makes it
available everywhere until someone switches it off, and switching it off at one level switches
it off for the whole subtree below, so a reseller can never pass on what it does not have.
The system owner's own row is the platform switch. Core modules
(``core.catalogue.dictionaries.builtin``) are always on and have no switch.

The registries answer per company through ``available``: forms, selects and API validation
offer only the keys of plugins on for the caller's company, and ``refuse_disabled`` answers a
422 naming the plugin. Rows already created with a disabled plugin's key stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.audit.recorder import AuditContext, Change, record_event
from core.db.engine import transaction
from core.errors import Forbidden, Invalid, NotFound
from core.plugins import catalog, registry
from core.plugins.models import CompanyPlugin
from tenants.models import Company
from tenants.scope import Scope
from tenants.tree import ancestor_ids

REGISTRIES = {
    "channels": registry.channels,
    "vendors": registry.vendors,
    "payment_systems": registry.payment_systems,
    "dictionaries": registry.dictionaries,
}
NOUNS = {
    "channels": "channel",
    "vendors": "vendor type",
    "payment_systems": "payment system",
    "dictionaries": "dictionary",
}


async def disabled_for(company_path: str) -> frozenset[str]:
    """Plugins switched off for the company at ``company_path`` or for one above it."""
    ids = ancestor_ids(company_path)
    if not ids:
        return frozenset()
    rows = await CompanyPlugin.select(CompanyPlugin.plugin).where(
        CompanyPlugin.company.is_in(ids), CompanyPlugin.enabled.eq(False)
    )
    return frozenset(r["plugin"] for r in rows)


async def available(scope: Scope, kind: str) -> dict[str, Any]:
    """Registry ``kind`` ("channels", "vendors", "payment_systems", "dictionaries") as the
    company sees it."""
    everything = REGISTRIES[kind]()
    off = await disabled_for(scope.company_path)
    if not off:
        return everything
    return {k: v for k, v in everything.items() if catalog.owner_of(kind, k) not in off}


async def refuse_disabled(scope: Scope, kind: str, key: str, field: str) -> None:
    """A 422 naming the plugin when ``key`` belongs to a plugin switched off for the caller."""
    plugin = catalog.owner_of(kind, key)
    if plugin is not None and plugin in await disabled_for(scope.company_path):
        raise Invalid.field(
            field,
            f"{NOUNS[kind]} “{key}” comes from plugin “{plugin}”, which is disabled for "
            "your company",
        )


@dataclass(frozen=True)
class CompanyState:
    """One plugin as one company has it.

    ``setting`` is that company's own row (``on``, ``off``, or ``inherit`` without a row);
    ``available`` says the company above has it on (the platform always does), ``enabled``
    is the result.
    """

    plugin: str
    setting: str
    available: bool
    enabled: bool


async def _target(scope: Scope, company_id: int) -> dict:
    """The caller's own company or one it created; anything else answers 404 (an id no
    32-bit id column can hold too, before PostgreSQL would refuse it as out of range)."""
    if not 0 < company_id < 2**31:
        raise NotFound(f"company {company_id} not found")
    columns = (Company.id, Company.name, Company.kind, Company.path, Company.parent)
    if company_id == scope.company_id:
        row = await Company.select(*columns).where(Company.id == company_id).first()
    else:
        row = (
            await Company.select(*columns)
            .where(Company.id == company_id, Company.parent == scope.company_id)
            .first()
        )
    if row is None:
        raise NotFound(f"company {company_id} not found")
    return row


async def _states(company: dict) -> list[CompanyState]:
    plugins = catalog.switchable()
    own = {
        r["plugin"]: r["enabled"]
        for r in await CompanyPlugin.select(CompanyPlugin.plugin, CompanyPlugin.enabled).where(
            CompanyPlugin.company == company["id"]
        )
    }
    above = ancestor_ids(company["path"])[:-1]
    off_above = await disabled_for("/".join(map(str, above))) if above else frozenset()
    states = []
    for name in sorted(plugins):
        setting = "inherit" if name not in own else ("on" if own[name] else "off")
        available = name not in off_above
        states.append(CompanyState(name, setting, available, available and setting != "off"))
    return states


async def company_states(scope: Scope, company_id: int) -> tuple[dict, list[CompanyState]]:
    company = await _target(scope, company_id)
    return company, await _states(company)


def _switchable(name: str) -> catalog.PluginInfo:
    every = {i.name: i for i in catalog.installed()}
    info = every.get(name)
    if info is None:
        raise NotFound(f"no installed plugin named “{name}”")
    if info.always_on:
        raise Invalid.field("plugin", f"“{name}” is part of the core and always on")
    if info.status != "ok":
        raise Invalid.field("plugin", f"“{name}” was left out at start-up: {info.problem}")
    return info


async def set_enabled(
    ctx: AuditContext, scope: Scope, company_id: int, name: str, enabled: bool
) -> CompanyState:
    """Switch ``name`` on or off for the caller's child company (the owner: also the platform).

    A reseller's own switches belong to the company above it (403); a child may only be
    given what the caller has itself (422 naming the plugin).
    """
    company = await _target(scope, company_id)
    _switchable(name)
    if company["id"] == scope.company_id and not scope.is_system_owner:
        raise Forbidden("your company's plugins are set by the company that created it")
    if enabled and name in await disabled_for(scope.company_path) and company["parent"]:
        raise Invalid.field(
            "enabled", f"plugin “{name}” is disabled for your company; you cannot enable it"
        )
    async with transaction():
        row = (
            await CompanyPlugin.select(CompanyPlugin.id, CompanyPlugin.enabled)
            .where(CompanyPlugin.company == company["id"], CompanyPlugin.plugin == name)
            .first()
        )
        if row is None:
            saved = CompanyPlugin(company=company["id"], plugin=name, enabled=enabled)
            await saved.save()
            change = Change("company_plugins", "insert", saved.id, {}, {"plugin": name})
            change.new["enabled"] = enabled
        elif row["enabled"] != enabled:
            await CompanyPlugin.update(
                {
                    CompanyPlugin.enabled: enabled,
                    CompanyPlugin.updated_at: datetime.now().astimezone(),
                }
            ).where(CompanyPlugin.id == row["id"])
            change = Change(
                "company_plugins",
                "update",
                row["id"],
                {"enabled": row["enabled"]},
                {"enabled": enabled},
            )
        else:
            change = None
        if change is not None:
            change.object_company_id = company["id"]
            action = "Plugin enabled" if enabled else "Plugin disabled"
            await record_event(ctx, f"{action}: {name}", [change])
    return next(s for s in await _states(company) if s.plugin == name)
