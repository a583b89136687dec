"""Companies a tenant creates: the rules of the tree, enforced for API and UI alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec
from piccolo.columns.combination import WhereRaw

from core.accounts.company_schemas import CompanyCreate, CompanyOut, CompanyUpdate
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.auth.models import User
from core.db.engine import transaction
from core.errors import Conflict, Invalid, NotFound
from core.web.listing import ListQuery, contains, fetch_page
from tenants.models import Company, Portal
from tenants.scope import Scope, get_in_scope, in_scope
from tenants.tree import child_path

AUDITED = [
    Company.id,
    Company.name,
    Company.kind,
    Company.parent,
    Company.enabled,
    Company.creator_of_resellers,
    Company.moderation,
    Company.description,
    Company.portal,
]
OUT_COLUMNS = [
    *AUDITED,
    Company.portal.name.as_alias("portal_name"),
    Company.created_at,
    Company.updated_at,
]
SORTABLE = {
    "id": Company.id,
    "name": Company.name,
    "type": Company.kind,
    "enabled": Company.enabled,
    "creator_of_resellers": Company.creator_of_resellers,
    "moderation": Company.moderation,
    "created_at": Company.created_at,
    "updated_at": Company.updated_at,
}


@dataclass(frozen=True)
class CompanyFilters:
    q: str | None = None
    type: str | None = None
    enabled: bool | None = None
    creator_of_resellers: bool | None = None
    moderation: bool | None = None
    portal_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(contains(Company.name, self.q))
        if self.type:
            if self.type not in ("client", "reseller"):
                raise Invalid.field("type", "must be client or reseller")
            clauses.append(Company.kind == self.type)
        for name in ("enabled", "creator_of_resellers", "moderation"):
            value = getattr(self, name)
            if value is not None:
                clauses.append(getattr(Company, name) == value)
        if self.portal_id is not None:
            clauses.append(Company.portal == self.portal_id)
        if self.created_from is not None:
            clauses.append(Company.created_at >= self.created_from)
        if self.created_to is not None:
            clauses.append(Company.created_at <= self.created_to)
        return clauses


def to_out(row: dict) -> CompanyOut:
    return CompanyOut(
        id=row["id"],
        name=row["name"],
        type=row["kind"],
        parent_id=row["parent"],
        enabled=row["enabled"],
        is_reseller=row["kind"] == "reseller",
        creator_of_resellers=row["creator_of_resellers"],
        moderation=row["moderation"],
        description=row["description"],
        portal_id=row["portal"],
        portal_name=row.get("portal_name"),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_companies(scope: Scope, filters: CompanyFilters, query: ListQuery):
    rows, total = await fetch_page(
        Company, OUT_COLUMNS, [in_scope(Company, scope), *filters.clauses()], query, SORTABLE
    )
    return [to_out(r) for r in rows], total


async def get_company(scope: Scope, company_id: int) -> CompanyOut:
    return to_out(await get_in_scope(Company, scope, company_id, *OUT_COLUMNS))


async def _caller_company(scope: Scope) -> dict:
    row = await Company.select().where(Company.id == scope.company_id).first()
    if row is None:
        raise NotFound("your company no longer exists")
    return row


async def _check_rules(scope: Scope, values: dict, company_id: int | None) -> None:
    caller = await _caller_company(scope)
    if caller["kind"] == "client":
        raise Invalid("client companies cannot create or manage companies")
    if values["kind"] == "reseller" and not (
        caller["kind"] == "owner" or caller["creator_of_resellers"]
    ):
        raise Invalid.field("type", "your company may not create resellers")
    if values["creator_of_resellers"] and values["kind"] != "reseller":
        raise Invalid.field("creator_of_resellers", "only a reseller can be a creator of resellers")
    if values.get("portal") is not None:
        owned = await Portal.exists().where(
            Portal.id == values["portal"], Portal.company == scope.company_id
        )
        if not owned:
            raise Invalid.field("portal_id", "no such portal among your portals")
    duplicate = Company.select(Company.id).where(
        Company.parent == scope.company_id, WhereRaw("LOWER(name) = LOWER({})", values["name"])
    )
    if company_id is not None:
        duplicate = duplicate.where(Company.id != company_id)
    if await duplicate.first():
        raise Conflict(
            f"a company named {values['name']!r} already exists",
            [{"field": "name", "message": "already used by another of your companies"}],
        )
    if (
        company_id is not None
        and values["kind"] == "client"
        and await Company.exists().where(Company.parent == company_id)
    ):
        raise Invalid.field("type", "this company has its own companies; it must stay a reseller")


async def create_company(ctx: AuditContext, scope: Scope, data: CompanyCreate) -> CompanyOut:
    values = {
        "name": data.name.strip(),
        "kind": data.type,
        "enabled": data.enabled,
        "creator_of_resellers": data.creator_of_resellers,
        "moderation": data.moderation,
        "description": data.description,
        "portal": data.portal_id,
    }
    if not values["name"]:
        raise Invalid.field("name", "must not be blank")
    async with transaction():
        await _check_rules(scope, values, None)
        company = Company(
            name=values["name"],
            kind=values["kind"],
            parent=scope.company_id,
            depth=0,
            enabled=values["enabled"],
            creator_of_resellers=values["creator_of_resellers"],
            moderation=values["moderation"],
            description=values["description"],
            portal=values["portal"],
        )
        await company.save()
        parent = await _caller_company(scope)
        await Company.update(
            {
                Company.path: child_path(parent["path"], company.id),
                Company.depth: parent["depth"] + 1,
            }
        ).where(Company.id == company.id)
        row = await Company.select(*AUDITED).where(Company.id == company.id).first()
        await record_event(
            ctx,
            "Company created",
            [Change("companies", "insert", company.id, {}, snapshot(Company, row), company.id)],
        )
    return await get_company(scope, company.id)


async def update_company(
    ctx: AuditContext, scope: Scope, company_id: int, data: CompanyUpdate
) -> CompanyOut:
    async with transaction():
        old = await get_in_scope(Company, scope, company_id, *AUDITED)
        changes = msgspec.structs.asdict(data)
        mapping = {"type": "kind", "portal_id": "portal"}
        values = {**old}
        for key, value in changes.items():
            if value is not msgspec.UNSET:
                values[mapping.get(key, key)] = value.strip() if key == "name" else value
        if not values["name"]:
            raise Invalid.field("name", "must not be blank")
        if values["kind"] == "client" and data.creator_of_resellers is msgspec.UNSET:
            values["creator_of_resellers"] = False
        await _check_rules(scope, values, company_id)
        before, after = diff(snapshot(Company, old), snapshot(Company, values))
        if after:
            await Company.update(
                {getattr(Company, k): v for k, v in values.items() if k in after}
                | {Company.updated_at: datetime.now().astimezone()}
            ).where(Company.id == company_id)
            await record_event(
                ctx,
                "Company updated",
                [Change("companies", "update", company_id, before, after, company_id)],
            )
    return await get_company(scope, company_id)


async def delete_company(ctx: AuditContext, scope: Scope, company_id: int) -> None:
    async with transaction():
        old = await get_in_scope(Company, scope, company_id, *AUDITED)
        if await Company.exists().where(Company.parent == company_id):
            raise Conflict("this company has companies of its own; delete or move them first")
        if await User.exists().where(User.company == company_id):
            raise Conflict("this company still has users; remove them first")
        await Company.delete().where(Company.id == company_id)
        await record_event(
            ctx,
            "Company deleted",
            [Change("companies", "delete", company_id, snapshot(Company, old), {}, company_id)],
        )
