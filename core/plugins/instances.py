"""The one store of configured plugin instances: create, read, list, change, delete and test.

A company configures instances of plugin declarations (a vendor connection, a notification
channel, ...) under a ``category``. Whatever the category, the rules are the same: settings are
checked by the declaration's ``settings_fields`` (every error at once), sealed at rest, secrets
are write-only and masked in the audit log, a plugin switched off for the company cannot be
newly used, and another company's instance reads as missing (404).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from core.access.guards import refuse_client_writes
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.db.engine import transaction
from core.errors import Conflict, Invalid, NotFound
from core.plugins import catalog, enablement
from core.plugins import instance_settings as codec
from core.plugins.instance_models import PluginInstance
from core.plugins.instance_schemas import InstanceCreate, InstanceOut, InstanceUpdate
from core.plugins.values import TestNotSupported, TestResult
from core.web.listing import Cursors, ListQuery, contains, fetch_page
from tenants.scope import Scope

TABLE = "plugin_instances"
PURPOSE = "plugin-instance-settings"
TEST_TIMEOUT = 20.0  # seconds a plugin's connection test may take before it counts as failed
AUDITED = [
    PluginInstance.id,
    PluginInstance.company,
    PluginInstance.category,
    PluginInstance.plugin,
    PluginInstance.name,
    PluginInstance.enabled,
]
ROW = [*AUDITED, PluginInstance.settings]
OUT = [*ROW, PluginInstance.created_at, PluginInstance.updated_at]
SORTABLE = {
    "id": PluginInstance.id,
    "name": PluginInstance.name,
    "plugin": PluginInstance.plugin,
    "enabled": PluginInstance.enabled,
    "created_at": PluginInstance.created_at,
    "updated_at": PluginInstance.updated_at,
}
# One lookup on the unique (company, category, lower(name)) index, which also settles a race;
# the same lower() as the index, so the check and the database agree on what is "the same".
NAME_TAKEN = (
    "SELECT id FROM plugin_instances WHERE company = {} AND category = {} "
    "AND lower(name) = lower({}) AND id <> {} LIMIT 1"
)


@dataclass(frozen=True)
class Category:
    """What a category's instances are instances of: ``kind`` names the registry (and the
    plugin switches) in ``core.plugins.enablement``."""

    key: str
    noun: str
    kind: str

    def declarations(self) -> dict[str, type]:
        return enablement.REGISTRIES[self.kind]()


CATEGORIES = {
    "payment_system": Category("payment_system", "payment system", "payment_systems"),
    "vendor_connection": Category("vendor_connection", "vendor connection", "vendors"),
}


def category(key: str) -> Category:
    found = CATEGORIES.get(key)
    if found is None:
        raise NotFound(f"no category of plugin instances named “{key}”")
    return found


def declaration(cat: Category, key: str, field: str = "plugin") -> type:
    found = cat.declarations().get(key)
    if found is None:
        known = ", ".join(sorted(cat.declarations())) or "none is installed"
        raise Invalid.field(field, f"no {cat.noun} plugin named “{key}” (known: {known})")
    return found


async def run_test(plugin: type, settings: dict[str, Any]) -> TestResult:
    """Ask the plugin to reach its provider. Whatever goes wrong in the plugin is a failed
    test with its message, never a 500; only "this plugin has no test" is refused (422)."""
    try:
        instance = plugin(settings)
        result = await asyncio.wait_for(instance.test_connection(), TEST_TIMEOUT)
    except TestNotSupported as exc:
        raise Invalid(str(exc), [{"field": "plugin", "message": str(exc)}]) from None
    except TimeoutError:
        return TestResult(False, f"no answer within {TEST_TIMEOUT:g} seconds")
    except Exception as exc:  # a plugin failure is the answer
        return TestResult(False, str(exc) or type(exc).__name__)
    if not isinstance(result, TestResult):
        return TestResult(False, f"the plugin answered {type(result).__name__}, not a TestResult")
    if not isinstance(result.ok, bool):  # "no" would read as a success
        return TestResult(False, f"the plugin answered ok={result.ok!r}, not true or false")
    if not isinstance(result.message, str):  # the API promises a string (None was null)
        return TestResult(result.ok, "" if result.message is None else str(result.message))
    return result


def _fields(cat: Category, row: dict) -> tuple:
    plugin = cat.declarations().get(row["plugin"])
    return tuple(plugin.settings_fields) if plugin else ()


def to_out(row: dict) -> InstanceOut:
    cat = CATEGORIES[row["category"]]
    plugin = cat.declarations().get(row["plugin"])
    settings = codec.unseal(row["settings"], PURPOSE)
    fields = _fields(cat, row)
    return InstanceOut(
        id=row["id"],
        category=row["category"],
        plugin=row["plugin"],
        plugin_name=plugin.name if plugin else row["plugin"],
        plugin_installed=plugin is not None,
        name=row["name"],
        enabled=row["enabled"],
        settings=codec.shown(fields, settings) if plugin else {},
        secrets_set=codec.secrets_set(fields, settings),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _refuse_client(scope: Scope, cat: Category) -> None:
    """Instances are configured by resellers and the system owner, as payment systems are."""
    refuse_client_writes(scope, f"{cat.noun}s")


async def _row(scope: Scope, cat: Category, instance_id: int, *columns) -> dict:
    row = (
        await PluginInstance.select(*columns)
        .where(
            PluginInstance.id == instance_id,
            PluginInstance.company == scope.company_id,
            PluginInstance.category == cat.key,
        )
        .first()
    )
    if row is None:
        raise NotFound(f"{cat.noun} {instance_id} not found")
    return row


async def _clean_name(scope: Scope, cat: Category, name: str, instance_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise Invalid.field("name", "must not be blank")
    taken = await PluginInstance.raw(NAME_TAKEN, scope.company_id, cat.key, name, instance_id or 0)
    if taken:
        raise Conflict(
            f"a {cat.noun} named “{name}” exists already",
            [{"field": "name", "message": "is taken by another of your instances"}],
        )
    return name


async def list_instances(scope: Scope, category_key: str) -> list[InstanceOut]:
    cat = category(category_key)
    rows = await (
        PluginInstance.select(*OUT)
        .where(PluginInstance.company == scope.company_id, PluginInstance.category == cat.key)
        .order_by(PluginInstance.name)
    )
    return [to_out(r) for r in rows]


@dataclass(frozen=True)
class InstanceFilters:
    """``q``: part of the name (any case); ``plugin``: one declaration key."""

    q: str | None = None
    plugin: str | None = None
    enabled: bool | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(contains(PluginInstance.name, self.q))
        if self.plugin:
            clauses.append(PluginInstance.plugin == self.plugin)
        if self.enabled is not None:
            clauses.append(PluginInstance.enabled == self.enabled)
        return clauses


async def page_instances(
    scope: Scope, category_key: str, filters: InstanceFilters, query: ListQuery
) -> tuple[list[InstanceOut], int, Cursors]:
    """One page of the caller's instances of a category, filtered and sorted like every list
    (each sort key served by a ``(company, category, key, id)`` index)."""
    cat = category(category_key)
    where = [
        PluginInstance.company == scope.company_id,
        PluginInstance.category == cat.key,
        *filters.clauses(),
    ]
    rows, total, cursors = await fetch_page(PluginInstance, OUT, where, query, SORTABLE)
    return [to_out(r) for r in rows], total, cursors


async def get_instance(scope: Scope, category_key: str, instance_id: int) -> InstanceOut:
    cat = category(category_key)
    return to_out(await _row(scope, cat, instance_id, *OUT))


async def usable(scope: Scope, cat: Category, key: str, field: str = "plugin") -> type:
    """The declaration a new instance (or a test) may use: installed and switched on."""
    plugin = declaration(cat, key, field)
    await enablement.refuse_disabled(scope, cat.kind, key, field)
    return plugin


def clean(plugin: type, given: dict[str, Any], stored: dict[str, Any] | None = None) -> dict:
    return codec.clean(plugin.settings_fields, given, stored or {})


async def insert_row(
    scope: Scope, cat: Category, plugin: type, key: str, name: str, enabled: bool, settings: dict
) -> Change:
    """Write a checked instance in the caller's transaction and return its audit change, so a
    caller that keeps a row of its own (a payment system) logs both in one event."""
    async with transaction():
        name = await _clean_name(scope, cat, name, None)
        instance = PluginInstance(
            company=scope.company_id,
            category=cat.key,
            plugin=key,
            name=name,
            enabled=enabled,
            settings=codec.seal(settings, PURPOSE),
        )
        await instance.save()
        row = await _row(scope, cat, instance.id, *AUDITED)
        new = snapshot(PluginInstance, row)
        new["settings"] = codec.audited(plugin.settings_fields, settings)
        return Change(TABLE, "insert", instance.id, {}, new, scope.company_id)


async def create_instance(
    ctx: AuditContext, scope: Scope, category_key: str, data: InstanceCreate
) -> InstanceOut:
    cat = category(category_key)
    _refuse_client(scope, cat)
    plugin = await usable(scope, cat, data.plugin)
    settings = clean(plugin, data.settings)
    async with transaction():
        change = await insert_row(
            scope, cat, plugin, data.plugin, data.name, data.enabled, settings
        )
        await record_event(ctx, f"{cat.noun.capitalize()} created", [change])
    return await get_instance(scope, cat.key, change.object_id)


@dataclass
class Edit:
    """An instance write: its audit change (``None`` when nothing changed) and the names of
    the settings that changed (a payment system logs the names on its own row)."""

    change: Change | None
    settings_keys: list[str]


async def update_row(
    scope: Scope,
    cat: Category,
    instance_id: int,
    name: Any = msgspec.UNSET,
    enabled: Any = msgspec.UNSET,
    settings: Any = msgspec.UNSET,
) -> Edit:
    """Change an instance in the caller's transaction; omitted values stay as they are."""
    async with transaction():
        old = await _row(scope, cat, instance_id, *ROW)
        values = {k: v for k, v in old.items() if k != "settings"}
        if name is not msgspec.UNSET:
            values["name"] = await _clean_name(scope, cat, name, instance_id)
        if enabled is not msgspec.UNSET:
            if enabled and not old["enabled"]:  # switching it on is new use
                await enablement.refuse_disabled(scope, cat.kind, old["plugin"], "enabled")
            values["enabled"] = enabled
        stored = codec.unseal(old["settings"], PURPOSE)
        new_settings = stored
        fields: tuple = ()
        if settings is not msgspec.UNSET:
            fields = tuple(declaration(cat, old["plugin"]).settings_fields)
            new_settings = codec.clean(fields, settings, stored)
        before, after = diff(snapshot(PluginInstance, old), snapshot(PluginInstance, values))
        keys = codec.changed(stored, new_settings)
        if not (after or keys):
            return Edit(None, [])
        update = {getattr(PluginInstance, k): values[k] for k in after}
        if keys:
            update[PluginInstance.settings] = codec.seal(new_settings, PURPOSE)
            masked_old = codec.audited(fields, {k: stored[k] for k in keys if k in stored})
            masked_new = codec.audited(
                fields, {k: new_settings[k] for k in keys if k in new_settings}
            )
            before["settings"], after["settings"] = masked_old, masked_new
        now = datetime.now().astimezone()
        await PluginInstance.update(update | {PluginInstance.updated_at: now}).where(
            PluginInstance.id == instance_id
        )
        return Edit(Change(TABLE, "update", instance_id, before, after, scope.company_id), keys)


async def update_instance(
    ctx: AuditContext, scope: Scope, category_key: str, instance_id: int, data: InstanceUpdate
) -> InstanceOut:
    cat = category(category_key)
    async with transaction():
        old = await _row(scope, cat, instance_id, PluginInstance.plugin)
        _refuse_client(scope, cat)
        if data.plugin is not msgspec.UNSET and data.plugin != old["plugin"]:
            raise Invalid.field("plugin", f"is fixed once the {cat.noun} exists")
        edit = await update_row(scope, cat, instance_id, data.name, data.enabled, data.settings)
        if edit.change is not None:
            await record_event(ctx, f"{cat.noun.capitalize()} updated", [edit.change])
    return await get_instance(scope, cat.key, instance_id)


async def delete_row(scope: Scope, cat: Category, instance_id: int) -> Change:
    """Delete an instance in the caller's transaction; its change logs the settings masked."""
    async with transaction():
        old = await _row(scope, cat, instance_id, *ROW)
        gone = snapshot(PluginInstance, old)
        gone["settings"] = codec.audited(_fields(cat, old), codec.unseal(old["settings"], PURPOSE))
        await PluginInstance.delete().where(PluginInstance.id == instance_id)
        return Change(TABLE, "delete", instance_id, gone, {}, scope.company_id)


async def delete_instance(
    ctx: AuditContext, scope: Scope, category_key: str, instance_id: int
) -> None:
    cat = category(category_key)
    async with transaction():
        await _row(scope, cat, instance_id, PluginInstance.id)
        _refuse_client(scope, cat)
        change = await delete_row(scope, cat, instance_id)
        await record_event(ctx, f"{cat.noun.capitalize()} deleted", [change])


async def stored_settings(scope: Scope, category_key: str, ids: list[int]) -> dict[int, dict]:
    """The unsealed settings of the caller's instances by id (one query for a whole page)."""
    cat = category(category_key)
    if not ids:
        return {}
    rows = await PluginInstance.select(PluginInstance.id, PluginInstance.settings).where(
        PluginInstance.id.is_in(ids),
        PluginInstance.company == scope.company_id,
        PluginInstance.category == cat.key,
    )
    return {r["id"]: codec.unseal(r["settings"], PURPOSE) for r in rows}


async def check_instance(
    scope: Scope, category_key: str, instance_id: int, field: str = "plugin"
) -> TestResult:
    """Test the stored settings: a switched-off plugin is refused like any new use of it."""
    cat = category(category_key)
    row = await _row(scope, cat, instance_id, *ROW)
    _refuse_client(scope, cat)
    plugin = await usable(scope, cat, row["plugin"], field)
    return await run_test(plugin, codec.unseal(row["settings"], PURPOSE))


@dataclass(frozen=True)
class CallbackTarget:
    """A configured instance as an anonymous callback (a vendor's webhook) finds it."""

    id: int
    company_id: int
    company_path: str
    settings: dict[str, Any]


async def callback_target(
    category_key: str, plugin_key: str, instance_id: int
) -> CallbackTarget | None:
    """The enabled instance ``instance_id`` of ``plugin_key``, with its opened settings, for a
    public route whose URL names it; None when there is no such instance, it is switched off,
    or its plugin is switched off for its company (or the platform): the caller learns nothing
    about which. The route must still authenticate the request with those settings."""
    cat = category(category_key)
    if not 0 < instance_id < 2**31:
        return None
    row = (
        await PluginInstance.select(
            PluginInstance.id,
            PluginInstance.company,
            PluginInstance.company.path.as_alias("company_path"),
            PluginInstance.settings,
        )
        .where(
            PluginInstance.id == instance_id,
            PluginInstance.category == cat.key,
            PluginInstance.plugin == plugin_key,
            PluginInstance.enabled.eq(True),
        )
        .first()
    )
    if row is None:
        return None
    owner = catalog.owner_of(cat.kind, plugin_key)
    if owner is not None and owner in await enablement.disabled_for(row["company_path"]):
        return None
    settings = codec.unseal(row["settings"], PURPOSE)
    return CallbackTarget(row["id"], row["company"], row["company_path"], settings)
