"""Deleting one's own account: deliberate (password plus a typed phrase) and irreversible.

The audit trail outlives the person: events keep the user's label while their user reference
is cleared by the database. The system owner must keep an administrator, or nobody could
manage the platform any more.
"""

from __future__ import annotations

from core.account.avatar import drop_file
from core.account.reauth import confirm_password
from core.account.schemas import AccountDelete
from core.audit.recorder import AuditContext, Change, record_event, snapshot
from core.auth.models import AuthToken, User
from core.auth.tokens import now
from core.db.engine import transaction
from core.errors import Conflict, Invalid, NotFound
from tenants.models import Company

CONFIRM_PHRASE = "delete-account"
LAST_ADMIN = (
    "You are the last administrator of the system owner, so this account cannot be deleted. "
    "Make another user an administrator first."
)


async def delete_own_account(ctx: AuditContext, user_id: int, data: AccountDelete) -> None:
    if data.confirmation.strip() != CONFIRM_PHRASE:
        raise Invalid.field("confirmation", f"Type {CONFIRM_PHRASE} to confirm.")
    await confirm_password(user_id, data.password, ctx.ip, "password")
    async with transaction():
        row = await User.select().where(User.id == user_id).first()
        if row is None:
            raise NotFound(f"user {user_id} not found")
        if row["is_admin"] and await _is_last_owner_admin(row):
            raise Conflict(LAST_ADMIN)
        await AuthToken.update({AuthToken.revoked_at: now()}).where(
            AuthToken.user == user_id, AuthToken.revoked_at.is_null()
        )
        change = Change(
            "users", "delete", user_id, old=snapshot(User, row), object_company_id=row["company"]
        )
        await record_event(ctx, "Account deleted by its owner", [change])
        await User.delete().where(User.id == user_id)
    await drop_file(row["avatar_key"])


async def _is_last_owner_admin(row: dict) -> bool:
    company = await Company.select(Company.kind).where(Company.id == row["company"]).first()
    if company is None or company["kind"] != "owner":
        return False
    others = await User.count().where(
        User.company == row["company"],
        User.is_admin.eq(True),
        User.status == "active",
        User.id != row["id"],
    )
    return others == 0
