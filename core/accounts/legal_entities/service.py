"""Legal entities: the caller's own ones and those of the companies it created, one service.

One table holds both; the "realm" decides which half a call may touch, so an own entity is
invisible through the client resource and the other way round. At most one entity per company
is the default: the first one becomes it, marking another moves the flag inside the same
transaction (after locking the company row on PostgreSQL; SQLite writers are serialised by
``BEGIN IMMEDIATE``), and deleting the default promotes none, the caller picks the next one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import msgspec

from core.access.guards import refuse_client_writes
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.legal_entities.schemas import (
    LegalEntityCreate,
    LegalEntityOut,
    LegalEntityUpdate,
    OwnLegalEntityCreate,
)
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.db.engine import is_postgres, transaction
from core.db.search import matches
from core.errors import Invalid, NotFound
from core.validation import Problems, clean_email_list, country_name, normalise_country
from core.web.listing import Cursors, ListQuery, fetch_page
from tenants.models import Company, Portal
from tenants.scope import Scope

Realm = Literal["own", "clients"]
TABLE = "legal_entities"
AUDITED = [
    LegalEntity.id,
    LegalEntity.company,
    LegalEntity.name,
    LegalEntity.legal_name,
    LegalEntity.country,
    LegalEntity.portal,
    LegalEntity.tax_id,
    LegalEntity.legal_id,
    LegalEntity.vat_id,
    LegalEntity.legal_address,
    LegalEntity.billing_address,
    LegalEntity.notification_emails,
    LegalEntity.is_default,
]
OUT_COLUMNS = [
    *AUDITED,
    LegalEntity.company.name.as_alias("company_name"),
    LegalEntity.company.kind.as_alias("company_type"),
    LegalEntity.portal.name.as_alias("portal_name"),
    LegalEntity.created_at,
    LegalEntity.updated_at,
]
SORTABLE = {
    "id": LegalEntity.id,
    "name": LegalEntity.name,
    "legal_name": LegalEntity.legal_name,
    "company": LegalEntity.sort_company,
    "country": LegalEntity.country,
    "is_default": LegalEntity.is_default,
    "created_at": LegalEntity.created_at,
    "updated_at": LegalEntity.updated_at,
}
FIELD_COLUMNS = {"portal_id": "portal"}
LABEL = {"own": "Own legal entity", "clients": "Legal entity"}


@dataclass(frozen=True)
class LegalEntityFilters:
    q: str | None = None
    company_id: int | None = None
    country: str | None = None
    is_default: bool | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(matches([LegalEntity.name, LegalEntity.legal_name], self.q))
        if self.company_id is not None:
            clauses.append(LegalEntity.company == self.company_id)
        if self.country:
            clauses.append(LegalEntity.country == normalise_country(self.country))
        if self.is_default is not None:
            clauses.append(LegalEntity.is_default == self.is_default)
        return clauses


def _realm_clauses(scope: Scope, realm: Realm) -> list:
    """One arm of ``in_scope`` each: the caller's own rows, or those of the companies it
    created (``tenant_id``, their parent), each one index range."""
    if realm == "own":
        return [LegalEntity.company == scope.company_id]
    return [LegalEntity.tenant_id == scope.company_id]


def _emails(value) -> list[str]:
    return msgspec.json.decode(value) if isinstance(value, str) else list(value or [])


def _audit_view(row: dict) -> dict:
    return snapshot(
        LegalEntity, {**row, "notification_emails": _emails(row["notification_emails"])}
    )


def to_out(row: dict) -> LegalEntityOut:
    return LegalEntityOut(
        id=row["id"],
        company_id=row["company"],
        company_name=row["company_name"],
        company_type=row["company_type"],
        name=row["name"],
        legal_name=row["legal_name"],
        country=row["country"],
        country_name=country_name(row["country"]),
        portal_id=row["portal"],
        portal_name=row.get("portal_name"),
        tax_id=row["tax_id"],
        legal_id=row["legal_id"],
        vat_id=row["vat_id"],
        legal_address=row["legal_address"],
        billing_address=row["billing_address"],
        notification_emails=_emails(row["notification_emails"]),
        is_default=row["is_default"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_legal_entities(
    scope: Scope, realm: Realm, filters: LegalEntityFilters, query: ListQuery
) -> tuple[list[LegalEntityOut], int, Cursors]:
    where = [*_realm_clauses(scope, realm), *filters.clauses()]
    rows, total, cursors = await fetch_page(LegalEntity, OUT_COLUMNS, where, query, SORTABLE)
    return [to_out(r) for r in rows], total, cursors


async def _row(scope: Scope, realm: Realm, entity_id: int, *columns) -> dict:
    row = (
        await LegalEntity.select(*columns)
        .where(LegalEntity.id == entity_id, *_realm_clauses(scope, realm))
        .first()
    )
    if row is None:
        raise NotFound(f"{LABEL[realm].lower()} {entity_id} not found")
    return row


async def get_legal_entity(scope: Scope, realm: Realm, entity_id: int) -> LegalEntityOut:
    return to_out(await _row(scope, realm, entity_id, *OUT_COLUMNS))


def _refuse_client(scope: Scope) -> None:
    """A client's entities are kept by the tenant that created it; the client only reads them."""
    if scope.company_kind == "client":
        refuse_client_writes(scope, "their own legal entities")


async def _target_company(scope: Scope, realm: Realm, data: OwnLegalEntityCreate) -> int:
    if realm == "own":
        _refuse_client(scope)
        return scope.company_id
    assert isinstance(data, LegalEntityCreate)
    return await _created_company(scope, data.company_id)


async def _created_company(scope: Scope, company_id: int) -> int:
    created_by_caller = await Company.exists().where(
        Company.id == company_id, Company.parent == scope.company_id
    )
    if not created_by_caller:
        raise Invalid.field("company_id", "no such company among the companies you created")
    return company_id


async def _clean(
    scope: Scope, values: dict, company_id: int, problems: Problems | None = None
) -> dict:
    """Field rules beyond the Struct's: name not blank, ISO country, portal, emails;
    every broken one is reported at once (with those already in ``problems``).

    The portal may be the caller's or one of the entity's own company: a tenant that made a
    portal for its reseller assigns it to the reseller's legal entity (guide §14.2 step 8).
    """
    problems = problems or Problems()
    for key in ("name", "legal_name"):
        values[key] = values[key].strip()
        if not values[key]:
            problems.add(key, "must not be blank")
    values["country"] = problems.attempt(normalise_country, values["country"])
    if values.get("portal") is not None:
        owned = await Portal.exists().where(
            Portal.id == values["portal"],
            Portal.company.is_in([scope.company_id, company_id]),
        )
        if not owned:
            problems.add("portal_id", "no such portal among yours or this legal entity's company's")
    values["notification_emails"] = problems.attempt(
        clean_email_list, "notification_emails", values["notification_emails"]
    )
    problems.raise_if_any()
    return values


# Values that pass every rule, standing in for fields a form did not parse (never judged).
_STAND_INS = {"name": "-", "legal_name": "-", "country": "DE", "notification_emails": []}


async def rule_errors(
    scope: Scope, realm: Realm, data, entity_id: int | None, skip: frozenset[str]
) -> list[dict[str, str]]:
    """The rule errors of the fields that parsed (``data`` has every field optional), for a
    form whose other fields did not: it then shows both kinds at once. Nothing is written;
    fields in ``skip`` or not sent are not judged."""
    if realm == "own":
        _refuse_client(scope)
    sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    problems = Problems()
    company_id = scope.company_id
    if entity_id is not None:
        old = await _row(scope, realm, entity_id, *AUDITED)
        base = {**old, "notification_emails": _emails(old["notification_emails"])}
        company_id = old["company"]
    else:
        base = dict(_STAND_INS)
        if realm == "clients" and sent.get("company_id") is not None:
            with problems.check():
                company_id = await _created_company(scope, sent["company_id"])
    values = {**base, **{FIELD_COLUMNS.get(k, k): v for k, v in sent.items() if k != "company_id"}}
    with problems.check():
        await _clean(scope, values, company_id, Problems())
    stood_in = set(_STAND_INS) - set(sent) if entity_id is None else set()
    return [e for e in problems.errors if e["field"] not in skip | stood_in]


async def _lock_company(company_id: int) -> None:
    """Serialise default changes of one company; SQLite's BEGIN IMMEDIATE already does."""
    if is_postgres():
        await Company.raw("SELECT id FROM companies WHERE id = {} FOR UPDATE", company_id)


async def _unset_other_defaults(company_id: int, keep_id: int | None) -> list[Change]:
    query = LegalEntity.select(LegalEntity.id).where(
        LegalEntity.company == company_id, LegalEntity.is_default.eq(True)
    )
    if keep_id is not None:
        query = query.where(LegalEntity.id != keep_id)
    ids = [r["id"] for r in await query]
    if not ids:
        return []
    await LegalEntity.update(
        {LegalEntity.is_default: False, LegalEntity.updated_at: datetime.now().astimezone()}
    ).where(LegalEntity.id.is_in(ids))
    return [
        Change(TABLE, "update", i, {"is_default": True}, {"is_default": False}, company_id)
        for i in ids
    ]


def _db_values(values: dict) -> dict:
    return {**values, "notification_emails": json.dumps(values["notification_emails"])}


async def create_legal_entity(
    ctx: AuditContext, scope: Scope, realm: Realm, data: OwnLegalEntityCreate
) -> LegalEntityOut:
    fields = msgspec.structs.asdict(data)
    fields.pop("company_id", None)
    values = {FIELD_COLUMNS.get(k, k): v for k, v in fields.items()}
    async with transaction():
        if realm == "own":
            _refuse_client(scope)
        problems = Problems()
        company_id = None
        with problems.check():
            company_id = await _target_company(scope, realm, data)
        values = await _clean(scope, values, company_id or scope.company_id, problems)
        assert company_id is not None  # _clean raised every problem, the company's too
        await _lock_company(company_id)
        first = not await LegalEntity.exists().where(LegalEntity.company == company_id)
        values["is_default"] = values["is_default"] or first
        changes = await _unset_other_defaults(company_id, None) if values["is_default"] else []
        entity = LegalEntity(company=company_id, **_db_values(values))
        await entity.save()
        row = await LegalEntity.select(*AUDITED).where(LegalEntity.id == entity.id).first()
        insert = Change(TABLE, "insert", entity.id, {}, _audit_view(row), company_id)
        await record_event(ctx, f"{LABEL[realm]} created", [insert, *changes])
    return await get_legal_entity(scope, realm, entity.id)


async def update_legal_entity(
    ctx: AuditContext, scope: Scope, realm: Realm, entity_id: int, data: LegalEntityUpdate
) -> LegalEntityOut:
    async with transaction():
        old = await _row(scope, realm, entity_id, *AUDITED)
        if realm == "own":
            _refuse_client(scope)
        old = {**old, "notification_emails": _emails(old["notification_emails"])}
        values = dict(old)
        for key, value in msgspec.structs.asdict(data).items():
            if value is not msgspec.UNSET:
                values[FIELD_COLUMNS.get(key, key)] = value
        values = await _clean(scope, values, old["company"])
        before, after = diff(snapshot(LegalEntity, old), snapshot(LegalEntity, values))
        if after:
            changes = []
            if after.get("is_default"):
                await _lock_company(old["company"])
                changes = await _unset_other_defaults(old["company"], entity_id)
            stored = _db_values(values)
            await LegalEntity.update(
                {getattr(LegalEntity, k): stored[k] for k in after}
                | {LegalEntity.updated_at: datetime.now().astimezone()}
            ).where(LegalEntity.id == entity_id)
            update = Change(TABLE, "update", entity_id, before, after, old["company"])
            await record_event(ctx, f"{LABEL[realm]} updated", [update, *changes])
    return await get_legal_entity(scope, realm, entity_id)


async def delete_legal_entity(
    ctx: AuditContext, scope: Scope, realm: Realm, entity_id: int
) -> bool:
    """Delete one entity; True when it was its company's default (none is promoted)."""
    async with transaction():
        old = await _row(scope, realm, entity_id, *AUDITED)
        if realm == "own":
            _refuse_client(scope)
        from core.accounts.in_use import legal_entity_usages, refuse_if_used

        await refuse_if_used(f"legal entity “{old['name']}”", legal_entity_usages(entity_id))
        from core.payments.models import LegalEntityPaymentSystem as Offered

        # The payment systems it offered go with it (ON DELETE CASCADE): the log says which.
        offered = await Offered.select(Offered.payment_system).where(
            Offered.legal_entity == entity_id
        )
        gone = _audit_view(old)
        if offered:
            gone["payment_system_ids"] = sorted(r["payment_system"] for r in offered)
        await LegalEntity.delete().where(LegalEntity.id == entity_id)
        await record_event(
            ctx,
            f"{LABEL[realm]} deleted",
            [Change(TABLE, "delete", entity_id, gone, {}, old["company"])],
        )
    return bool(old["is_default"])


async def company_choices(scope: Scope) -> list[dict]:
    """The companies the caller created, for the client legal-entity form and filter."""
    return await (
        Company.select(Company.id, Company.name)
        .where(Company.parent == scope.company_id)
        .order_by(Company.name)
    )


async def portal_choices(scope: Scope) -> list[dict]:
    return await (
        Portal.select(Portal.id, Portal.name)
        .where(Portal.company == scope.company_id)
        .order_by(Portal.name)
    )
