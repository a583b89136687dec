"""Time-based policy rules: idle sessions end, long-unused accounts are blocked.

The idle check runs on every UI request, so it writes ``last_used_at`` at most once a minute
per session; that one-minute resolution is far below the policy's idle limit.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.audit.recorder import AuditContext, Change, record_event
from core.auth.models import AuthToken, User
from core.auth.policy import PolicyValues, cached_policy, get_policy
from core.auth.tokens import _aware, now, revoke_all_tokens
from core.db.engine import transaction
from core.jobs import every, job

log = logging.getLogger("backoffice.auth")


async def session_alive(token: dict, touch_every: timedelta) -> bool:
    """False (and the session revoked) once it sat idle longer than the policy allows.

    ``tokens._touch`` refreshes the session's ``last_used_at``; this marks the user active at
    the same once-a-minute rate.
    """
    policy = await cached_policy()
    last_used = token["last_used_at"]
    seen = _aware(last_used or token["created_at"])
    current = now()
    if policy.idle_minutes and current - seen > timedelta(minutes=policy.idle_minutes):
        await AuthToken.update({AuthToken.revoked_at: current}).where(AuthToken.id == token["id"])
        return False
    if last_used is None or current - seen >= touch_every:
        await User.update({User.last_active_at: current}).where(User.id == token["user_id"])
    return True


def _inactive_since(user: dict, policy: PolicyValues) -> bool:
    if user["is_admin"] or not policy.inactivity_days or user["status"] != "active":
        return False
    seen = user.get("last_login_at") or user.get("created_at")
    return seen is not None and now() - _aware(seen) > timedelta(days=policy.inactivity_days)


async def _block(user: dict, ip: str, days: int) -> None:
    ctx = AuditContext(company_id=user["company"], user_id=None, user_label="system", ip=ip)
    async with transaction():
        await User.update({User.status: "inactive", User.updated_at: now()}).where(
            User.id == user["id"], User.status == "active"
        )
        await record_event(
            ctx,
            f"User blocked after {days} days without sign-in",
            [
                Change(
                    "users",
                    "update",
                    user["id"],
                    {"status": "active"},
                    {"status": "inactive"},
                    user["company"],
                ),
                *await revoke_all_tokens(user["id"], user["company"]),
            ],
        )


async def block_if_inactive(user_id: int, ip: str = "") -> bool:
    """Called at sign-in: True when the account was (just) blocked for inactivity."""
    policy = await get_policy()
    user = await User.select().where(User.id == user_id).first()
    if user is None or not _inactive_since(user, policy):
        return False
    await _block(user, ip, policy.inactivity_days)
    return True


async def block_inactive_users() -> int:
    """Block every non-admin active user past the limit; the daily job."""
    policy = await get_policy()
    if not policy.inactivity_days:
        return 0
    cutoff = now() - timedelta(days=policy.inactivity_days)
    candidates = await User.select().where(
        User.status == "active",
        User.is_admin.eq(False),
        ((User.last_login_at.is_null()) & (User.created_at < cutoff))
        | (User.last_login_at < cutoff),
    )
    blocked = 0
    for user in candidates:
        if _inactive_since(user, policy):
            await _block(user, "", policy.inactivity_days)
            blocked += 1
    if blocked:
        log.info(
            "blocked %d user(s) after %d days without sign-in", blocked, policy.inactivity_days
        )
    return blocked


@job(queue_name="default", max_retries=1)
async def block_inactive_job() -> int:
    return await block_inactive_users()


JOBS = [block_inactive_job]
SCHEDULES = [every(timedelta(hours=6), block_inactive_job)]
