"""The password policy (guide appendix 1): one set of rules, chosen by the system owner.

The rules live in the root company's ``PasswordPolicy`` row, created with the defaults on first
use, so a deployment changes them in the UI instead of in code. Every password that is set,
by its owner or by an admin, goes through ``check_new_password`` and ``set_password`` here.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from core.audit.recorder import AuditContext, Change, record_event
from core.auth.models import AuthToken, PasswordHistory, PasswordPolicy, User
from core.auth.passwords import hash_password, verify_password
from core.auth.tokens import _aware, now
from core.db.engine import transaction
from core.errors import Invalid, NotFound
from tenants.models import Company

CLASSES = (
    ("upper-case letters", str.isupper),
    ("lower-case letters", str.islower),
    ("digits", str.isdigit),
    ("special characters", lambda c: not c.isalnum()),
)
SPECIALS = "!#$%&()*+,-.:;<=>?@[]^_{|}~"
CACHE_SECONDS = 30


@dataclass(frozen=True)
class PolicyValues:
    """``0`` switches a time-based rule off (never expires, never blocks, never idles out)."""

    min_length: int = 8
    required_classes: int = 3
    history_size: int = 7
    max_age_days: int = 60
    min_age_hours: int = 24
    inactivity_days: int = 180
    idle_minutes: int = 60


POLICY_FIELDS = [f.name for f in fields(PolicyValues)]
_cache: dict = {}


def forget_cache() -> None:
    _cache.clear()


async def _root_id() -> int:
    row = await Company.select(Company.id).where(Company.kind == "owner").first()
    if row is None:
        raise NotFound("there is no system owner yet")
    return row["id"]


async def policy_row() -> dict:
    """The system owner's row, created with the appendix-1 defaults the first time."""
    root = await _root_id()
    row = await PasswordPolicy.select().where(PasswordPolicy.company == root).first()
    if row is None:
        async with transaction():
            row = await PasswordPolicy.select().where(PasswordPolicy.company == root).first()
            if row is None:
                await PasswordPolicy.insert(PasswordPolicy(company=root))
                row = await PasswordPolicy.select().where(PasswordPolicy.company == root).first()
    return row


async def get_policy() -> PolicyValues:
    try:
        row = await policy_row()
    except NotFound:
        return PolicyValues()
    values = PolicyValues(**{name: row[name] for name in POLICY_FIELDS})
    _cache.update(value=values, at=time.monotonic())
    return values


async def cached_policy() -> PolicyValues:
    """For the per-request idle check: a change reaches every process within 30 seconds."""
    if "value" in _cache and time.monotonic() - _cache["at"] < CACHE_SECONDS:
        return _cache["value"]
    return await get_policy()


def _classes_in(password: str) -> int:
    return sum(1 for _, test in CLASSES if any(test(c) for c in password))


async def check_new_password(user_id: int | None, password: str, *, by_admin: bool) -> None:
    """Raise ``Invalid`` on field "password" naming the first rule the password breaks.

    ``by_admin`` lifts the minimum-age rule only: an admin may reset anyone at any time.
    """
    await _check(user_id, password, enforce_min_age=not by_admin)


async def _check(user_id: int | None, password: str, *, enforce_min_age: bool) -> None:
    policy = await get_policy()
    if len(password) < policy.min_length:
        raise Invalid.field("password", f"must be at least {policy.min_length} characters long")
    if len(password) > 1024:
        raise Invalid.field("password", "must be at most 1024 characters long")
    if _classes_in(password) < policy.required_classes:
        names = ", ".join(name for name, _ in CLASSES)
        raise Invalid.field("password", f"must mix at least {policy.required_classes} of: {names}")
    if user_id is None:
        return
    user = (
        await User.select(User.password_hash, User.password_changed_at)
        .where(User.id == user_id)
        .first()
    )
    if user is None:
        raise NotFound("user not found")
    changed = user["password_changed_at"]
    recent = changed is not None and now() - _aware(changed) < timedelta(hours=policy.min_age_hours)
    if enforce_min_age and policy.min_age_hours and recent:
        raise Invalid.field(
            "password",
            f"was changed less than {policy.min_age_hours} hours ago; try again later",
        )
    if policy.history_size:
        earlier = await (
            PasswordHistory.select(PasswordHistory.password_hash)
            .where(PasswordHistory.user == user_id)
            .order_by(PasswordHistory.id, ascending=False)
            .limit(policy.history_size)
        )
        hashes = [user["password_hash"], *(r["password_hash"] for r in earlier)]
        if any(verify_password(h, password) for h in hashes if h):
            raise Invalid.field(
                "password", f"must differ from your last {policy.history_size} passwords"
            )


async def set_password(
    user_id: int,
    password: str,
    *,
    by_admin: bool,
    ctx: AuditContext,
    enforce_min_age: bool | None = None,
) -> None:
    """Check and store a new password, keep it in the history, and audit the change.

    Set by an admin for someone else, it must be changed at that user's next sign-in, and
    that user's open sessions end. ``enforce_min_age=False`` is for the forced change at sign-in.
    """
    if enforce_min_age is None:
        enforce_min_age = not by_admin
    await _check(user_id, password, enforce_min_age=enforce_min_age)
    for_someone_else = by_admin and ctx.user_id != user_id
    policy = await get_policy()
    new_hash = hash_password(password)
    async with transaction():
        row = (
            await User.select(User.company, User.must_change_password)
            .where(User.id == user_id)
            .first()
        )
        if row is None:
            raise NotFound("user not found")
        changed_at = now()
        await User.update(
            {
                User.password_hash: new_hash,
                User.password_changed_at: changed_at,
                User.must_change_password: for_someone_else,
                User.updated_at: changed_at,
            }
        ).where(User.id == user_id)
        await PasswordHistory.insert(PasswordHistory(user=user_id, password_hash=new_hash))
        await _trim_history(user_id, max(policy.history_size, 1))
        if for_someone_else:
            await AuthToken.update({AuthToken.revoked_at: changed_at}).where(
                AuthToken.user == user_id,
                AuthToken.kind == "session",
                AuthToken.revoked_at.is_null(),
            )
        old = {"must_change_password": row["must_change_password"]}
        new = {"must_change_password": for_someone_else, "password_changed_at": changed_at}
        await record_event(
            ctx,
            "Password set by administrator" if for_someone_else else "Password changed",
            [Change("users", "update", user_id, old, _plain(new), row["company"])],
        )


def _plain(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


async def _trim_history(user_id: int, keep: int) -> None:
    rows = await (
        PasswordHistory.select(PasswordHistory.id)
        .where(PasswordHistory.user == user_id)
        .order_by(PasswordHistory.id, ascending=False)
        .limit(1000)
        .offset(keep)
    )
    if rows:
        await PasswordHistory.delete().where(PasswordHistory.id.is_in([r["id"] for r in rows]))


def generate_password(length: int = 20) -> str:
    """A random password with every character class, so it satisfies any policy setting."""
    pools = (string.ascii_uppercase, string.ascii_lowercase, string.digits, SPECIALS)
    alphabet = "".join(pools)
    chars = [secrets.choice(pool) for pool in pools]
    chars += [secrets.choice(alphabet) for _ in range(max(length, 8) - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def password_expired(user: dict, policy: PolicyValues) -> bool:
    changed = user.get("password_changed_at")
    if not policy.max_age_days or changed is None:
        return False
    return now() - _aware(changed) > timedelta(days=policy.max_age_days)
