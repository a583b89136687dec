"""Roles a company can see and manage, with the rules the API and the UI share.

A company sees the system roles (read-only) and the custom roles it owns; any other custom role
answers 404 like a missing one. A custom role starts from a template's levels, lists the
companies that may assign it (the owner itself or companies it created), and cannot be deleted
while a user holds it. A user who is not an admin cannot grant a level above their own, so the
Users permission alone is not a way to escalate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from core.access import areas as area_registry
from core.access.models import Role, RoleCompany, RolePermission
from core.access.schemas import CompanyRef, RoleCreate, RoleOut, RoleUpdate
from core.access.service import RANK, load_permissions
from core.audit.recorder import AuditContext, Change, diff, record_event
from core.auth.models import User
from core.auth.principal import Principal
from core.db.engine import transaction
from core.db.search import matches
from core.errors import Conflict, Invalid, NotFound
from core.web.listing import ListQuery, fetch_page
from tenants.models import Company
from tenants.scope import Scope, in_scope

COLUMNS = [
    Role.id,
    Role.company,
    Role.name,
    Role.description,
    Role.group,
    Role.is_system,
    Role.template,
    Role.created_at,
    Role.updated_at,
]
SORTABLE = {
    "id": Role.id,
    "name": Role.name,
    "group": Role.group,
    "is_system": Role.is_system,
    "created_at": Role.created_at,
    "updated_at": Role.updated_at,
}
GROUP_KINDS = {"backoffice": ("owner", "reseller"), "portal": ("reseller", "client")}


@dataclass(frozen=True)
class RoleFilters:
    q: str | None = None
    group: str | None = None
    kind: str | None = None  # system | custom

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(matches(Role.name, self.q))
        if self.group:
            if self.group not in GROUP_KINDS:
                raise Invalid.field("group", "must be backoffice or portal")
            clauses.append(Role.group == self.group)
        if self.kind:
            if self.kind not in ("system", "custom"):
                raise Invalid.field("kind", "must be system or custom")
            clauses.append(Role.is_system.eq(self.kind == "system"))
        return clauses


def visible(scope: Scope):
    return Role.is_system.eq(True) | (Role.company == scope.company_id)


async def _details(scope: Scope, rows: list[dict]) -> list[RoleOut]:
    ids = [r["id"] for r in rows]
    companies: dict[int, list[CompanyRef]] = {}
    levels: dict[int, dict[str, str]] = {}
    users: dict[int, int] = {}
    if ids:
        for r in await RoleCompany.select(
            RoleCompany.role, RoleCompany.company, RoleCompany.company.name.as_alias("name")
        ).where(RoleCompany.role.is_in(ids)):
            companies.setdefault(r["role"], []).append(CompanyRef(r["company"], r["name"]))
        for r in await RolePermission.select(
            RolePermission.role, RolePermission.area, RolePermission.level
        ).where(RolePermission.role.is_in(ids)):
            levels.setdefault(r["role"], {})[r["area"]] = r["level"]
        for r in (
            await User.select(User.role, Count(User.id, alias="n"))
            .where(User.role.is_in(ids), in_scope(User, scope))
            .group_by(User.role)
        ):
            users[r["role"]] = r["n"]
    out = []
    for row in rows:
        granted = levels.get(row["id"], {})
        out.append(
            RoleOut(
                id=row["id"],
                name=row["name"],
                description=row["description"],
                group=row["group"],
                is_system=row["is_system"],
                template=row["template"],
                owner_company_id=row["company"],
                all_companies=row["is_system"],
                companies=sorted(companies.get(row["id"], []), key=lambda c: c.name.lower()),
                users=users.get(row["id"], 0),
                editable=not row["is_system"] and row["company"] == scope.company_id,
                permissions={
                    a.key: granted.get(a.key, "none") for a in area_registry.areas_of(row["group"])
                },
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
        )
    return out


async def list_roles(scope: Scope, filters: RoleFilters, query: ListQuery):
    rows, total, cursors = await fetch_page(
        Role, COLUMNS, [visible(scope), *filters.clauses()], query, SORTABLE
    )
    return await _details(scope, rows), total, cursors


async def _row(scope: Scope, role_id: int) -> dict:
    row = await Role.select(*COLUMNS).where(Role.id == role_id, visible(scope)).first()
    if row is None:
        raise NotFound(f"role {role_id} not found")
    return row


async def get_role(scope: Scope, role_id: int) -> RoleOut:
    return (await _details(scope, [await _row(scope, role_id)]))[0]


async def template_levels(scope: Scope, template_id: int, group: str) -> dict[str, str]:
    """The levels of a visible role of ``group``, to start a new role from."""
    row = await Role.select(Role.id, Role.group).where(Role.id == template_id, visible(scope))
    if not row or row[0]["group"] != group:
        raise Invalid.field(
            "template_id", "choose a system role or one of your roles of this group"
        )
    rows = await RolePermission.select(RolePermission.area, RolePermission.level).where(
        RolePermission.role == template_id
    )
    return {r["area"]: r["level"] for r in rows}


async def template_choices(scope: Scope) -> list[dict]:
    """Visible roles as ``{id, name, group, is_system}``, system roles first."""
    rows = await Role.select(Role.id, Role.name, Role.group, Role.is_system).where(visible(scope))
    return sorted(rows, key=lambda r: (not r["is_system"], r["name"].lower(), r["id"]))


def _levels(group: str, base: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    known = {a.key for a in area_registry.areas_of(group)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise Invalid(
            "some permission areas do not exist in this group",
            [
                {"field": f"permissions.{k}", "message": "unknown area for this group"}
                for k in unknown
            ],
        )
    return {key: given.get(key, base.get(key, "none")) for key in sorted(known)}


async def _check_grants(principal: Principal, old: dict[str, str], new: dict[str, str]) -> None:
    if principal.is_admin:
        return
    own = await load_permissions(principal)
    raised = [
        k
        for k, level in new.items()
        if RANK[level] > RANK[old.get(k, "none")] and RANK[level] > RANK[own.get(k, "none")]
    ]
    if raised:
        raise Invalid(
            "you cannot grant a level above your own",
            [{"field": f"permissions.{k}", "message": "above your own level"} for k in raised],
        )


async def _check_companies(scope: Scope, group: str, company_ids: list[int]) -> list[int]:
    ids = sorted(set(company_ids))
    if not ids:
        return []
    rows = await Company.select(Company.id, Company.kind).where(
        Company.id.is_in(ids),
        (Company.id == scope.company_id) | (Company.parent == scope.company_id),
    )
    kinds = {r["id"]: r["kind"] for r in rows}
    errors = []
    for company_id in ids:
        if company_id not in kinds:
            errors.append("no such company among yours")
        elif kinds[company_id] not in GROUP_KINDS[group]:
            errors.append(f"company {company_id} has no users of this group")
    if errors:
        raise Invalid(
            "some companies cannot use this role",
            [{"field": "company_ids", "message": m} for m in dict.fromkeys(errors)],
        )
    return ids


async def _check_name(scope: Scope, group: str, name: str, role_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise Invalid.field("name", "must not be blank")
    clash = Role.select(Role.id).where(
        visible(scope), Role.group == group, WhereRaw("LOWER(name) = LOWER({})", name)
    )
    if role_id is not None:
        clash = clash.where(Role.id != role_id)
    if await clash.first():
        raise Conflict(
            f"a role named {name!r} already exists in this group",
            [{"field": "name", "message": "already used by another role of this group"}],
        )
    return name


async def _write(role_id: int, levels: dict[str, str], company_ids: list[int]) -> None:
    await RolePermission.delete().where(RolePermission.role == role_id)
    await RolePermission.insert(
        *[RolePermission(role=role_id, area=k, level=v) for k, v in levels.items()]
    )
    await RoleCompany.delete().where(RoleCompany.role == role_id)
    if company_ids:
        await RoleCompany.insert(*[RoleCompany(role=role_id, company=c) for c in company_ids])


async def create_role(ctx: AuditContext, principal: Principal, data: RoleCreate) -> RoleOut:
    scope = principal.scope
    if scope.company_kind == "client" and data.group != "portal":
        raise Invalid.field("group", "a client company only has client-portal users")
    async with transaction():
        name = await _check_name(scope, data.group, data.name, None)
        base, template = {}, ""
        if data.template_id is not None:
            base = await template_levels(scope, data.template_id, data.group)
            template = (await Role.select(Role.name).where(Role.id == data.template_id))[0]["name"]
        levels = _levels(data.group, base, data.permissions)
        await _check_grants(principal, {}, levels)
        company_ids = await _check_companies(scope, data.group, data.company_ids)
        role = Role(
            company=scope.company_id,
            name=name,
            description=data.description.strip(),
            group=data.group,
            is_system=False,
            template=template[:64],
        )
        await role.save()
        await _write(role.id, levels, company_ids)
        new = {
            "name": name,
            "description": role.description,
            "group": data.group,
            "template": role.template,
            "company_ids": company_ids,
            "permissions": levels,
        }
        await record_event(
            ctx, "Role created", [Change("roles", "insert", role.id, {}, new, scope.company_id)]
        )
    return await get_role(scope, role.id)


async def _own_custom(scope: Scope, role_id: int, verb: str) -> RoleOut:
    role = await get_role(scope, role_id)
    if role.is_system:
        raise Conflict(f"system roles cannot be {verb}; create a custom role from this template")
    return role


async def _check_holders_kept(role_id: int, company_ids: list[int]) -> None:
    """Users keep their role, so their companies cannot be taken off it."""
    held = await User.select(User.company.name.as_alias("name")).where(
        User.role == role_id, User.company.not_in(company_ids or [0])
    )
    if held:
        names = ", ".join(sorted({r["name"] for r in held}))
        raise Conflict(
            f"users of {names} hold this role; give them another role first",
            [{"field": "company_ids", "message": f"still used by users of {names}"}],
        )


async def update_role(
    ctx: AuditContext, principal: Principal, role_id: int, data: RoleUpdate
) -> RoleOut:
    scope = principal.scope
    async with transaction():
        role = await _own_custom(scope, role_id, "changed")
        old = {
            "name": role.name,
            "description": role.description,
            "company_ids": sorted(c.id for c in role.companies),
            "permissions": role.permissions,
        }
        new = dict(old)
        if data.name is not msgspec.UNSET:
            new["name"] = await _check_name(scope, role.group, data.name, role_id)
        if data.description is not msgspec.UNSET:
            new["description"] = data.description.strip()
        if data.company_ids is not msgspec.UNSET:
            new["company_ids"] = await _check_companies(scope, role.group, data.company_ids)
            await _check_holders_kept(role_id, new["company_ids"])
        if data.permissions is not msgspec.UNSET:
            new["permissions"] = _levels(role.group, role.permissions, data.permissions)
            await _check_grants(principal, role.permissions, new["permissions"])
        before, after = diff(old, new)
        if after:
            await Role.update(
                {
                    Role.name: new["name"],
                    Role.description: new["description"],
                    Role.updated_at: datetime.now().astimezone(),
                }
            ).where(Role.id == role_id)
            await _write(role_id, new["permissions"], new["company_ids"])
            await record_event(
                ctx,
                "Role updated",
                [Change("roles", "update", role_id, before, after, scope.company_id)],
            )
    return await get_role(scope, role_id)


async def delete_role(ctx: AuditContext, principal: Principal, role_id: int) -> None:
    scope = principal.scope
    async with transaction():
        role = await _own_custom(scope, role_id, "deleted")
        holders = await User.count().where(User.role == role_id)
        if holders:
            raise Conflict(
                f"this role is assigned to {holders} user(s); give them another role first"
            )
        await Role.delete().where(Role.id == role_id)
        old = {
            "name": role.name,
            "description": role.description,
            "group": role.group,
            "template": role.template,
            "company_ids": sorted(c.id for c in role.companies),
            "permissions": role.permissions,
        }
        await record_event(
            ctx, "Role deleted", [Change("roles", "delete", role_id, old, {}, scope.company_id)]
        )
