"""What a principal may do: the level their role grants on an area, resolved once per request.

Admin users ("no restrictions") manage everything. Anyone else gets exactly what their role
grants, and only when the role's group is the user's group: a BackOffice role given to a
client-portal user grants nothing. A missing role or area means ``none``.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from core.access.areas import get_area
from core.access.models import LEVELS, Role, RoleCompany, RolePermission
from core.auth.principal import Principal

RANK = {level: i for i, level in enumerate(LEVELS)}
CACHE_KEY = "bo_permissions"


def at_least(level: str, needed: str) -> bool:
    return RANK.get(level, 0) >= RANK[needed]


async def load_permissions(principal: Principal) -> dict[str, str]:
    """The role's levels by area, in one query (nothing for admins or role-less users)."""
    if principal.is_admin or principal.role_id is None:
        return {}
    rows = await RolePermission.select(RolePermission.area, RolePermission.level).where(
        RolePermission.role == principal.role_id,
        RolePermission.role.group == principal.group,
    )
    return {r["area"]: r["level"] for r in rows}


async def permissions_for(
    principal: Principal, cache: MutableMapping[str, Any] | None = None
) -> dict[str, str]:
    """``load_permissions`` memoised in ``cache`` (the request's ASGI scope) per user."""
    if cache is None:
        return await load_permissions(principal)
    hit = cache.get(CACHE_KEY)
    if hit is None or hit[0] != principal.user_id:
        hit = (principal.user_id, await load_permissions(principal))
        cache[CACHE_KEY] = hit
    return hit[1]


def _admin_level(principal: Principal, area: str) -> str:
    """ "No restrictions" covers every area of the admin's own group, none of the other: a
    client-portal admin has no say in BackOffice."""
    declared = get_area(area)
    return "manage" if declared is not None and declared.group == principal.group else "none"


async def effective_level(
    principal: Principal, area: str, cache: MutableMapping[str, Any] | None = None
) -> str:
    """``none``, ``view`` or ``manage``; pass ``request.scope`` as ``cache`` inside a request."""
    if principal.is_admin:
        return _admin_level(principal, area)
    return (await permissions_for(principal, cache)).get(area, "none")


async def best_level(
    principal: Principal, areas: Iterable[str], cache: MutableMapping[str, Any] | None = None
) -> str:
    """The highest level over several areas (a route open to BackOffice and portal users)."""
    if principal.is_admin:
        return max(
            (_admin_level(principal, a) for a in areas), key=RANK.__getitem__, default="none"
        )
    granted = await permissions_for(principal, cache)
    return max((granted.get(a, "none") for a in areas), key=RANK.__getitem__, default="none")


async def assignable_role_ids(company_id: int, group: str) -> set[int]:
    """Roles a user of ``company_id`` in ``group`` may be given: the group's system roles and
    the custom roles made for that company."""
    system = await Role.select(Role.id).where(Role.is_system.eq(True), Role.group == group)
    custom = await RoleCompany.select(RoleCompany.role).where(
        RoleCompany.company == company_id, RoleCompany.role.group == group
    )
    return {r["id"] for r in system} | {r["role"] for r in custom}
