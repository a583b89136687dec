"""The system roles: defined in code, stored as rows of the system owner, kept in step on start.

Users reference roles by id, so system roles must be real rows; their permissions follow the
code (and the areas plugins add), which ``ensure_system_roles`` reconciles idempotently. Such a
role is recognised by ``is_system`` and its stable key in ``Role.template``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.access.areas import areas_of
from core.access.models import Role, RolePermission
from core.audit.recorder import AuditContext, Change, record_event
from core.db.engine import is_postgres, transaction
from tenants.models import Company

ADMIN = "admin"


@dataclass(frozen=True)
class SystemRole:
    key: str
    group: str
    name: str
    description: str

    def levels(self) -> dict[str, str]:
        """Every area of the group: the Admin role manages all, others take the area's say."""
        if self.key == ADMIN:
            return {a.key: "manage" for a in areas_of(self.group)}
        return {a.key: a.system_levels.get(self.key, "none") for a in areas_of(self.group)}


SYSTEM_ROLES: tuple[SystemRole, ...] = (
    SystemRole("admin", "backoffice", "Admin", "Full access to every BackOffice area."),
    SystemRole(
        "client_manager",
        "backoffice",
        "Client manager",
        "Looks after client companies, their agreements, users and moderation.",
    ),
    SystemRole(
        "finance_manager",
        "backoffice",
        "Finance manager",
        "Handles payments, invoices and financial reports.",
    ),
    SystemRole(
        "noc_engineer",
        "backoffice",
        "NOC engineer",
        "Monitors and maintains connections, routing data and reports.",
    ),
    SystemRole(
        "rate_manager", "backoffice", "Rate manager", "Maintains services, rate plans and MCCMNC."
    ),
    SystemRole("admin", "portal", "Admin", "Full access to every client-portal area."),
    SystemRole(
        "broadcast_manager",
        "portal",
        "Broadcast manager",
        "Prepares and runs broadcasts and follows their statistics.",
    ),
    SystemRole(
        "finance_manager",
        "portal",
        "Finance manager",
        "Follows the balance, payments and invoices.",
    ),
    SystemRole(
        "noc_engineer",
        "portal",
        "NOC engineer",
        "Looks after API accesses, 2FA SMS integrations and delivery statistics.",
    ),
)


async def _owner_id() -> int:
    row = await Company.select(Company.id).where(Company.kind == "owner").first()
    if row is None:
        raise RuntimeError("the system owner company does not exist yet")
    return row["id"]


async def ensure_system_roles(owner_id: int | None = None) -> bool:
    """Create missing system roles and align their texts and levels; True when it wrote.

    Reads first and writes only on a difference, so calling it on every bootstrap is cheap.
    """
    owner_id = owner_id or await _owner_id()
    async with transaction():
        if is_postgres():  # serialise concurrent bootstraps on the owner row
            await Company.raw("SELECT id FROM companies WHERE id = {} FOR UPDATE", owner_id)
        existing = {
            (r["group"], r["template"]): r
            for r in await Role.select(
                Role.id, Role.group, Role.template, Role.name, Role.description
            ).where(Role.is_system.eq(True))
        }
        stored: dict[int, dict[str, str]] = {}
        for row in await RolePermission.select(
            RolePermission.role, RolePermission.area, RolePermission.level
        ).where(RolePermission.role.is_system.eq(True)):
            stored.setdefault(row["role"], {})[row["area"]] = row["level"]
        changes: list[Change] = []
        for spec in SYSTEM_ROLES:
            changes.extend(await _reconcile(spec, owner_id, existing, stored))
        if changes:
            ctx = AuditContext(company_id=owner_id, user_id=None, user_label="system", ip="")
            await record_event(ctx, "System roles updated", changes)
    return bool(changes)


async def _reconcile(spec: SystemRole, owner_id: int, existing: dict, stored: dict) -> list:
    levels = spec.levels()
    row = existing.get((spec.group, spec.key))
    if row is None:
        role = Role(
            company=owner_id,
            name=spec.name,
            description=spec.description,
            group=spec.group,
            is_system=True,
            template=spec.key,
        )
        await role.save()
        await _write_levels(role.id, levels)
        new = {"name": spec.name, "group": spec.group, "permissions": levels}
        return [Change("roles", "insert", role.id, {}, new, owner_id)]
    old_levels = stored.get(row["id"], {})
    texts = {"name": spec.name, "description": spec.description}
    if old_levels == levels and all(row[k] == v for k, v in texts.items()):
        return []
    await Role.update({Role.name: spec.name, Role.description: spec.description}).where(
        Role.id == row["id"]
    )
    await RolePermission.delete().where(RolePermission.role == row["id"])
    await _write_levels(row["id"], levels)
    old = {"name": row["name"], "description": row["description"], "permissions": old_levels}
    new = {**texts, "permissions": levels}
    return [Change("roles", "update", row["id"], old, new, owner_id)]


async def _write_levels(role_id: int, levels: dict[str, str]) -> None:
    if levels:
        await RolePermission.insert(
            *[RolePermission(role=role_id, area=area, level=lvl) for area, lvl in levels.items()]
        )


async def system_role_id(group: str, key: str = ADMIN) -> int | None:
    """The id of a system role, e.g. the Admin role a "no restrictions" invitation gives."""
    row = (
        await Role.select(Role.id)
        .where(Role.is_system.eq(True), Role.group == group, Role.template == key)
        .first()
    )
    return row["id"] if row else None
