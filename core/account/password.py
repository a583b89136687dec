"""Changing one's own password: the current one first, then the policy of ``core.auth.policy``.

The rules themselves (length, classes, history, minimum age) live only in the policy module;
this adds what belongs to the self-service form: the current password and the confirmation.
"""

from __future__ import annotations

from core.account.reauth import confirm_password
from core.account.schemas import PasswordChange
from core.audit.recorder import AuditContext
from core.auth import policy
from core.auth.models import AuthToken
from core.auth.tokens import now
from core.db.engine import transaction
from core.errors import Invalid


async def change_password(
    ctx: AuditContext, user_id: int, data: PasswordChange, keep_token: int
) -> None:
    """Set the new password and end the person's other UI sessions (not this one).

    Other sessions end because a password change is what people do when they suspect someone
    else is signed in; API tokens stay, as integrations do not sign in with the password.
    """
    await confirm_password(user_id, data.current_password, ctx.ip, "current_password")
    if data.new_password != data.confirm_password:
        raise Invalid.field("confirm_password", "The passwords do not match.")
    try:
        async with transaction():
            await policy.set_password(user_id, data.new_password, by_admin=False, ctx=ctx)
            await AuthToken.update({AuthToken.revoked_at: now()}).where(
                AuthToken.user == user_id,
                AuthToken.kind == "session",
                AuthToken.revoked_at.is_null(),
                AuthToken.id != keep_token,
            )
    except Invalid as exc:
        raise _as_new_password(exc) from None


def _as_new_password(exc: Invalid) -> Invalid:
    """The policy speaks of "password"; on this form that field is "new_password"."""
    errors = [
        {**e, "field": "new_password"} if e.get("field") == "password" else e for e in exc.errors
    ]
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or exc.detail
    return Invalid(message, errors)
