"""Scopes: the dated periods of a service, each with its rate tree, and which one is in force.

A scope is reached through its service and so belongs to the service's company alone: a
scope id of any other company answers 404 like a missing one, and client companies manage
none (``refuse_client_writes``). Scopes of one service may overlap (the guide lets a new one
be saved over the current one): the scope in force at t is the earliest-created non-draft
scope whose [from, till) holds t, so an overlap never changes which tree rates an event until
the older scope is ended or made a draft. Every write runs in one transaction with its audit
event; a tree change also moves the scope's ``tree_version``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
from piccolo.columns.combination import Where

from core import periods
from core.access.guards import refuse_client_writes
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.catalogue.enabled import overlap
from core.catalogue.scopes.models import ServiceScope
from core.catalogue.scopes.schemas import ScopeCreate, ScopeOut, ScopeUpdate
from core.catalogue.services.models import Service
from core.catalogue.trees import store
from core.db.engine import is_postgres, transaction
from core.errors import Invalid, NotFound
from core.validation import Problems
from core.web.listing import ListQuery, fetch_page
from tenants.scope import Scope

TABLE = "service_scopes"
# The largest id a serial column holds (32 bits on PostgreSQL); beyond it nothing can match,
# and asking the database would be an integer-range error rather than a plain 404.
MAX_ID = 2**31 - 1
AUDITED = [
    ServiceScope.id,
    ServiceScope.service,
    ServiceScope.effective_from,
    ServiceScope.effective_till,
    ServiceScope.timezone,
    ServiceScope.draft,
]
OUT_COLUMNS = [
    *AUDITED,
    ServiceScope.tree_version,
    ServiceScope.created_at,
    ServiceScope.updated_at,
]
# A service holds a handful of scopes: its (service) index is the whole range, sorted in memory.
SORTABLE = {
    "id": ServiceScope.id,
    "effective_from": ServiceScope.effective_from,
    "effective_till": ServiceScope.effective_till,
    "created_at": ServiceScope.created_at,
}


def owned(scope: Scope) -> Where:
    return ServiceScope.service.company == scope.company_id


def _normalised(row: dict) -> dict:
    return {
        **row,
        "effective_from": periods.utc(row["effective_from"]),
        "effective_till": periods.utc(row["effective_till"]),
    }


def status_of(row: dict, now: datetime) -> str:
    if row["draft"] or row["effective_from"] is None:
        return "draft"
    return periods.status(row["effective_from"], row["effective_till"], now)


def to_out(row: dict, in_force_id: int | None, now: datetime) -> ScopeOut:
    row = _normalised(row)
    return ScopeOut(
        id=row["id"],
        service_id=row["service"],
        draft=row["draft"],
        status=status_of(row, now),
        in_force=row["id"] == in_force_id,
        effective_from=row["effective_from"],
        effective_till=row["effective_till"],
        timezone=row["timezone"],
        effective_from_local=periods.local_text(row["effective_from"], row["timezone"]),
        effective_till_local=periods.local_text(row["effective_till"], row["timezone"]),
        tree_version=row["tree_version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def audit_view(row: dict) -> dict:
    return snapshot(ServiceScope, {k._meta.name: row[k._meta.name] for k in AUDITED})


# --- which scope is in force ------------------------------------------------------------------


async def in_force(service_id: int, at: datetime) -> dict | None:
    """The scope rating uses for ``service_id`` at the aware instant ``at``: the earliest
    created (lowest id) non-draft scope whose period holds ``at``; None when there is none.
    Returns the row with ``id``, ``service``, the period, ``timezone`` and ``tree_version``."""
    row = (
        await ServiceScope.select(*OUT_COLUMNS)
        .where(
            ServiceScope.service == service_id,
            ServiceScope.draft.eq(False),
            periods.in_force_at(ServiceScope, at, "in_force"),
        )
        .order_by(ServiceScope.id)
        .first()
    )
    return None if row is None else _normalised(row)


# --- reading ------------------------------------------------------------------------------------


async def owned_service(scope: Scope, service_id: int) -> dict:
    """The caller's own service (id, type), or 404."""
    row = None
    if 0 < service_id <= MAX_ID:
        row = (
            await Service.select(Service.id, Service.type, Service.company)
            .where(Service.id == service_id, Service.company == scope.company_id)
            .first()
        )
    if row is None:
        raise NotFound(f"service {service_id} not found")
    return row


async def owned_scope(scope: Scope, scope_id: int, lock: bool = False) -> dict:
    """The caller's scope row (with its service's type as ``service_type``), or 404.

    ``lock`` holds the row for the rest of the transaction on PostgreSQL, so two tree writes
    of one scope queue up (SQLite's write transaction already excludes the other writer)."""
    row = None
    if 0 < scope_id <= MAX_ID:
        row = (
            await ServiceScope.select(
                *OUT_COLUMNS, ServiceScope.service.type.as_alias("service_type")
            )
            .where(ServiceScope.id == scope_id, owned(scope))
            .first()
        )
    if row is None:
        raise NotFound(f"scope {scope_id} not found")
    if lock and is_postgres():
        await ServiceScope.raw("SELECT id FROM service_scopes WHERE id = {} FOR UPDATE", scope_id)
    return _normalised(row)


async def get_scope(scope: Scope, scope_id: int) -> ScopeOut:
    row = await owned_scope(scope, scope_id)
    now = periods.now_utc()
    current = await in_force(row["service"], now)
    return to_out(row, current and current["id"], now)


@dataclass(frozen=True)
class ScopeFilters:
    """``draft``: None lists both."""

    draft: bool | None = None

    def clauses(self) -> list:
        return [] if self.draft is None else [ServiceScope.draft.eq(self.draft)]


async def list_scopes(scope: Scope, service_id: int, filters: ScopeFilters, query: ListQuery):
    await owned_service(scope, service_id)
    rows, total, cursors = await fetch_page(
        ServiceScope,
        OUT_COLUMNS,
        [ServiceScope.service == service_id, *filters.clauses()],
        query,
        SORTABLE,
    )
    now = periods.now_utc()
    current = await in_force(service_id, now)
    return [to_out(r, current and current["id"], now) for r in rows], total, cursors


# --- writing ------------------------------------------------------------------------------------


def clean_period(values: dict) -> dict:
    """Zone and period checked together, every broken field named; a draft may leave its
    start (and so its end) empty, any other scope needs a start."""
    problems = Problems()
    tz = problems.attempt(periods.zone, values["timezone"], default=ZoneInfo("UTC"))
    start = till = None
    if values.get("effective_from") is None:
        if not values["draft"]:
            problems.add("effective_from", "is required unless the scope is a draft")
        elif values.get("effective_till") is not None:
            problems.add("effective_from", "is required when the scope has an end")
    else:
        start, till = problems.attempt(periods.period_instants, values, tz, default=(None, None))
    problems.raise_if_any()
    return {
        "effective_from": start,
        "effective_till": till,
        "timezone": tz.key,
        "draft": bool(values["draft"]),
    }


async def _copy_source(scope: Scope, scope_id: int | None) -> int | None:
    """A scope of any of the caller's services; any other id is a field error (the same for
    a missing one and another company's, so ids of others reveal nothing)."""
    if scope_id is None:
        return None
    found = 0 < scope_id <= MAX_ID and await ServiceScope.exists().where(
        ServiceScope.id == scope_id, owned(scope)
    )
    if not found:
        raise Invalid.field("copy_from_scope_id", f"no scope {scope_id} among your services")
    return scope_id


async def bump_tree_version(scope_id: int) -> None:
    await ServiceScope.update(
        {
            ServiceScope.tree_version: ServiceScope.tree_version + 1,
            ServiceScope.updated_at: periods.now_utc(),
        }
    ).where(ServiceScope.id == scope_id)


async def create_scope(
    ctx: AuditContext, scope: Scope, service_id: int, data: ScopeCreate
) -> ScopeOut:
    refuse_client_writes(scope, "service scopes")
    values = msgspec.structs.asdict(data)
    async with transaction():
        await owned_service(scope, service_id)
        problems = Problems()
        period = problems.attempt(clean_period, values)
        try:
            source = await _copy_source(scope, values["copy_from_scope_id"])
        except Invalid as exc:
            for error in exc.errors:
                problems.add(error["field"], error["message"])
        problems.raise_if_any()
        if source is not None and not period["draft"]:
            copied_domains = await store.scope_domains(source)
            await overlap.refuse_new_domains(service_id, copied_domains, "copy_from_scope_id")
        row = ServiceScope(service=service_id, **period)
        await row.save()
        copied = await store.copy_tree(source, row.id) if source is not None else 0
        new = {**audit_view({"id": row.id, "service": service_id, **period})}
        if source is not None:
            new |= {"copied_from_scope": source, "nodes": copied}
        change = Change(TABLE, "insert", row.id, {}, new, scope.company_id)
        await record_event(ctx, "Service scope created", [change])
    return await get_scope(scope, row.id)


def _local(row: dict, key: str) -> datetime | None:
    """A stored end as the wall time it was entered as (naive, in the row's zone)."""
    value = row[key]
    if value is None:
        return None
    return value.astimezone(ZoneInfo(row["timezone"])).replace(tzinfo=None)


async def update_scope(ctx: AuditContext, scope: Scope, scope_id: int, data: ScopeUpdate):
    """The fields given change; the dates of the scope in force may change too (the guide's
    way to hand over to another scope), and so may its draft flag."""
    refuse_client_writes(scope, "service scopes")
    async with transaction():
        old = await owned_scope(scope, scope_id, lock=True)
        merged = {
            "effective_from": _local(old, "effective_from"),
            "effective_till": _local(old, "effective_till"),
            "timezone": old["timezone"],
            "draft": old["draft"],
        }
        for key, value in msgspec.structs.asdict(data).items():
            if value is not msgspec.UNSET:
                merged[key] = value
        values = clean_period(merged)
        if old["draft"] and not values["draft"]:
            live = await store.scope_domains(scope_id)
            await overlap.refuse_new_domains(old["service"], live, "draft")
        before, after = diff(audit_view(old), audit_view({**old, **values}))
        if after:
            await ServiceScope.update(
                {getattr(ServiceScope, k): values[k] for k in after}
                | {ServiceScope.updated_at: periods.now_utc()}
            ).where(ServiceScope.id == scope_id)
            change = Change(TABLE, "update", scope_id, before, after, scope.company_id)
            await record_event(ctx, "Service scope updated", [change])
    return await get_scope(scope, scope_id)


async def delete_scope(ctx: AuditContext, scope: Scope, scope_id: int) -> None:
    """Deletes the scope and its rate tree; the event keeps the period and the node count."""
    refuse_client_writes(scope, "service scopes")
    async with transaction():
        old = await owned_scope(scope, scope_id, lock=True)
        changes = await delete_of_service_scopes([old], scope.company_id)
        await record_event(ctx, "Service scope deleted", changes)


async def delete_of_service_scopes(rows: list[dict], company_id: int) -> list[Change]:
    """Deletes the given scope rows and their trees; the audit changes, one per scope."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    changes = []
    for row in rows:
        count = await store.count_rows(row["id"])
        old = audit_view(row) | {"nodes": count}
        changes.append(Change(TABLE, "delete", row["id"], old, {}, company_id))
    await store.delete_tree(ids)
    await ServiceScope.delete().where(ServiceScope.id.is_in(ids))
    return changes


async def scopes_of_service(service_id: int) -> list[dict]:
    rows = await ServiceScope.select(*OUT_COLUMNS).where(ServiceScope.service == service_id)
    return sorted((_normalised(r) for r in rows), key=lambda r: r["id"])


async def delete_service_scopes(service_id: int, company_id: int) -> list[Change]:
    """For a service being deleted: its scopes and trees go in the caller's transaction."""
    return await delete_of_service_scopes(await scopes_of_service(service_id), company_id)


async def clone_service_scopes(source_id: int, target_id: int, company_id: int) -> list[Change]:
    """For a service being cloned: each scope copied in creation order (so the clone keeps
    the same scope in force), with its tree; the audit changes, one per new scope."""
    changes = []
    for old in await scopes_of_service(source_id):
        period = {k: old[k] for k in ("effective_from", "effective_till", "timezone", "draft")}
        row = ServiceScope(service=target_id, **period)
        await row.save()
        count = await store.copy_tree(old["id"], row.id)
        new = audit_view({"id": row.id, "service": target_id, **period}) | {
            "copied_from_scope": old["id"],
            "nodes": count,
        }
        changes.append(Change(TABLE, "insert", row.id, {}, new, company_id))
    return changes
