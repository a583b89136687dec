"""Enabled services: enable a service, pack, bundle initiator or bundle pack on an agreement
for a period, read, list, change and delete them.

A row belongs to the agreement's seller, which is also the service's owner: a reseller enables
its own services on the agreements where it sells, so a sibling reseller and the tenant above
get 404 for the row's id, as for a missing one, and a body naming another company's agreement
or service is a 422 on that field (the id is not theirs to name). Client companies never manage
these (the route guard refuses portal users; ``refuse_client_writes`` says so again). Every
write runs in one transaction with its audit event; periods follow ``core.periods``: a started
row keeps its start, cannot end before now and cannot be deleted (rating relied on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from core import periods
from core.access.guards import refuse_client_writes
from core.accounts.agreements import versions
from core.accounts.agreements.models import Agreement
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.catalogue.enabled import overlap, pricing
from core.catalogue.enabled.kinds import BILLINGS, SERVICE, Kind
from core.catalogue.enabled.models import EnabledService as E
from core.catalogue.enabled.schemas import EnabledCreate, EnabledOut, EnabledUpdate
from core.catalogue.services.models import Service
from core.catalogue.services.service_types import LABELS
from core.db.engine import transaction
from core.errors import Conflict, NotFound
from core.money import amount_text
from core.validation import Problems
from core.web.listing import Cursors, ListQuery, fetch_page
from tenants.scope import Scope

AUDITED = [
    E.id,
    E.seller,
    E.agreement,
    E.service,
    E.kind,
    E.effective_from,
    E.effective_till,
    E.timezone,
    E.hidden_from_client,
    E.billing,
    E.auto_extend,
    E.used,
]
OUT_COLUMNS = [
    *AUDITED,
    E.created_at,
    E.updated_at,
    E.agreement.code.as_alias("agreement_code"),
    E.agreement.currency.as_alias("currency"),
    E.agreement.company.as_alias("company_id"),
    E.agreement.company.name.as_alias("company_name"),
    E.service.name.as_alias("service_name"),
    E.service.type.as_alias("service_type"),
]
# Each key has a ``(seller, kind, key, id)`` index (migration 2026-12-01T22:20:01, SORT_KEYS).
SORTABLE = {
    "id": E.id,
    "effective_from": E.effective_from,
    "effective_till": E.effective_till,
    "created_at": E.created_at,
}


def owned(scope: Scope, kind: Kind) -> list:
    return [E.seller == scope.company_id, E.kind == kind.key]


def _normalise(row: dict) -> dict:
    row = dict(row)
    row["effective_from"] = periods.utc(row["effective_from"])
    row["effective_till"] = periods.utc(row["effective_till"])
    return row


def to_out(kind: Kind, row: dict, now: datetime, cost: tuple[int | None, str | None]) -> EnabledOut:
    start, till = row["effective_from"], row["effective_till"]
    return EnabledOut(
        id=row["id"],
        kind=row["kind"],
        agreement_id=row["agreement"],
        agreement_code=row["agreement_code"],
        company_id=row["company_id"],
        company_name=row["company_name"],
        currency=row["currency"],
        service_id=row["service"],
        service_name=row["service_name"],
        service_type=row["service_type"],
        effective_from=start,
        effective_till=till,
        timezone=row["timezone"],
        effective_from_local=periods.local_text(start, row["timezone"]),
        effective_till_local=periods.local_text(till, row["timezone"]),
        status=periods.status(start, till, now),
        hidden_from_client=row["hidden_from_client"],
        billing=row["billing"] if kind.has_billing else None,
        auto_extend=row["auto_extend"] if kind.is_bundle_pack else None,
        used=row["used"] if kind.is_bundle_pack else None,
        cost=amount_text(cost[0]) if cost[0] is not None else None,
        cost_note=cost[1],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _costs(kind: Kind, rows: list[dict], now: datetime) -> dict[int, tuple]:
    """The cost of each charged pack of a page, asked with the pay-as-you-go services each
    agreement has in force now (one query for the page)."""
    if not kind.has_billing:
        return {}
    charged = [r for r in rows if r["billing"] == "charge"]
    costs: dict[int, tuple] = {r["id"]: (None, pricing.FREE) for r in rows if r not in charged}
    if not charged:
        return costs
    agreements = sorted({r["agreement"] for r in charged})
    in_force = (
        await E.select(E.agreement, E.service)
        .where(
            E.agreement.is_in(agreements),
            E.kind == SERVICE.key,
            periods.in_force_at(E, now),
        )
        .order_by(E.effective_from)
        .order_by(E.id)
    )
    by_agreement: dict[int, list[int]] = {}
    for found in in_force:
        by_agreement.setdefault(found["agreement"], []).append(found["service"])
    for row in charged:
        services = by_agreement.get(row["agreement"], [])
        costs[row["id"]] = await pricing.purchase_price(row["agreement"], services, row, now)
    return costs


async def _outs(kind: Kind, rows: list[dict]) -> list[EnabledOut]:
    now = periods.now_utc()
    rows = [_normalise(r) for r in rows]
    costs = await _costs(kind, rows, now)
    return [to_out(kind, r, now, costs.get(r["id"], (None, None))) for r in rows]


@dataclass(frozen=True)
class EnabledFilters:
    """``in_force_at``: rows in force at that instant (naive is UTC); ``active``: in force now
    (True) or not (False); ``hidden``: hidden from the client or not; None lists both."""

    agreement_id: int | None = None
    service_id: int | None = None
    in_force_at: datetime | None = None
    active: bool | None = None
    hidden: bool | None = None

    def clauses(self) -> list:
        clauses = []
        if self.agreement_id is not None:
            clauses.append(E.agreement == self.agreement_id)
        if self.service_id is not None:
            clauses.append(E.service == self.service_id)
        if self.in_force_at is not None:
            at = self.in_force_at
            clauses.append(periods.in_force_at(E, at if at.tzinfo else at.replace(tzinfo=UTC)))
        if self.active is not None:
            now = periods.now_utc()
            if self.active:
                clauses.append(periods.in_force_at(E, now))
            else:
                clauses.append((E.effective_from > now) | (E.effective_till <= now))
        if self.hidden is not None:
            clauses.append(E.hidden_from_client == self.hidden)
        return clauses


async def list_enabled(
    scope: Scope, kind: Kind, filters: EnabledFilters, query: ListQuery
) -> tuple[list[EnabledOut], int, Cursors]:
    where = [*owned(scope, kind), *filters.clauses()]
    rows, total, cursors = await fetch_page(E, OUT_COLUMNS, where, query, SORTABLE)
    return await _outs(kind, rows), total, cursors


async def _row(scope: Scope, kind: Kind, enabled_id: int, *columns) -> dict:
    row = (
        await E.select(*(columns or OUT_COLUMNS))
        .where(E.id == enabled_id, *owned(scope, kind))
        .first()
    )
    if row is None:
        raise NotFound(f"{kind.noun} {enabled_id} not found")
    return _normalise(row)


async def get_enabled(scope: Scope, kind: Kind, enabled_id: int) -> EnabledOut:
    return (await _outs(kind, [await _row(scope, kind, enabled_id)]))[0]


async def _agreement(scope: Scope, agreement_id: int, problems: Problems) -> dict | None:
    row = (
        await Agreement.select(Agreement.id, Agreement.code, Agreement.currency)
        .where(Agreement.id == agreement_id, versions.managed(scope))
        .first()
    )
    if row is None:
        problems.add("agreement_id", "no such agreement among those your company sells under")
    return row


async def _service(scope: Scope, kind: Kind, service_id: int, problems: Problems) -> dict | None:
    row = (
        await Service.select(
            Service.id, Service.name, Service.type, Service.currency, Service.archived_at
        )
        .where(Service.id == service_id, Service.company == scope.company_id)
        .first()
    )
    if row is None:
        problems.add("service_id", "no such service among your company's services")
        return None
    if row["type"] not in kind.service_types:
        wanted = " or ".join(sorted(LABELS[t] for t in kind.service_types))
        problems.add(
            "service_id",
            f"“{row['name']}” is a {LABELS.get(row['type'], row['type'])} service; "
            f"an {kind.noun} takes a {wanted} service",
        )
    elif row["archived_at"] is not None:
        problems.add("service_id", f"“{row['name']}” is archived; bring it back first")
    return row


def _same_currency(service: dict | None, agreement: dict | None, problems: Problems) -> None:
    """A unit pack has no currency (it counts units) and fits any agreement."""
    if service is None or agreement is None or service["currency"] is None:
        return
    if service["currency"] != agreement["currency"]:
        problems.add(
            "service_id",
            f"“{service['name']}” is priced in {service['currency']}, the agreement "
            f"{agreement['code']} in {agreement['currency']}; they must be the same",
        )


def _kind_fields(kind: Kind, values: dict, problems: Problems) -> dict:
    """``billing`` for packs (required), ``auto_extend`` for bundle packs; refused elsewhere."""
    cleaned: dict = {}
    billing = values.get("billing")
    if kind.has_billing:
        if billing not in BILLINGS:
            problems.add("billing", f"must be one of: {', '.join(BILLINGS)}")
        cleaned["billing"] = billing
    elif billing is not None:
        problems.add("billing", f"only enabled packs have billing, not an {kind.noun}")
    auto_extend = values.get("auto_extend")
    if kind.is_bundle_pack:
        cleaned["auto_extend"] = bool(auto_extend)
    elif auto_extend is not None:
        problems.add("auto_extend", f"only enabled bundle packs extend, not an {kind.noun}")
    return cleaned


def _period(values: dict, problems: Problems) -> dict:
    tz = problems.attempt(periods.zone, values["timezone"], "timezone")
    if tz is None:
        return {}
    start, till = problems.attempt(periods.period_instants, values, tz, default=(None, None))
    return {"timezone": tz.key, "effective_from": start, "effective_till": till}


async def _others(agreement_id: int, kind: Kind, keep_id: int | None) -> list[dict]:
    """The agreement's other rows of ``kind`` (for the overlap rule). Callers hold the
    agreement's lock (``lock_agreement``), so two writers cannot both pass the rule."""
    rows = await E.select(
        E.id,
        E.service,
        E.service.name.as_alias("service_name"),
        E.effective_from,
        E.effective_till,
    ).where(E.agreement == agreement_id, E.kind == kind.key, E.id != (keep_id or 0))
    return [_normalise(r) for r in rows]


async def _refuse_overlap(kind: Kind, values: dict, keep_id: int | None) -> None:
    if kind is not SERVICE:
        return
    others = await _others(values["agreement"], kind, keep_id)
    await overlap.refuse_conflicts(
        values["service"], values["effective_from"], values["effective_till"], others
    )


async def create_enabled(
    ctx: AuditContext, scope: Scope, kind: Kind, data: EnabledCreate
) -> EnabledOut:
    refuse_client_writes(scope, "enabled services")
    raw = msgspec.structs.asdict(data)
    problems = Problems()
    extra = _kind_fields(kind, raw, problems)
    period = _period(raw, problems)
    async with transaction():
        agreement = await _agreement(scope, data.agreement_id, problems)
        service = await _service(scope, kind, data.service_id, problems)
        _same_currency(service, agreement, problems)
        problems.raise_if_any()
        if kind is SERVICE:
            await overlap.lock_service(data.service_id)
        await versions.lock_agreement(data.agreement_id)
        values = {
            "seller": scope.company_id,
            "agreement": data.agreement_id,
            "service": data.service_id,
            "kind": kind.key,
            "hidden_from_client": data.hidden_from_client,
            **period,
            **extra,
        }
        await _refuse_overlap(kind, values, None)
        row = E(**values)
        await row.save()
        stored = await _row(scope, kind, row.id, *AUDITED)
        await record_event(
            ctx,
            f"{kind.label} created",
            [
                Change(
                    E._meta.tablename, "insert", row.id, {}, snapshot(E, stored), scope.company_id
                )
            ],
        )
    return await get_enabled(scope, kind, row.id)


async def update_enabled(
    ctx: AuditContext, scope: Scope, kind: Kind, enabled_id: int, data: EnabledUpdate
) -> EnabledOut:
    refuse_client_writes(scope, "enabled services")
    async with transaction():
        old = await _row(scope, kind, enabled_id, *AUDITED)
        if kind is SERVICE:
            await overlap.lock_service(old["service"])
        await versions.lock_agreement(old["agreement"])
        sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        merged = {**old, **sent}
        problems = Problems()
        extra = _kind_fields(
            kind,
            {k: merged[k] for k in ("billing", "auto_extend") if k in sent or _has_field(kind, k)},
            problems,
        )
        period = _period(merged, problems)
        problems.raise_if_any()
        values = {**old, "hidden_from_client": merged["hidden_from_client"], **period, **extra}
        now = periods.now_utc()
        label = f"{kind.noun} {enabled_id}"
        periods.refuse_moving_started(
            f"{label} is in force", old["effective_from"], values["effective_from"], now
        )
        _refuse_ending_in_the_past(label, old, values, now)
        before, after = diff(snapshot(E, old), snapshot(E, values))
        if after:
            await _refuse_overlap(kind, values, enabled_id)
            await E.update(
                {getattr(E, k): values[k] for k in after} | {E.updated_at: datetime.now(UTC)}
            ).where(E.id == enabled_id)
            await record_event(
                ctx,
                f"{kind.label} updated",
                [Change(E._meta.tablename, "update", enabled_id, before, after, scope.company_id)],
            )
    return await get_enabled(scope, kind, enabled_id)


def _has_field(kind: Kind, field: str) -> bool:
    """Is ``field`` one of ``kind``'s own (kept through a change that does not send it)?"""
    return (field == "billing" and kind.has_billing) or (
        field == "auto_extend" and kind.is_bundle_pack
    )


def _refuse_ending_in_the_past(label: str, old: dict, values: dict, now: datetime) -> None:
    """A started row may be ended, but not before now: what was in force until now stays a
    fact (``core.periods``, the started rules)."""
    till = values["effective_till"]
    if till == old["effective_till"] or not periods.has_started(old["effective_from"], now):
        return
    if till is not None and till < now:
        raise Conflict(
            f"{label} has started; it can end now or later, not at {till:%Y-%m-%d %H:%M} UTC",
            [{"field": "effective_till", "message": "a started row cannot end in the past"}],
        )


async def delete_enabled(ctx: AuditContext, scope: Scope, kind: Kind, enabled_id: int) -> None:
    refuse_client_writes(scope, "enabled services")
    async with transaction():
        old = await _row(scope, kind, enabled_id, *AUDITED)
        if periods.has_started(old["effective_from"], periods.now_utc()):
            raise Conflict(
                f"{kind.noun} {enabled_id} started on {old['effective_from']:%Y-%m-%d %H:%M} UTC; "
                f"an {kind.noun} that has started cannot be deleted (set its effective till "
                "to end it)"
            )
        await E.delete().where(E.id == enabled_id)
        await record_event(
            ctx,
            f"{kind.label} deleted",
            [
                Change(
                    E._meta.tablename, "delete", enabled_id, snapshot(E, old), {}, scope.company_id
                )
            ],
        )


async def agreements_using(service_id: int) -> int:
    """How many agreements enable ``service_id`` (any kind, any period)."""
    rows = await E.raw(
        "SELECT COUNT(DISTINCT agreement) AS n FROM enabled_services WHERE service = {}",
        service_id,
    )
    return rows[0]["n"]


async def counts_by_agreement(agreement_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{agreement: {kind: rows}}`` for a page of agreements, in one grouped query."""
    if not agreement_ids:
        return {}
    rows = await E.raw(
        "SELECT agreement, kind, COUNT(*) AS n FROM enabled_services "
        f"WHERE agreement IN ({', '.join('{}' for _ in agreement_ids)}) GROUP BY agreement, kind",
        *agreement_ids,
    )
    found: dict[int, dict[str, int]] = {}
    for row in rows:
        found.setdefault(row["agreement"], {})[row["kind"]] = row["n"]
    return found
