"""Turning a second factor on, changing it and turning it off, for one user.

Enrolment always proves possession first (a code sent to the new phone, or a code from the new
authenticator) and only then switches the method. A new or changed 2FA phone ends the user's
other sessions, as the guide requires, so a thief's open session does not survive the change.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pyotp
import segno

from core.audit.recorder import AuditContext, Change, record_event
from core.auth.models import AuthToken, OneTimeCode, RecoveryCode, User
from core.auth.secrets import decrypt, encrypt
from core.auth.sms import mask_phone
from core.auth.tokens import _aware, now
from core.auth.twofactor import (
    ensure_not_locked,
    load_user,
    new_recovery_codes,
    normalize_phone,
    right_code,
    send_sms_code,
    take_sms_code,
    wrong_code,
)
from core.db.engine import transaction
from core.errors import Conflict, Invalid

TOTP_SETUP_TTL = timedelta(minutes=15)
ISSUER = "BackOffice"


async def start_phone(user_id: int, raw_phone: str, *, resend: bool = False) -> str:
    """Send a confirmation code to a new 2FA phone; returns the normalised number."""
    user = await load_user(user_id)
    ensure_not_locked(user)
    phone = normalize_phone(raw_phone)
    await send_sms_code(user_id, "phone", phone, resend=resend)
    return phone


async def pending_phone(user_id: int) -> str:
    row = await (
        OneTimeCode.select(OneTimeCode.phone, OneTimeCode.expires_at)
        .where(
            OneTimeCode.user == user_id,
            OneTimeCode.purpose == "phone",
            OneTimeCode.consumed_at.is_null(),
        )
        .order_by(OneTimeCode.id, ascending=False)
        .first()
    )
    return row["phone"] if row and _aware(row["expires_at"]) > now() else ""


async def confirm_phone(
    user_id: int, code: str, ctx: AuditContext, *, keep_token_id: int | None = None
) -> list[str]:
    """Switch the user to SMS codes on the confirmed phone; returns new recovery codes if the
    user had none (an empty list otherwise)."""
    user = await load_user(user_id)
    ensure_not_locked(user)
    row = await take_sms_code(user_id, "phone", code.strip())
    if row is None:
        await wrong_code(user, ctx)
    await right_code(user)
    return await _switch(user, ctx, keep_token_id, method="sms", phone=row["phone"])


async def _switch(
    user: dict, ctx: AuditContext, keep_token_id: int | None, *, method: str, **values
) -> list[str]:
    changes = {User.two_factor_enabled: True, User.two_factor_method: method}
    if "phone" in values:
        changes[User.phone] = values["phone"]
    if "totp_secret" in values:
        changes[User.totp_secret] = values["totp_secret"]
    phone_changed = "phone" in values and (
        user["two_factor_method"] != "sms" or values["phone"] != user["phone"]
    )
    async with transaction():
        await User.update({**changes, User.updated_at: now()}).where(User.id == user["id"])
        has_codes = await RecoveryCode.exists().where(
            RecoveryCode.user == user["id"], RecoveryCode.used_at.is_null()
        )
        codes = [] if has_codes else await new_recovery_codes(user["id"])
        if phone_changed:
            await end_other_sessions(user["id"], keep_token_id)
        old = {
            "two_factor_enabled": user["two_factor_enabled"],
            "method": user["two_factor_method"],
        }
        new = {"two_factor_enabled": True, "method": method}
        if phone_changed:
            old["phone"], new["phone"] = mask_phone(user["phone"]), mask_phone(values["phone"])
        await record_event(
            ctx,
            "Two-factor phone set" if method == "sms" else "Authenticator app set",
            [Change("users", "update", user["id"], old, new, user["company"])],
        )
    return codes


async def end_other_sessions(user_id: int, keep_token_id: int | None) -> None:
    query = AuthToken.update({AuthToken.revoked_at: now()}).where(
        AuthToken.user == user_id,
        AuthToken.kind.is_in(["session", "login"]),
        AuthToken.revoked_at.is_null(),
    )
    if keep_token_id is not None:
        query = query.where(AuthToken.id != keep_token_id)
    await query


async def start_totp(user_id: int) -> dict:
    """A new seed, kept encrypted as a pending setup until a code from the app confirms it."""
    user = await load_user(user_id)
    seed = pyotp.random_base32()
    async with transaction():
        await OneTimeCode.delete().where(
            OneTimeCode.user == user_id, OneTimeCode.purpose == "totp-setup"
        )
        await OneTimeCode.insert(
            OneTimeCode(
                user=user_id,
                purpose="totp-setup",
                code_hash=encrypt(seed),
                expires_at=now() + TOTP_SETUP_TTL,
            )
        )
    uri = pyotp.TOTP(seed).provisioning_uri(name=user["email"], issuer_name=ISSUER)
    return {"secret": seed, "uri": uri, "qr_svg": qr_svg(uri)}


def qr_svg(uri: str) -> str:
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    return out.getvalue().decode()


async def confirm_totp(
    user_id: int, code: str, ctx: AuditContext, *, keep_token_id: int | None = None
) -> list[str]:
    user = await load_user(user_id)
    ensure_not_locked(user)
    row = await (
        OneTimeCode.select()
        .where(OneTimeCode.user == user_id, OneTimeCode.purpose == "totp-setup")
        .order_by(OneTimeCode.id, ascending=False)
        .first()
    )
    if row is None or _aware(row["expires_at"]) <= now():
        raise Invalid.field("code", "the setup has expired; start again")
    if not pyotp.TOTP(decrypt(row["code_hash"])).verify(code.strip(), valid_window=1):
        await wrong_code(user, ctx)
    await right_code(user)
    await OneTimeCode.delete().where(OneTimeCode.id == row["id"])
    return await _switch(user, ctx, keep_token_id, method="totp", totp_secret=row["code_hash"])


async def disable(user_id: int, ctx: AuditContext) -> None:
    user = await load_user(user_id)
    if user["company_requires_2fa"]:
        raise Conflict("your company requires two-factor authentication; it cannot be turned off")
    async with transaction():
        await User.update(
            {
                User.two_factor_enabled: False,
                User.two_factor_method: "",
                User.totp_secret: "",
                User.updated_at: now(),
            }
        ).where(User.id == user_id)
        await RecoveryCode.delete().where(RecoveryCode.user == user_id)
        await record_event(
            ctx,
            "Two-factor authentication turned off",
            [
                Change(
                    "users",
                    "update",
                    user_id,
                    {"two_factor_enabled": user["two_factor_enabled"]},
                    {"two_factor_enabled": False},
                    user["company"],
                )
            ],
        )


async def regenerate_recovery_codes(user_id: int, ctx: AuditContext) -> list[str]:
    user = await load_user(user_id)
    if not user["two_factor_method"]:
        raise Conflict("turn on two-factor authentication first")
    async with transaction():
        codes = await new_recovery_codes(user_id)
        await record_event(ctx, "Recovery codes regenerated", [])
    return codes


async def status(user_id: int) -> dict:
    user = await load_user(user_id)
    left = await RecoveryCode.count().where(
        RecoveryCode.user == user_id, RecoveryCode.used_at.is_null()
    )
    return {
        "enabled": bool(user["two_factor_enabled"] and user["two_factor_method"]),
        "required": bool(user["two_factor_enabled"] or user["company_requires_2fa"]),
        "required_by_company": bool(user["company_requires_2fa"]),
        "method": user["two_factor_method"],
        "phone": mask_phone(user["phone"]) if user["phone"] else "",
        "recovery_codes_left": left,
    }


async def pending_totp(user_id: int) -> dict | None:
    """The setup in progress (to show the same QR code again after a wrong code)."""
    user = await load_user(user_id)
    row = await (
        OneTimeCode.select()
        .where(OneTimeCode.user == user_id, OneTimeCode.purpose == "totp-setup")
        .order_by(OneTimeCode.id, ascending=False)
        .first()
    )
    if row is None or _aware(row["expires_at"]) <= now():
        return None
    seed = decrypt(row["code_hash"])
    uri = pyotp.TOTP(seed).provisioning_uri(name=user["email"], issuer_name=ISSUER)
    return {"secret": seed, "uri": uri, "qr_svg": qr_svg(uri)}
