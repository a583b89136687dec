"""Creating the root of the tree and the first administrator, for the CLI and the demo."""

from __future__ import annotations

from core.audit.recorder import AuditContext, Change, record_event, snapshot
from core.auth.models import USER_GROUPS, PasswordHistory, User
from core.auth.passwords import hash_password
from core.auth.tokens import now
from core.db.engine import transaction
from core.errors import Conflict, Invalid
from tenants.models import Company
from tenants.tree import child_path

SYSTEM_OWNER_NAME = "System owner"


async def ensure_system_owner(name: str = SYSTEM_OWNER_NAME) -> dict:
    """The root company, created on first use (there is exactly one), with the system roles."""
    from core.access.system_roles import ensure_system_roles

    async with transaction():
        row = await Company.select().where(Company.kind == "owner").first()
        if row is None:
            owner = Company(
                name=name, kind="owner", parent=None, depth=0, creator_of_resellers=True
            )
            await owner.save()
            await Company.update({Company.path: child_path("", owner.id)}).where(
                Company.id == owner.id
            )
            row = await Company.select().where(Company.id == owner.id).first()
    await ensure_system_roles(row["id"])
    return row


async def create_user(
    company_id: int,
    email: str,
    password: str,
    *,
    login: str | None = None,
    is_admin: bool = False,
    first_name: str = "",
    last_name: str = "",
    must_change_password: bool = False,
    group: str = "backoffice",
    actor: AuditContext | None = None,
) -> int:
    """A user whose password was chosen by the person it belongs to (CLI, demo, fixtures):
    the full password policy applies, but no forced change at first sign-in."""
    from core.auth.policy import check_new_password

    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise Invalid.field("email", "must be a valid email address")
    if group not in USER_GROUPS:
        raise Invalid.field("group", f"must be one of: {', '.join(USER_GROUPS)}")
    await check_new_password(None, password, by_admin=True)
    async with transaction():
        clash = User.exists().where(User.email == email)
        if login:
            clash = User.exists().where((User.email == email) | (User.login == login))
        if await clash:
            raise Conflict(f"a user with email {email} or login {login} already exists")
        user = User(
            company=company_id,
            email=email,
            login=login,
            password_hash=hash_password(password),
            first_name=first_name,
            last_name=last_name,
            is_admin=is_admin,
            status="active",
            must_change_password=must_change_password,
            password_changed_at=now(),
            group=group,
        )
        await user.save()
        await PasswordHistory.insert(
            PasswordHistory(user=user.id, password_hash=user.password_hash)
        )
        ctx = actor or AuditContext(company_id=company_id, user_id=None, user_label="system", ip="")
        row = await User.select().where(User.id == user.id).first()
        await record_event(
            ctx,
            "User created",
            [Change("users", "insert", user.id, {}, snapshot(User, row), company_id)],
        )
        return user.id


async def create_admin(email: str, password: str, login: str | None = None) -> int:
    owner = await ensure_system_owner()
    return await create_user(owner["id"], email, password, login=login, is_admin=True)
