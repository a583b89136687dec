"""Services: create, read, list, change, clone, archive and delete a company's rate plans.

A service belongs to the company that created it and is read and written by that company
only: a reseller prices its own clients with its own services, so a sibling, the tenant above
and the clients below all get 404 for its id, the same answer as for a missing one. Client
companies never manage services (the route guard refuses portal users; ``refuse_client_writes``
says so again here). Every write runs in one transaction with its audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import msgspec
from piccolo.columns.combination import Where

from core.access.guards import refuse_client_writes
from core.accounts.agreements.service import normalise_currency
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.catalogue.services.models import Service
from core.catalogue.services.schemas import ServiceClone, ServiceCreate, ServiceOut, ServiceUpdate
from core.catalogue.services.service_types import LABELS, MONEY_SIZED, PACKS, WITHOUT_CURRENCY
from core.db.engine import transaction
from core.errors import Conflict, Invalid, NotFound
from core.money import MoneyError, amount_text, to_micros
from core.validation import Problems
from core.web.listing import ListQuery, contains, fetch_page
from tenants.scope import Scope

MAX_NAME = 200
MAX_DESCRIPTION = 2000
# A pack of more units than this is a typing slip, not a product; it also keeps every size
# far inside the 64-bit column.
MAX_UNITS = 10**12
AUDITED = [
    Service.id,
    Service.company,
    Service.name,
    Service.type,
    Service.currency,
    Service.size,
    Service.description,
    Service.archived_at,
]
OUT_COLUMNS = [*AUDITED, Service.created_at, Service.updated_at]
# Each key has a ``(company, key, id)`` index (migration 2026-12-01T21:10:01, SORT_KEYS).
SORTABLE = {
    "id": Service.id,
    "name": Service.name,
    "type": Service.type,
    "currency": Service.currency,
    "created_at": Service.created_at,
    "updated_at": Service.updated_at,
}
# One probe of the unique (company, lower(name)) index, with the index's own lower(), so the
# check and the database agree on what "the same name" is; the index settles a race.
NAME_TAKEN = (
    "SELECT id FROM services WHERE company = {} AND lower(name) = lower({}) AND id <> {} LIMIT 1"
)


def owned(scope: Scope) -> Where:
    return Service.company == scope.company_id


def _text(problems: Problems, field: str, value: str, limit: int, required: bool) -> str:
    value = value.strip()
    if "\x00" in value:
        problems.add(field, "must not contain the NUL character")
    elif required and not value:
        problems.add(field, "must not be blank")
    elif len(value) > limit:
        problems.add(field, f"must be at most {limit} characters long, not {len(value)}")
    return value


def clean_type(raw: str) -> str:
    if raw not in LABELS:
        raise Invalid.field("type", f"must be one of: {', '.join(LABELS)}; “{raw}” is not")
    return raw


def clean_size(kind: str, raw: str | int | float | None) -> int | None:
    """The stored size of a ``kind`` service: micro-units for a monetary pack, units for the
    other packs, ``None`` for the rest (which must not be given one). An empty string is no
    size, as a form's empty field sends it."""
    if raw == "":
        raw = None
    if kind not in PACKS:
        if raw is not None:
            raise Invalid.field("size", f"only packs have a size, not a {LABELS[kind]} service")
        return None
    if raw is None:
        raise Invalid.field("size", f"is required for a {LABELS[kind]}")
    if isinstance(raw, float):
        raise Invalid.field("size", 'give the size as a decimal string ("1000.50"), not a float')
    if kind in MONEY_SIZED:
        try:
            micros = to_micros(raw.strip() if isinstance(raw, str) else raw)
        except MoneyError as exc:
            raise Invalid.field("size", str(exc)) from None
        if micros <= 0:
            raise Invalid.field("size", "must be more than zero")
        return micros
    try:
        units = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except InvalidOperation:
        raise Invalid.field("size", f"“{raw}” is not a whole number of units") from None
    if not units.is_finite() or units != units.to_integral_value():
        raise Invalid.field("size", f"“{raw}” is not a whole number of units")
    if units <= 0:
        raise Invalid.field("size", "must be more than zero")
    if units > MAX_UNITS:
        raise Invalid.field("size", f"must be at most {MAX_UNITS:,} units")
    return int(units)


def clean_currency(kind: str, raw: str | None) -> str | None:
    if kind in WITHOUT_CURRENCY:
        if raw not in (None, ""):
            raise Invalid.field("currency", f"a {LABELS[kind]} has no currency; leave it out")
        return None
    if raw is None or not raw.strip():
        raise Invalid.field("currency", f"is required for a {LABELS[kind]} service")
    return normalise_currency(raw)


def clean(values: dict) -> dict:
    """Every field checked at once; raises one 422 naming each broken rule."""
    problems = Problems()
    cleaned = {
        "name": _text(problems, "name", values["name"], MAX_NAME, True),
        "description": _text(
            problems, "description", values["description"], MAX_DESCRIPTION, False
        ),
    }
    kind = problems.attempt(clean_type, values["type"])
    cleaned["type"] = kind
    if kind is not None:
        cleaned["currency"] = problems.attempt(clean_currency, kind, values["currency"])
        cleaned["size"] = problems.attempt(clean_size, kind, values["size"])
    problems.raise_if_any()
    return cleaned


def size_text(kind: str, size: int | None) -> str | None:
    if size is None:
        return None
    return amount_text(size) if kind in MONEY_SIZED else str(size)


def to_out(row: dict) -> ServiceOut:
    return ServiceOut(
        id=row["id"],
        name=row["name"],
        type=row["type"],
        type_label=LABELS.get(row["type"], row["type"]),
        currency=row["currency"],
        size=size_text(row["type"], row["size"]),
        description=row["description"],
        archived=row["archived_at"] is not None,
        archived_at=row["archived_at"],
        company_id=row["company"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


@dataclass(frozen=True)
class ServiceFilters:
    """``q``: part of the name, any case; ``archived``: ``None`` lists both."""

    q: str | None = None
    type: str | None = None
    currency: str | None = None
    archived: bool | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            # A company holds tens of services, not the millions a trigram index pays for:
            # the substring test runs on the scope's own range (core.db.search for big lists).
            clauses.append(contains(Service.name, self.q))
        if self.type:
            clauses.append(Service.type == clean_type(self.type))
        if self.currency:
            clauses.append(Service.currency == normalise_currency(self.currency))
        if self.archived is True:
            clauses.append(Service.archived_at.is_not_null())
        elif self.archived is False:
            clauses.append(Service.archived_at.is_null())
        return clauses


async def list_services(scope: Scope, filters: ServiceFilters, query: ListQuery):
    rows, total, cursors = await fetch_page(
        Service, OUT_COLUMNS, [owned(scope), *filters.clauses()], query, SORTABLE
    )
    return [to_out(r) for r in rows], total, cursors


async def _row(scope: Scope, service_id: int, *columns) -> dict:
    row = await Service.select(*columns).where(Service.id == service_id, owned(scope)).first()
    if row is None:
        raise NotFound(f"service {service_id} not found")
    return row


async def get_service(scope: Scope, service_id: int) -> ServiceOut:
    return to_out(await _row(scope, service_id, *OUT_COLUMNS))


async def _refuse_taken(scope: Scope, name: str, service_id: int = 0) -> None:
    if await Service.raw(NAME_TAKEN, scope.company_id, name, service_id):
        raise Conflict(
            f"a service named “{name}” exists already",
            [{"field": "name", "message": "is taken by another of your services"}],
        )


async def _insert(ctx: AuditContext, scope: Scope, values: dict, action: str) -> int:
    await _refuse_taken(scope, values["name"])
    service = Service(company=scope.company_id, **values)
    await service.save()
    row = await Service.select(*AUDITED).where(Service.id == service.id).first()
    await record_event(
        ctx,
        action,
        [Change("services", "insert", service.id, {}, snapshot(Service, row), scope.company_id)],
    )
    return service.id


async def create_service(ctx: AuditContext, scope: Scope, data: ServiceCreate) -> ServiceOut:
    refuse_client_writes(scope, "services")
    values = clean(msgspec.structs.asdict(data))
    async with transaction():
        service_id = await _insert(ctx, scope, values, "Service created")
    return await get_service(scope, service_id)


async def _refuse_retyping_priced(service_id: int, kind: str) -> None:
    """A tree is checked against its service's type (a pack's never holds a price), so a
    service whose scopes hold nodes keeps its type: a retyped one would carry trees its new
    type refuses."""
    from core.catalogue.trees.models import RateNode  # trees import services

    if await RateNode.exists().where(RateNode.scope.service == service_id):
        raise Conflict(
            f"the service's rate trees are built for a {LABELS[kind]} service",
            [
                {
                    "field": "type",
                    "message": "cannot change while its scopes hold rate trees; "
                    "clone it or empty the trees first",
                }
            ],
        )


async def update_service(
    ctx: AuditContext, scope: Scope, service_id: int, data: ServiceUpdate
) -> ServiceOut:
    """Changes the fields given; the type may change while no scope of the service holds a
    rate tree, its currency and size checked against the new type."""
    refuse_client_writes(scope, "services")
    async with transaction():
        old = await _row(scope, service_id, *AUDITED)
        merged = {**old, "size": size_text(old["type"], old["size"])}
        for key, value in msgspec.structs.asdict(data).items():
            if value is not msgspec.UNSET:
                merged[key] = value
        values = {**old, **clean(merged)}
        before, after = diff(snapshot(Service, old), snapshot(Service, values))
        if after:
            if "name" in after:
                await _refuse_taken(scope, values["name"], service_id)
            if "type" in after:
                await _refuse_retyping_priced(service_id, old["type"])
            await Service.update(
                {getattr(Service, k): values[k] for k in after}
                | {Service.updated_at: datetime.now().astimezone()}
            ).where(Service.id == service_id)
            await record_event(
                ctx,
                "Service updated",
                [Change("services", "update", service_id, before, after, scope.company_id)],
            )
    return await get_service(scope, service_id)


async def clone_service(
    ctx: AuditContext, scope: Scope, service_id: int, data: ServiceClone
) -> ServiceOut:
    """A new, unarchived service with the source's type, currency, size and description under
    a new name, and a copy of each of its scopes with its rate tree: that is what the guide's
    clone is for (a similar plan without rebuilding its tree)."""
    refuse_client_writes(scope, "services")
    async with transaction():
        source = await _row(scope, service_id, *AUDITED)
        problems = Problems()
        name = _text(problems, "name", data.name, MAX_NAME, True)
        problems.raise_if_any()
        values = {k: source[k] for k in ("type", "currency", "size", "description")}
        new_id = await _insert(ctx, scope, {**values, "name": name}, "Service cloned")
        from core.catalogue.scopes.service import clone_service_scopes  # scopes import services

        copied = await clone_service_scopes(service_id, new_id, scope.company_id)
        if copied:
            await record_event(ctx, "Service scopes cloned", copied)
    return await get_service(scope, new_id)


async def set_archived(
    ctx: AuditContext, scope: Scope, service_id: int, archived: bool
) -> ServiceOut:
    """Archive (or bring back) a service; asking for the state it is in changes nothing and
    records nothing."""
    refuse_client_writes(scope, "services")
    async with transaction():
        old = await _row(scope, service_id, *AUDITED)
        if (old["archived_at"] is not None) != archived:
            now = datetime.now().astimezone()
            stamp = now if archived else None
            await Service.update({Service.archived_at: stamp, Service.updated_at: now}).where(
                Service.id == service_id
            )
            before, after = diff(
                snapshot(Service, old), snapshot(Service, {**old, "archived_at": stamp})
            )
            await record_event(
                ctx,
                "Service archived" if archived else "Service unarchived",
                [Change("services", "update", service_id, before, after, scope.company_id)],
            )
    return await get_service(scope, service_id)


async def delete_service(ctx: AuditContext, scope: Scope, service_id: int) -> None:
    """Deletes a service no agreement enables (``core.catalogue.enabled``, any period), with
    its scopes and their rate trees (recorded in the same event): one that is enabled is refused
    with how many agreements use it, and archiving stays the way to retire a plan."""
    from core.catalogue.enabled.service import agreements_using

    refuse_client_writes(scope, "services")
    async with transaction():
        old = await _row(scope, service_id, *AUDITED)
        used = await agreements_using(service_id)
        if used:
            noun = "agreement" if used == 1 else "agreements"
            raise Conflict(
                f"service “{old['name']}” is enabled on {used} {noun}; archive it instead"
            )
        from core.catalogue.scopes.service import delete_service_scopes  # scopes import services

        scopes = await delete_service_scopes(service_id, scope.company_id)
        await Service.delete().where(Service.id == service_id)
        await record_event(
            ctx,
            "Service deleted",
            [
                *scopes,
                Change(
                    "services", "delete", service_id, snapshot(Service, old), {}, scope.company_id
                ),
            ],
        )
