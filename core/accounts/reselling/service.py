"""Reselling associations (guide §14): a reseller's legal entity buys under an agreement.

The tenant keeps them: the legal entity must belong to a reseller company the caller created
and the agreement must be one of that same company's, so a tenant cannot hand a reseller
another company's balance. Periods of one (legal entity, agreement) pair never overlap, and the
start of an association already in force cannot be moved (both checked under a lock on the
legal entity row). The reseller reads the associations of its own legal entities, read-only,
with just what it needs to know about its supply: code, currency, balance, credit limit.
Instants are stored in UTC with the zone they were entered in, so they read back as entered.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from core import periods
from core.accounts.agreements import versions
from core.accounts.agreements.models import Agreement
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.reselling.models import ResellingAssociation
from core.accounts.reselling.schemas import AssociationCreate, AssociationOut, AssociationUpdate
from core.audit.recorder import AuditContext, Change, diff, record_event
from core.db.engine import is_postgres, transaction
from core.errors import Conflict, NotFound
from core.ledger.models import agreement_balance
from core.money import amount_text
from core.validation import Problems
from tenants.scope import Scope

TABLE = "reselling_associations"
RA = ResellingAssociation
COLUMNS = [
    RA.id,
    RA.legal_entity,
    RA.legal_entity.name.as_alias("legal_entity_name"),
    RA.agreement,
    RA.agreement.code.as_alias("agreement_code"),
    RA.agreement.currency.as_alias("currency"),
    agreement_balance(RA.agreement.id).as_alias("balance"),
    RA.effective_from,
    RA.effective_till,
    RA.timezone,
    RA.created_at,
    RA.updated_at,
]
AUDIT_KEYS = ("id", "legal_entity", "agreement", "effective_from", "effective_till", "timezone")


def _view(row: dict) -> dict:
    view = {k: row.get(k) for k in AUDIT_KEYS}
    for key in ("effective_from", "effective_till"):
        value = periods.utc(view[key])
        view[key] = value.isoformat() if value else None
    return view


async def tenant_entity(scope: Scope, entity_id: int) -> dict:
    """A legal entity of a reseller the caller created; 404 for anything outside the scope."""
    row = (
        await LegalEntity.select(
            LegalEntity.id,
            LegalEntity.name,
            LegalEntity.company,
            LegalEntity.company.kind.as_alias("kind"),
            LegalEntity.company.name.as_alias("company_name"),
        )
        .where(LegalEntity.id == entity_id, LegalEntity.tenant_id == scope.company_id)
        .first()
    )
    if row is None:
        raise NotFound(f"legal entity {entity_id} not found")
    if row["kind"] != "reseller":
        raise Conflict(
            f"{row['company_name']} is a client company; only the legal entities of resellers "
            "buy under reselling agreements"
        )
    return row


async def _own_entity(scope: Scope, entity_id: int) -> dict:
    row = (
        await LegalEntity.select(LegalEntity.id)
        .where(LegalEntity.id == entity_id, LegalEntity.company == scope.company_id)
        .first()
    )
    if row is None:
        raise NotFound(f"own legal entity {entity_id} not found")
    return row


async def _outs(rows: list[dict]) -> list[AssociationOut]:
    now = periods.now_utc()
    in_force = await versions.versions_in_force([r["agreement"] for r in rows], now)
    items = []
    for row in rows:
        start, till = periods.utc(row["effective_from"]), periods.utc(row["effective_till"])
        version = in_force.get(row["agreement"])
        limit = version["credit_limit"] if version else None
        items.append(
            AssociationOut(
                id=row["id"],
                legal_entity_id=row["legal_entity"],
                legal_entity_name=row["legal_entity_name"],
                agreement_id=row["agreement"],
                agreement_code=row["agreement_code"],
                currency=row["currency"],
                balance=amount_text(row["balance"]),
                credit_limit=amount_text(limit),
                status=periods.status(start, till, now),
                effective_from=start,
                effective_till=till,
                timezone=row["timezone"],
                effective_from_local=periods.local_text(start, row["timezone"]),
                effective_till_local=periods.local_text(till, row["timezone"]),
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
        )
    return items


async def _of_entity(entity_id: int) -> list[dict]:
    rows = await RA.select(*COLUMNS).where(RA.legal_entity == entity_id)
    return sorted(rows, key=lambda r: (periods.utc(r["effective_from"]), r["id"]))


async def list_for_tenant(scope: Scope, entity_id: int) -> list[AssociationOut]:
    await tenant_entity(scope, entity_id)
    return await _outs(await _of_entity(entity_id))


async def list_for_reseller(scope: Scope, entity_id: int) -> list[AssociationOut]:
    """What one of the caller's own legal entities buys under, from its tenant."""
    await _own_entity(scope, entity_id)
    return await _outs(await _of_entity(entity_id))


async def get_association(scope: Scope, entity_id: int, association_id: int) -> AssociationOut:
    await tenant_entity(scope, entity_id)
    row = await RA.select(*COLUMNS).where(RA.id == association_id, RA.legal_entity == entity_id)
    if not row:
        raise NotFound(f"reselling agreement {association_id} not found")
    return (await _outs(row))[0]


async def _lock_entity(entity_id: int) -> None:
    """Serialise association writes of one legal entity; SQLite's BEGIN IMMEDIATE already does."""
    if is_postgres():
        await LegalEntity.raw("SELECT id FROM legal_entities WHERE id = {} FOR UPDATE", entity_id)


async def _clean(scope: Scope, entity: dict, values: dict) -> dict:
    """The agreement, zone and period checked together: one Invalid names all broken ones."""
    problems = Problems()
    if not await Agreement.exists().where(
        Agreement.id == values["agreement_id"],
        Agreement.company == entity["company"],
        versions.managed(scope),
    ):
        problems.add("agreement_id", f"no such agreement with {entity['company_name']} among yours")
    tz = problems.attempt(periods.zone, values["timezone"], default=ZoneInfo("UTC"))
    start, till = problems.attempt(periods.period_instants, values, tz, default=(None, None))
    problems.raise_if_any()
    return {
        "agreement": values["agreement_id"],
        "effective_from": start,
        "effective_till": till,
        "timezone": tz.key,
    }


async def _refuse_overlap(entity_id: int, values: dict, keep_id: int | None) -> None:
    others = [
        {
            **r,
            "effective_from": periods.utc(r["effective_from"]),
            "effective_till": periods.utc(r["effective_till"]),
        }
        for r in await _of_entity(entity_id)
        if r["id"] != keep_id and r["agreement"] == values["agreement"]
    ]
    other = periods.first_overlap(values["effective_from"], values["effective_till"], others)
    if other is not None:
        raise Conflict(
            f"the period overlaps reselling agreement {other['id']} "
            f"({periods.describe(other['effective_from'], other['effective_till'])}) "
            "under the same agreement"
        )


async def add_association(
    ctx: AuditContext, scope: Scope, entity_id: int, data: AssociationCreate
) -> AssociationOut:
    async with transaction():
        entity = await tenant_entity(scope, entity_id)
        values = await _clean(scope, entity, msgspec.structs.asdict(data))
        await _lock_entity(entity_id)
        await _refuse_overlap(entity_id, values, None)
        row = RA(legal_entity=entity_id, **values)
        await row.save()
        view = _view({"id": row.id, "legal_entity": entity_id, **values})
        change = Change(TABLE, "insert", row.id, {}, view, entity["company"])
        await record_event(ctx, "Reselling agreement added", [change])
    return await get_association(scope, entity_id, row.id)


async def _stored(entity_id: int, association_id: int) -> dict:
    row = await RA.select().where(RA.id == association_id, RA.legal_entity == entity_id).first()
    if row is None:
        raise NotFound(f"reselling agreement {association_id} not found")
    return row


async def update_association(
    ctx: AuditContext,
    scope: Scope,
    entity_id: int,
    association_id: int,
    data: AssociationUpdate,
    now: datetime | None = None,
) -> AssociationOut:
    now = now or periods.now_utc()
    async with transaction():
        entity = await tenant_entity(scope, entity_id)
        old = await _stored(entity_id, association_id)
        merged = {  # unsent ends keep their instant (aware values ignore the zone)
            "agreement_id": old["agreement"],
            "effective_from": periods.utc(old["effective_from"]),
            "effective_till": periods.utc(old["effective_till"]),
            "timezone": old["timezone"],
        }
        merged |= {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        values = await _clean(scope, entity, merged)
        periods.refuse_moving_started(
            f"reselling agreement {association_id} is in force",
            periods.utc(old["effective_from"]),
            values["effective_from"],
            now,
        )
        await _lock_entity(entity_id)
        await _refuse_overlap(entity_id, values, association_id)
        before, after = diff(_view(old), _view({**old, **values}))
        if after:
            await RA.update(
                {getattr(RA, k): values[k] for k in after} | {RA.updated_at: periods.now_utc()}
            ).where(RA.id == association_id)
            change = Change(TABLE, "update", association_id, before, after, entity["company"])
            await record_event(ctx, "Reselling agreement updated", [change])
    return await get_association(scope, entity_id, association_id)


async def delete_association(
    ctx: AuditContext, scope: Scope, entity_id: int, association_id: int
) -> None:
    async with transaction():
        entity = await tenant_entity(scope, entity_id)
        old = await _stored(entity_id, association_id)
        await RA.delete().where(RA.id == association_id)
        change = Change(TABLE, "delete", association_id, _view(old), {}, entity["company"])
        await record_event(ctx, "Reselling agreement deleted", [change])


async def reselling_agreements_in_force(legal_entity_id: int, at: datetime) -> list[dict]:
    """Every association of the legal entity in force at ``at``, earliest start first."""
    in_force = periods.in_force_at(RA, at, "reselling_agreements_in_force")
    rows = await RA.select(
        RA.id, RA.legal_entity, RA.agreement, RA.effective_from, RA.effective_till
    ).where(RA.legal_entity == legal_entity_id, in_force)
    for row in rows:
        row["effective_from"] = periods.utc(row["effective_from"])
        row["effective_till"] = periods.utc(row["effective_till"])
    return sorted(rows, key=lambda r: (r["effective_from"], r["id"]))


async def reselling_agreement_in_force(legal_entity_id: int, at: datetime) -> dict | None:
    """The association the legal entity buys under at ``at``: with several agreements in
    force at once, the one associated earliest (then the lowest id), so the choice is stable."""
    found = await reselling_agreements_in_force(legal_entity_id, at)
    return found[0] if found else None


async def agreement_choices(scope: Scope, company_id: int) -> list[dict]:
    return await (
        Agreement.select(Agreement.id, Agreement.code, Agreement.currency)
        .where(Agreement.company == company_id, versions.managed(scope))
        .order_by(Agreement.code)
    )
