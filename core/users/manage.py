"""Reading, editing and deleting registered users, and their departments.

Departments belong to a company and are created on the fly when a user is given a name that
does not exist yet, so an administrator never leaves the user form to set one up.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from piccolo.columns.combination import WhereRaw

from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.auth.models import AuthToken, User
from core.auth.principal import Principal
from core.auth.tokens import revoke_all_tokens
from core.db.engine import transaction
from core.errors import Conflict, Invalid, NotFound
from core.users import rules, standing
from core.users.models import Department, UserDepartment
from core.users.schemas import DepartmentOut, UserOut, UserUpdate
from core.users.signup import USER_AUDITED

OUT_COLUMNS = [
    *USER_AUDITED,
    User.company.name.as_alias("company_name"),
    User.role.name.as_alias("role_name"),
    User.last_active_at,
    User.created_at,
]


async def departments_of(user_ids: list[int]) -> dict[int, list[DepartmentOut]]:
    found: dict[int, list[DepartmentOut]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return found
    rows = await (
        UserDepartment.select(
            UserDepartment.user,
            UserDepartment.department.id.as_alias("id"),
            UserDepartment.department.name.as_alias("name"),
        )
        .where(UserDepartment.user.is_in(user_ids))
        .order_by(UserDepartment.department.name)
    )
    for row in rows:
        found[row["user"]].append(DepartmentOut(id=row["id"], name=row["name"]))
    return found


def to_out(row: dict, departments: list[DepartmentOut]) -> UserOut:
    return UserOut(
        id=row["id"],
        email=row["email"],
        login=row["login"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        phone=row["phone"],
        company_id=row["company"],
        company_name=row["company_name"],
        group=row["group"],
        role_id=row["role"],
        role_name=row["role_name"],
        is_admin=row["is_admin"],
        status=row["status"],
        two_factor_enabled=row["two_factor_enabled"],
        last_active_at=row["last_active_at"],
        created_at=row["created_at"],
        departments=departments,
    )


async def get_user(principal: Principal, user_id: int) -> UserOut:
    row = await rules.get_visible(User, principal, user_id, *OUT_COLUMNS)
    return to_out(row, (await departments_of([user_id]))[user_id])


async def list_departments(principal: Principal, company_id: int) -> list[DepartmentOut]:
    company = await rules.target_company(principal, company_id)
    return await list_departments_of_company(company["id"])


async def list_departments_of_company(company_id: int) -> list[DepartmentOut]:
    """Unscoped: callers have already checked that the company is visible."""
    rows = await (
        Department.select(Department.id, Department.name)
        .where(Department.company == company_id)
        .order_by(Department.name)
    )
    return [DepartmentOut(id=r["id"], name=r["name"]) for r in rows]


def _clean_names(names: list[str]) -> list[str]:
    unique: dict[str, str] = {}
    for name in names:
        cleaned = " ".join(name.split())
        if not cleaned:
            raise Invalid.field("departments", "a department name must not be blank")
        unique.setdefault(cleaned.lower(), cleaned)
    return list(unique.values())


async def _resolve_departments(ctx: AuditContext, company_id: int, names: list[str]) -> list[int]:
    """Ids of the named departments of the company, creating (and auditing) missing ones."""
    ids = []
    for name in _clean_names(names):
        row = (
            await Department.select(Department.id)
            .where(Department.company == company_id, WhereRaw("LOWER(name) = LOWER({})", name))
            .first()
        )
        if row is None:
            department = Department(company=company_id, name=name)
            await department.save()
            await record_event(
                ctx,
                "Department created",
                [
                    Change(
                        "departments",
                        "insert",
                        department.id,
                        {},
                        {"id": department.id, "company": company_id, "name": name},
                        company_id,
                    )
                ],
            )
            row = {"id": department.id}
        ids.append(row["id"])
    return ids


async def _new_role(principal: Principal, old: dict, data: UserUpdate) -> dict:
    changes = {}
    if data.is_admin is msgspec.UNSET and data.role_id is msgspec.UNSET:
        return changes
    if old["id"] == principal.user_id:
        raise Invalid.field("role_id", "you cannot change your own role")
    is_admin = old["is_admin"] if data.is_admin is msgspec.UNSET else data.is_admin
    role_id = old["role"] if data.role_id is msgspec.UNSET else data.role_id
    company = await rules.target_company(principal, old["company"])
    changes["role"] = await rules.check_role(company, old["group"], role_id, is_admin)
    changes["is_admin"] = is_admin
    await standing.check_grant(principal, old["group"], changes["role"], is_admin)
    return changes


async def update_user(
    ctx: AuditContext, principal: Principal, user_id: int, data: UserUpdate
) -> UserOut:
    async with transaction():
        old = await rules.get_visible(User, principal, user_id, *USER_AUDITED)
        await standing.check_not_above(principal, old)
        values = dict(old)
        for name in ("first_name", "last_name"):
            if (value := getattr(data, name)) is not msgspec.UNSET:
                values[name] = value.strip()
        if data.phone is not msgspec.UNSET:
            values["phone"] = rules.normalize_phone(data.phone)
        if data.status is not msgspec.UNSET:
            if user_id == principal.user_id and data.status != "active":
                raise Invalid.field("status", "you cannot deactivate yourself")
            values["status"] = data.status
        values.update(await _new_role(principal, old, data))
        before, after = diff(snapshot(User, old), snapshot(User, values))
        if data.departments is not msgspec.UNSET:
            if old["group"] != "portal":
                raise Invalid.field("departments", "only client-portal users have departments")
            previous = [d.name for d in (await departments_of([user_id]))[user_id]]
            ids = await _resolve_departments(ctx, old["company"], data.departments)
            await UserDepartment.delete().where(UserDepartment.user == user_id)
            if ids:
                await UserDepartment.insert(
                    *[UserDepartment(user=user_id, department=d) for d in ids]
                )
            current = [d.name for d in (await departments_of([user_id]))[user_id]]
            if current != previous:
                before["departments"], after["departments"] = previous, current
        if after:
            columns = {getattr(User, k): values[k] for k in after if k != "departments"}
            if columns:
                await User.update({**columns, User.updated_at: datetime.now(UTC)}).where(
                    User.id == user_id
                )
            await record_event(
                ctx,
                "User updated",
                [Change("users", "update", user_id, before, after, old["company"])],
            )
        if after.get("status") == "inactive":
            await _revoke_access(ctx, user_id, old["company"])
    return await get_user(principal, user_id)


async def _revoke_access(ctx: AuditContext, user_id: int, company_id: int) -> None:
    """Deactivation ends sessions and API tokens for good, so reactivating the user later
    does not bring back a token that may have leaked meanwhile."""
    changes = await revoke_all_tokens(user_id, company_id)
    if changes:
        await record_event(ctx, "User's sessions and API tokens revoked", changes)


async def delete_user(ctx: AuditContext, principal: Principal, user_id: int) -> None:
    async with transaction():
        old = await rules.get_visible(User, principal, user_id, *USER_AUDITED)
        if user_id == principal.user_id:
            raise Conflict("you cannot delete yourself here; use My account instead")
        await standing.check_not_above(principal, old)
        await AuthToken.delete().where(AuthToken.user == user_id)
        await User.delete().where(User.id == user_id)
        await record_event(
            ctx,
            "User deleted",
            [Change("users", "delete", user_id, snapshot(User, old), {}, old["company"])],
        )


async def delete_department(ctx: AuditContext, principal: Principal, department_id: int) -> None:
    async with transaction():
        row = (
            await Department.select(Department.id, Department.company, Department.name)
            .where(Department.id == department_id, *rules.visible(Department, principal))
            .first()
        )
        if row is None:
            raise NotFound(f"department {department_id} not found")
        await Department.delete().where(Department.id == department_id)
        await record_event(
            ctx,
            "Department deleted",
            [Change("departments", "delete", department_id, row, {}, row["company"])],
        )
