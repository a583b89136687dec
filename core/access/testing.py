"""Test helpers for roles: users holding a given role, without going through invitations."""

from __future__ import annotations

from core.access.models import Role
from core.auth.models import User


async def role_id(group: str, name: str) -> int:
    """A system role's id by group and display name (e.g. "backoffice", "NOC engineer")."""
    row = (
        await Role.select(Role.id)
        .where(Role.is_system.eq(True), Role.group == group, Role.name == name)
        .first()
    )
    if row is None:
        raise LookupError(f"no system role {name!r} in group {group!r}")
    return row["id"]


async def user_with_role(factory, company: dict, group: str, role: int | None, **kw) -> dict:
    """A non-admin user of ``company`` in ``group`` holding ``role`` (an id, or None)."""
    user = await factory.user(company, is_admin=False, **kw)
    await User.update({User.role: role, User.group: group}).where(User.id == user["id"])
    user.update(role=role, group=group)
    return user
