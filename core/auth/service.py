"""Checking credentials and opening sessions; the one place a password is compared."""

from __future__ import annotations

from core.audit.recorder import AuditContext, record_event
from core.auth.models import User
from core.auth.passwords import hash_password, needs_rehash, verify_password
from core.auth.tokens import find_user_for_login, issue_token, now
from core.db.engine import transaction
from core.errors import Unauthorized

BAD_CREDENTIALS = "login or password is incorrect"


async def authenticate(login: str, password: str) -> int:
    """The user id for valid credentials; one vague error for every failure (no user probing)."""
    user = await find_user_for_login(login)
    if user is None or not verify_password(user["password_hash"], password):
        raise Unauthorized(BAD_CREDENTIALS)
    if user["status"] != "active" or not user["company_enabled"]:
        raise Unauthorized("this account is not active")
    if needs_rehash(user["password_hash"]):
        await User.update({User.password_hash: hash_password(password)}).where(
            User.id == user["id"]
        )
    return user["id"]


async def open_session(user_id: int, kind: str, hours: int, ip: str) -> str:
    async with transaction():
        secret = await issue_token(user_id, kind=kind, hours=hours, ip=ip)
        await User.update({User.last_login_at: now()}).where(User.id == user_id)
        user = await User.select(User.company, User.email).where(User.id == user_id).first()
        await record_event(
            AuditContext(
                company_id=user["company"], user_id=user_id, user_label=user["email"], ip=ip
            ),
            "Signed in" if kind == "session" else "API token issued",
            [],
        )
    return secret
