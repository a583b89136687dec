"""Nobody grants more than they hold, and nobody changes someone who holds more.

Role editing refuses a level above the editor's own (``core.access.roles``); the same ceiling
binds the people, or holding *Users: manage* would be a way to become an administrator: the
role or "no restrictions" given to a user or put in an invitation must not exceed the caller's
own levels, and a user or invitation that already holds more than the caller cannot be changed,
deactivated, deleted, resent or revoked by them. "No restrictions" exceeds every role (it also
covers areas plugins add later), so only an administrator grants it or touches an administrator.

Levels compare within one group, since the areas of the two groups are different things. A
BackOffice user with *Users: manage* looks after the client-portal users of their companies
(that is what the area grants), so the ceiling binds BackOffice callers on BackOffice users and
client-portal callers on the client-portal users of their company.
"""

from __future__ import annotations

from core.access.models import RolePermission
from core.access.service import RANK, load_permissions
from core.auth.principal import Principal
from core.errors import Forbidden

EVERYTHING = None  # the levels of "no restrictions": above any role


async def ceiling(principal: Principal, group: str) -> dict[str, str] | None:
    """The caller's levels on ``group``'s areas, or ``EVERYTHING`` when nobody there outranks
    them (an administrator of that group, or a BackOffice user acting on client-portal users)."""
    if principal.group == "backoffice" and group == "portal":
        return EVERYTHING
    if principal.group != group:
        return {}
    if principal.is_admin:
        return EVERYTHING
    return await load_permissions(principal)


async def held(group: str, role_id: int | None, is_admin: bool) -> dict[str, str] | None:
    """What a user (or invitation) of ``group`` with this role or admin flag may do."""
    if is_admin:
        return EVERYTHING
    if role_id is None:
        return {}
    rows = await RolePermission.select(RolePermission.area, RolePermission.level).where(
        RolePermission.role == role_id, RolePermission.role.group == group
    )
    return {r["area"]: r["level"] for r in rows}


def exceeds(levels: dict[str, str] | None, own: dict[str, str] | None) -> bool:
    if own is EVERYTHING:
        return False
    if levels is EVERYTHING:
        return True
    return any(RANK[level] > RANK[own.get(area, "none")] for area, level in levels.items())


async def check_grant(principal: Principal, group: str, role_id: int | None, is_admin: bool):
    """403 naming the field when the role or "no restrictions" goes beyond the caller's own."""
    own = await ceiling(principal, group)
    if not exceeds(await held(group, role_id, is_admin), own):
        return
    if is_admin:
        raise Forbidden(
            "only an administrator can grant no restrictions",
            [{"field": "is_admin", "message": "only an administrator can grant this"}],
        )
    raise Forbidden(
        "you cannot grant a role above your own levels",
        [{"field": "role_id", "message": "this role grants more than you hold"}],
    )


async def can_grant(principal: Principal, group: str, role_id: int | None, is_admin: bool):
    return not exceeds(await held(group, role_id, is_admin), await ceiling(principal, group))


async def outranks(principal: Principal, row: dict) -> bool:
    """Whether a user or invitation row (``group``, ``role``, ``is_admin``) holds more than
    the caller."""
    own = await ceiling(principal, row["group"])
    return exceeds(await held(row["group"], row["role"], row["is_admin"]), own)


async def check_not_above(principal: Principal, row: dict, noun: str = "user") -> None:
    if await outranks(principal, row):
        raise Forbidden(
            f"this {noun} holds more rights than you; "
            "only someone holding at least as much can change it"
        )


async def check_user_not_above(principal: Principal, user_id: int) -> None:
    """``check_not_above`` for a user known only by id (e.g. revoking their API tokens)."""
    from core.auth.models import User

    row = await User.select(User.group, User.role, User.is_admin).where(User.id == user_id).first()
    if row is not None:
        await check_not_above(principal, row)
