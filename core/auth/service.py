"""Opening sessions; the password check and its steps live in ``core.auth.login_flow``."""

from __future__ import annotations

from core.audit.recorder import AuditContext, record_event
from core.auth.models import User
from core.auth.tokens import issue_token, now
from core.db.engine import transaction


async def open_session(user_id: int, kind: str, hours: int, ip: str) -> str:
    """A new UI session or API token for a user who passed every sign-in step."""
    async with transaction():
        secret = await issue_token(user_id, kind=kind, hours=hours, ip=ip)
        await User.update({User.last_login_at: now(), User.failed_code_attempts: 0}).where(
            User.id == user_id
        )
        user = await User.select(User.company, User.email).where(User.id == user_id).first()
        await record_event(
            AuditContext(
                company_id=user["company"], user_id=user_id, user_label=user["email"], ip=ip
            ),
            "Signed in" if kind == "session" else "API token issued",
            [],
        )
    return secret
