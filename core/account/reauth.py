"""Asking for the current password again before a sensitive change to one's own account.

A stolen session must not be enough to take an account over or destroy it, so wrong
passwords here count against the same kind of limit as failed sign-ins.
"""

from __future__ import annotations

from core.auth import ratelimit
from core.auth.models import User
from core.auth.passwords import verify_password
from core.errors import Invalid, NotFound


def _key(user_id: int) -> str:
    return f"reauth-user-{user_id}"


async def confirm_password(user_id: int, password: str, ip: str, field: str) -> None:
    """Return quietly for the right password; Invalid on ``field`` (or 429) otherwise."""
    await ratelimit.check(_key(user_id), ip)
    row = await User.select(User.password_hash).where(User.id == user_id).first()
    if row is None:
        raise NotFound(f"user {user_id} not found")
    if not verify_password(row["password_hash"], password):
        await ratelimit.record_failure(_key(user_id), ip)
        raise Invalid.field(field, "The password is not correct.")
