"""Sign-up from an invitation link: the invitation decides company, group, role and 2FA; the
person chooses their name, phone, login and password.

The invitation is claimed with a conditional update inside the transaction, so two submits of
the same link can never create two users.
"""

from __future__ import annotations

from core.audit.recorder import AuditContext, Change, record_event, snapshot
from core.auth.models import User
from core.db.engine import transaction
from core.errors import Conflict, Invalid, NotFound
from core.users import rules
from core.users.invitations import find_by_token, now
from core.users.models import Invitation
from core.users.schemas import SignupDone, SignupRequest

USER_AUDITED = [
    User.id,
    User.company,
    User.email,
    User.login,
    User.first_name,
    User.last_name,
    User.phone,
    User.group,
    User.role,
    User.is_admin,
    User.status,
    User.two_factor_enabled,
]


async def _validated(data: SignupRequest) -> dict:
    """Every field checked, all problems reported at once."""
    from core.auth.policy import check_new_password

    errors: list[dict] = []
    values = {"first_name": data.first_name.strip(), "last_name": data.last_name.strip()}
    for name in ("first_name", "last_name"):
        if not values[name]:
            errors.append({"field": name, "message": "must not be blank"})
    for name, check in (("phone", rules.normalize_phone), ("login", rules.check_login)):
        try:
            values[name] = check(getattr(data, name))
        except Invalid as exc:
            errors += exc.errors
    if not values.get("phone") and not any(e["field"] == "phone" for e in errors):
        errors.append({"field": "phone", "message": "must not be blank"})
    try:
        await check_new_password(None, data.password, by_admin=False)
    except Invalid as exc:
        errors += exc.errors
    if data.password != data.password_confirm:
        errors.append({"field": "password_confirm", "message": "does not match the password"})
    if "login" in values and await rules.login_taken(values["login"]):
        errors.append({"field": "login", "message": "is already taken; choose another"})
    if errors:
        raise Invalid("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors)
    return values


async def accept_invitation(token: str, data: SignupRequest, ip: str) -> SignupDone:
    from core.auth.policy import set_password

    invitation = await find_by_token(token)
    values = await _validated(data)
    async with transaction():
        claimed = (
            await Invitation.update({Invitation.status: "accepted", Invitation.accepted_at: now()})
            .where(Invitation.id == invitation["id"], Invitation.status == "invited")
            .returning(Invitation.id)
        )
        if not claimed:
            raise NotFound("this sign-up link is not valid or has already been used")
        if await rules.email_taken(invitation["email"]):
            raise Conflict("an account with this email already exists; sign in instead")
        if await rules.login_taken(values["login"]):
            raise Conflict(
                "this login is already taken",
                [{"field": "login", "message": "is already taken; choose another"}],
            )
        two_factor = invitation["two_factor"] or invitation["company_two_factor"]
        user = User(
            company=invitation["company"],
            email=invitation["email"],
            login=values["login"],
            password_hash="",
            first_name=values["first_name"],
            last_name=values["last_name"],
            phone=values["phone"],
            group=invitation["group"],
            role=invitation["role"],
            is_admin=invitation["is_admin"],
            status="active",
            two_factor_enabled=two_factor,
        )
        await user.save()
        await Invitation.update({Invitation.user: user.id, Invitation.updated_at: now()}).where(
            Invitation.id == invitation["id"]
        )
        ctx = AuditContext(
            company_id=invitation["company"], user_id=user.id, user_label=user.email, ip=ip
        )
        row = await User.select(*USER_AUDITED).where(User.id == user.id).first()
        await record_event(
            ctx,
            "User signed up",
            [
                Change("users", "insert", user.id, {}, snapshot(User, row), invitation["company"]),
                Change(
                    "invitations",
                    "update",
                    invitation["id"],
                    {"status": "invited"},
                    {"status": "accepted", "user": user.id},
                    invitation["company"],
                ),
            ],
        )
        await set_password(user.id, data.password, by_admin=False, ctx=ctx)
    return SignupDone(
        user_id=user.id, email=user.email, login=values["login"], two_factor_enabled=two_factor
    )
