"""Signing in, step by step, for the UI and the API alike.

Order: password (rate-limited, every failure audited) → account checks (inactive, blocked after
inactivity, locked after wrong codes) → the second factor when the user has one → a required
password change (expired, or set by someone else) → 2FA enrolment when it is required but not
set up → the session. The second factor comes before the password change on purpose: a stolen
password alone must not be enough to replace the password.

The UI carries progress in a short-lived ``AuthToken`` of kind ``login`` (its ``scopes`` list the
steps passed); the middleware never accepts that kind, so it opens nothing by itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from core.audit.recorder import AuditContext, record_event
from core.auth import ratelimit
from core.auth.inactivity import block_if_inactive
from core.auth.models import AuthToken, User
from core.auth.passwords import hash_password, needs_rehash, verify_password
from core.auth.policy import get_policy, password_expired, set_password
from core.auth.service import open_session
from core.auth.tokens import _aware, find_user_for_login, hash_token, issue_token, now
from core.auth.twofactor import (
    context_for,
    ensure_not_locked,
    is_enrolled,
    is_required,
    load_user,
    send_sms_code,
    verify_sign_in_code,
)
from core.db.engine import transaction
from core.errors import Invalid, Unauthorized
from tenants.models import Company

BAD_CREDENTIALS = "login or password is incorrect"
NOT_ACTIVE = "this account is not active"
PENDING_KIND = "login"
PENDING_MINUTES = 15
SECOND_FACTOR, CHANGE_PASSWORD, ENROL, DONE = "second_factor", "change_password", "enrol", "done"


@dataclass
class Step:
    """Where a sign-in stands: ``name`` is the next thing the person must do."""

    name: str
    user_id: int
    method: str = ""
    phone: str = ""
    reason: str = ""
    passed: list[str] = field(default_factory=list)


async def _record_failure(login: str, ip: str, user_id: int | None, why: str) -> None:
    await ratelimit.record_failure(ratelimit.account_key(user_id, login), ip)
    company = None
    if user_id is not None:
        company = await User.select(User.company).where(User.id == user_id).first()
    company = (
        company
        or await Company.select(Company.id.as_alias("company"))
        .where(Company.kind == "owner")
        .first()
    )
    if company is None:
        return
    ctx = AuditContext(company_id=company["company"], user_id=None, user_label=login[:254], ip=ip)
    async with transaction():
        await record_event(ctx, f"Sign-in failed: {why}", [])


async def check_password(login: str, password: str, ip: str) -> dict:
    """The user row for a right login and password on a usable account; vague errors otherwise."""
    login = login.strip()
    found = await find_user_for_login(login)
    account = ratelimit.account_key(found["id"] if found else None, login)
    await ratelimit.check(account, ip)
    if found is None or not verify_password(found["password_hash"], password):
        await _record_failure(login, ip, found["id"] if found else None, "wrong login or password")
        raise Unauthorized(BAD_CREDENTIALS)
    if found["status"] != "active" or not found["company_enabled"]:
        await _record_failure(login, ip, found["id"], "account not active")
        raise Unauthorized(NOT_ACTIVE)
    if await block_if_inactive(found["id"], ip):
        await _record_failure(login, ip, found["id"], "blocked after inactivity")
        raise Unauthorized(NOT_ACTIVE)
    user = await load_user(found["id"])
    ensure_not_locked(user)
    await ratelimit.reset_account(account, ip)
    if needs_rehash(user["password_hash"]):
        await User.update({User.password_hash: hash_password(password)}).where(
            User.id == user["id"]
        )
    return user


async def next_step(user: dict, passed: list[str]) -> Step:
    step = Step(DONE, user["id"], method=user["two_factor_method"], passed=passed)
    if is_required(user) and is_enrolled(user) and SECOND_FACTOR not in passed:
        step.name = SECOND_FACTOR
        step.phone = user["phone"] if user["two_factor_method"] == "sms" else ""
    elif user["must_change_password"] or password_expired(user, await get_policy()):
        step.name = CHANGE_PASSWORD
        step.reason = "expired" if not user["must_change_password"] else "first_login"
    elif is_required(user) and not is_enrolled(user):
        step.name = ENROL
    return step


async def send_login_code(step: Step, *, resend: bool = False) -> bool:
    if step.name == SECOND_FACTOR and step.method == "sms" and step.phone:
        return await send_sms_code(step.user_id, "login", step.phone, resend=resend)
    return False


# --- the UI's pending sign-in ---------------------------------------------------------------


async def start_pending(user_id: int, ip: str, passed: list[str] | None = None) -> str:
    """A pending sign-in for ``user_id`` (also used by sign-up to enter enrolment directly)."""
    secret = await issue_token(user_id, kind=PENDING_KIND, hours=1, ip=ip)
    await AuthToken.update(
        {
            AuthToken.expires_at: now() + timedelta(minutes=PENDING_MINUTES),
            AuthToken.scopes: json.dumps(passed or []),
        }
    ).where(AuthToken.token_hash == hash_token(secret))
    return secret


async def load_pending(secret: str) -> tuple[dict, Step] | None:
    if not secret or len(secret) > 200:
        return None
    token = (
        await AuthToken.select()
        .where(AuthToken.token_hash == hash_token(secret), AuthToken.kind == PENDING_KIND)
        .first()
    )
    if token is None or token["revoked_at"] is not None or _aware(token["expires_at"]) <= now():
        return None
    user = await load_user(token["user"])
    if user["status"] != "active":
        return None
    passed = token["scopes"]
    passed = json.loads(passed) if isinstance(passed, str) else list(passed or [])
    return token, await next_step(user, passed)


async def _mark_passed(token: dict, passed: list[str]) -> None:
    await AuthToken.update({AuthToken.scopes: json.dumps(passed)}).where(
        AuthToken.id == token["id"]
    )


async def finish(token: dict, user_id: int, ip: str, hours: int) -> str:
    """End the pending sign-in and open the real session."""
    await AuthToken.update({AuthToken.revoked_at: now()}).where(AuthToken.id == token["id"])
    return await open_session(user_id, "session", hours, ip)


async def pending_code(token: dict, step: Step, code: str, ip: str) -> Step:
    user = await load_user(step.user_id)
    await verify_sign_in_code(user["id"], code, context_for(user, ip))
    passed = [*step.passed, SECOND_FACTOR]
    await _mark_passed(token, passed)
    return await next_step(await load_user(user["id"]), passed)


async def pending_password(token: dict, step: Step, password: str, confirm: str, ip: str) -> Step:
    if password != confirm:
        raise Invalid.field("confirm", "the two passwords differ")
    user = await load_user(step.user_id)
    await set_password(
        user["id"], password, by_admin=False, ctx=context_for(user, ip), enforce_min_age=False
    )
    return await next_step(await load_user(user["id"]), step.passed)


# --- the API: one stateless call with optional code and new password ----------------------


class SecondFactorRequired(Unauthorized):
    def __init__(self, method: str, sent: bool) -> None:
        super().__init__("a second factor is required: repeat the call with `code`")
        self.method, self.sent = method, sent


class PasswordChangeRequired(Unauthorized):
    status_code = 403
    title = "Forbidden"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "password_change_required: repeat the call with `new_password` "
            f"({'the password has expired' if reason == 'expired' else 'first sign-in'})"
        )
        self.reason = reason


class EnrolmentRequired(Unauthorized):
    status_code = 403
    title = "Forbidden"


async def api_sign_in(
    login: str, password: str, ip: str, hours: int, code: str | None, new_password: str | None
) -> str:
    user = await check_password(login, password, ip)
    step = await next_step(user, [])
    if step.name == SECOND_FACTOR:
        if not code:
            raise SecondFactorRequired(step.method, await send_login_code(step))
        await verify_sign_in_code(user["id"], code, context_for(user, ip))
        step = await next_step(await load_user(user["id"]), [SECOND_FACTOR])
    if step.name == CHANGE_PASSWORD:
        if not new_password:
            raise PasswordChangeRequired(step.reason)
        await set_password(
            user["id"],
            new_password,
            by_admin=False,
            ctx=context_for(user, ip),
            enforce_min_age=False,
        )
        step = await next_step(await load_user(user["id"]), step.passed)
    if step.name == ENROL:
        raise EnrolmentRequired(
            "two_factor_enrolment_required: sign in on the web once to set up "
            "two-factor authentication"
        )
    return await open_session(user["id"], "api", hours, ip)
