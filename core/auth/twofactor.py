"""Second-factor codes: SMS codes, TOTP and recovery codes, and the lock after wrong codes.

Every wrong code, whatever its kind, counts toward one per-user limit: three in a row lock the
account for ten minutes (``User.locked_until``), which makes guessing a 6-digit code useless.
Codes are stored only as keyed digests; a TOTP seed is stored encrypted (``core.auth.secrets``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import phonenumbers
import pyotp

from core.audit.recorder import AuditContext, record_event
from core.auth.models import OneTimeCode, RecoveryCode, User
from core.auth.secrets import code_digest, decrypt
from core.auth.sms import get_sender
from core.auth.tokens import _aware, now
from core.db.engine import transaction
from core.errors import DomainError, Invalid, NotFound
from tenants.models import Company

MAX_WRONG_CODES = 3
LOCK_MINUTES = 10
CODE_TTL = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
RECOVERY_CODES = 10
LOCK_MINUTES_DELTA = timedelta(minutes=LOCK_MINUTES)


class AccountLocked(DomainError):
    status_code = 423
    title = "Locked"


def lock_message(minutes: int) -> str:
    return f"too many wrong codes; the account is locked for {minutes} more minute(s)"


def locked_minutes(user: dict) -> int:
    """Whole minutes (rounded up) the user must still wait, 0 when not locked."""
    until = user.get("locked_until")
    if until is None:
        return 0
    left = (_aware(until) - now()).total_seconds()
    return 0 if left <= 0 else int(left // 60) + (1 if left % 60 else 0)


async def load_user(user_id: int) -> dict:
    row = (
        await User.select(
            User.all_columns(), User.company.two_factor_required.as_alias("company_requires_2fa")
        )
        .where(User.id == user_id)
        .first()
    )
    if row is None:
        raise NotFound("user not found")
    return row


def is_enrolled(user: dict) -> bool:
    if user["two_factor_method"] == "sms":
        return bool(user["phone"])
    if user["two_factor_method"] == "totp":
        return bool(user["totp_secret"])
    return False


def is_required(user: dict) -> bool:
    """The user must use a second factor: their own toggle, or their company's rule."""
    return bool(user["two_factor_enabled"] or user["company_requires_2fa"])


async def company_requires(company_id: int) -> bool:
    """When true, the user's 2FA toggle is locked on (U's user form and the security page)."""
    row = await Company.select(Company.two_factor_required).where(Company.id == company_id).first()
    return bool(row and row["two_factor_required"])


def normalize_phone(raw: str) -> str:
    """The number in E.164 form; a leading + and country code are required."""
    try:
        parsed = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        raise Invalid.field("phone", "enter the number with its country code") from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid.field("phone", "this is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


async def send_sms_code(user_id: int, purpose: str, phone: str, *, resend: bool = False) -> bool:
    """Send a fresh 6-digit code unless one went out in the last minute; True when sent."""
    latest = await (
        OneTimeCode.select(OneTimeCode.created_at, OneTimeCode.phone)
        .where(
            OneTimeCode.user == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.consumed_at.is_null(),
        )
        .order_by(OneTimeCode.id, ascending=False)
        .first()
    )
    if latest and latest["phone"] == phone:
        age = now() - _aware(latest["created_at"])
        # A live code is reused when a page merely reloads; "resend" waits one minute.
        if age < RESEND_AFTER or (not resend and age < CODE_TTL - RESEND_AFTER):
            return False
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with transaction():
        await OneTimeCode.update({OneTimeCode.consumed_at: now()}).where(
            OneTimeCode.user == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.consumed_at.is_null(),
        )
        await OneTimeCode.insert(
            OneTimeCode(
                user=user_id,
                purpose=purpose,
                code_hash=code_digest(code),
                phone=phone,
                expires_at=now() + CODE_TTL,
            )
        )
    await get_sender().send(phone, f"Your BackOffice code is {code}. It is valid for 5 minutes.")
    return True


async def take_sms_code(user_id: int, purpose: str, code: str) -> dict | None:
    """The matching live code row, consumed; None when the code is wrong or expired."""
    row = await (
        OneTimeCode.select()
        .where(
            OneTimeCode.user == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.consumed_at.is_null(),
        )
        .order_by(OneTimeCode.id, ascending=False)
        .first()
    )
    if row is None or _aware(row["expires_at"]) <= now():
        return None
    if not secrets.compare_digest(row["code_hash"], code_digest(code)):
        await OneTimeCode.update({OneTimeCode.attempts: OneTimeCode.attempts + 1}).where(
            OneTimeCode.id == row["id"]
        )
        return None
    await OneTimeCode.update({OneTimeCode.consumed_at: now()}).where(OneTimeCode.id == row["id"])
    return row


def totp_ok(encrypted_seed: str, code: str) -> bool:
    return pyotp.TOTP(decrypt(encrypted_seed)).verify(code, valid_window=1)


def totp_step(encrypted_seed: str, code: str) -> int | None:
    """The time step (30 s counter) whose code matches, within one step of now, or None."""
    totp = pyotp.TOTP(decrypt(encrypted_seed))
    current = totp.timecode(now())
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def take_totp_code(user: dict, code: str) -> bool:
    """A TOTP code counts once: a code seen over someone's shoulder cannot be replayed within
    its validity window. Used steps are kept as consumed one-time codes of purpose ``totp``."""
    step = totp_step(user["totp_secret"], code)
    if step is None:
        return False
    digest = code_digest(f"totp-step:{step}")
    async with transaction():
        used = await OneTimeCode.exists().where(
            OneTimeCode.user == user["id"],
            OneTimeCode.purpose == "totp",
            OneTimeCode.code_hash == digest,
        )
        if used:
            return False
        await OneTimeCode.insert(
            OneTimeCode(
                user=user["id"],
                purpose="totp",
                code_hash=digest,
                expires_at=now() + timedelta(minutes=2),
                consumed_at=now(),
            )
        )
    return True


def normalize_recovery(code: str) -> str:
    return code.replace("-", "").replace(" ", "").lower()


async def take_recovery_code(user_id: int, code: str) -> bool:
    digest = code_digest("recovery:" + normalize_recovery(code))
    row = (
        await RecoveryCode.select(RecoveryCode.id)
        .where(
            RecoveryCode.user == user_id,
            RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_null(),
        )
        .first()
    )
    if row is None:
        return False
    await RecoveryCode.update({RecoveryCode.used_at: now()}).where(RecoveryCode.id == row["id"])
    return True


async def new_recovery_codes(user_id: int) -> list[str]:
    """Replace the user's recovery codes; the plain codes exist only in the return value."""
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    await RecoveryCode.delete().where(RecoveryCode.user == user_id)
    await RecoveryCode.insert(
        *[RecoveryCode(user=user_id, code_hash=code_digest("recovery:" + c)) for c in codes]
    )
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def ensure_not_locked(user: dict) -> None:
    if minutes := locked_minutes(user):
        raise AccountLocked(lock_message(minutes))


async def wrong_code(user: dict, ctx: AuditContext) -> None:
    """Count a wrong code; the third in a row locks the account and says so."""
    attempts = user["failed_code_attempts"] + 1
    async with transaction():
        if attempts >= MAX_WRONG_CODES:
            await User.update(
                {User.failed_code_attempts: 0, User.locked_until: now() + LOCK_MINUTES_DELTA}
            ).where(User.id == user["id"])
            await record_event(ctx, "Account locked after wrong codes", [])
        else:
            await User.update({User.failed_code_attempts: attempts}).where(User.id == user["id"])
            await record_event(ctx, "Wrong verification code", [])
    if attempts >= MAX_WRONG_CODES:
        raise AccountLocked(lock_message(LOCK_MINUTES))
    left = MAX_WRONG_CODES - attempts
    raise Invalid.field("code", f"the code is not correct ({left} attempt(s) left)")


async def right_code(user: dict) -> None:
    if user["failed_code_attempts"] or user["locked_until"] is not None:
        await User.update({User.failed_code_attempts: 0, User.locked_until: None}).where(
            User.id == user["id"]
        )


async def verify_sign_in_code(user_id: int, code: str, ctx: AuditContext) -> str:
    """Check a sign-in code of the user's method, or a recovery code; returns what matched."""
    user = await load_user(user_id)
    ensure_not_locked(user)
    code = code.strip()
    matched = ""
    if len(normalize_recovery(code)) == 10:
        matched = "recovery" if await take_recovery_code(user_id, code) else ""
    elif user["two_factor_method"] == "totp" and user["totp_secret"]:
        matched = "totp" if await take_totp_code(user, code) else ""
    elif user["two_factor_method"] == "sms":
        matched = "sms" if await take_sms_code(user_id, "login", code) else ""
    if not matched:
        await wrong_code(user, ctx)
    await right_code(user)
    if matched == "recovery":
        async with transaction():
            await record_event(ctx, "Recovery code used", [])
    return matched


def context_for(user: dict, ip: str) -> AuditContext:
    return AuditContext(
        company_id=user["company"], user_id=user["id"], user_label=user["email"], ip=ip
    )
