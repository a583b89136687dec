"""Reading and changing one's own profile and preferences.

Only names and preferences are self-service: login, email, role, company and phone belong to
administrators (or to the 2FA phone flow), so a person cannot widen their own access here.
"""

from __future__ import annotations

from msgspec import UNSET

from core.account.schemas import CompanyRef, ProfileOut, ProfileUpdate, RoleRef
from core.audit.recorder import AuditContext, Change, diff, record_event
from core.auth.models import User
from core.auth.principal import Principal
from core.auth.tokens import now
from core.db.engine import transaction
from core.errors import Invalid, NotFound

NAME_MAX = 60
APPEARANCES = ("light", "dark")
# Only the English interface exists today; a language is added here when its texts ship.
LANGUAGES = {"en": "English"}
EDITABLE = (User.first_name, User.last_name, User.appearance, User.language)


def initials(first_name: str, last_name: str, login: str | None, email: str) -> str:
    """The avatar fallback; the same rule as ``Principal.initials``."""
    parts = [p for p in (first_name, last_name) if p]
    if parts:
        return "".join(p[0] for p in parts).upper()
    return (login or email)[:2].upper()


def avatar_url(user_id: int, avatar_key: str | bool) -> str | None:
    return f"/account/avatar/{user_id}" if avatar_key else None


# Every GET /api/v1/me and account page runs this; written out once because piccolo rebuilds a
# two-join select (copying each foreign-key column it walks) on every call, which cost several
# times the query itself. Secrets (password and TOTP hashes) are never read.
_PROFILE_SQL = """
SELECT u."id", u."first_name", u."last_name", u."login", u."email", u."is_admin", u."role",
       u."company", u."phone", u."group", u."appearance", u."language", u."avatar_key",
       u."two_factor_enabled", r."name" AS "role_name", c."name" AS "company_name",
       c."kind" AS "company_kind"
FROM "users" u
JOIN "companies" c ON c."id" = u."company"
LEFT JOIN "roles" r ON r."id" = u."role"
WHERE u."id" = {}
"""


async def get_profile(user_id: int) -> ProfileOut:
    rows = await User.raw(_PROFILE_SQL, user_id)
    if not rows:
        raise NotFound(f"user {user_id} not found")
    row = rows[0]
    return _profile(row, role_id=row["role"], company_id=row["company"])


def profile_of(p: Principal) -> ProfileOut:
    """The caller's own profile from the principal, read by this request's authentication query
    (``core.auth.tokens``), so ``GET /api/v1/me`` runs no query of its own."""
    row = {
        "id": p.user_id,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "login": p.login,
        "email": p.email,
        "is_admin": p.is_admin,
        "role_name": p.role_name,
        "company_name": p.company_name,
        "company_kind": p.company_kind,
        "phone": p.phone,
        "group": p.group,
        "appearance": p.appearance,
        "language": p.language,
        "avatar_key": p.has_avatar,
        "two_factor_enabled": p.two_factor_enabled,
    }
    return _profile(row, role_id=p.role_id, company_id=p.company_id)


def _profile(row: dict, role_id: int | None, company_id: int) -> ProfileOut:
    role = RoleRef(id=role_id, name=row["role_name"]) if role_id else None
    if row["is_admin"]:
        role_label = "Administrator (no restrictions)"
    else:
        role_label = role.name if role else "No role"
    return ProfileOut(
        id=row["id"],
        full_name=f"{row['first_name']} {row['last_name']}".strip(),
        first_name=row["first_name"],
        last_name=row["last_name"],
        login=row["login"],
        email=row["email"],
        is_admin=bool(row["is_admin"]),
        role=role,
        role_label=role_label,
        company=CompanyRef(id=company_id, name=row["company_name"], type=row["company_kind"]),
        phone=row["phone"],
        group=row["group"],
        appearance=row["appearance"],
        language=row["language"],
        avatar_url=avatar_url(row["id"], row["avatar_key"]),
        initials=initials(row["first_name"], row["last_name"], row["login"], row["email"]),
        two_factor_enabled=bool(row["two_factor_enabled"]),
    )


def _name(field: str, value: str) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= NAME_MAX:
        raise Invalid.field(field, f"Use 1 to {NAME_MAX} characters.")
    return value


def validated_changes(data: ProfileUpdate) -> dict[str, str]:
    """The new values by column name; every rule is checked before anything is written."""
    changes: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    checks = {
        "first_name": lambda v: _name("first_name", v),
        "last_name": lambda v: _name("last_name", v),
        "appearance": _appearance,
        "language": _language,
    }
    for field, check in checks.items():
        value = getattr(data, field)
        if value is UNSET:
            continue
        try:
            changes[field] = check(value)
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors)
    return changes


def _appearance(value: str) -> str:
    if value not in APPEARANCES:
        raise Invalid.field("appearance", "Choose light or dark.")
    return value


def _language(value: str) -> str:
    if value not in LANGUAGES:
        supported = ", ".join(f"{name} ({code})" for code, name in LANGUAGES.items())
        raise Invalid.field("language", f"Not available yet; supported: {supported}.")
    return value


async def update_profile(ctx: AuditContext, user_id: int, data: ProfileUpdate) -> ProfileOut:
    changes = validated_changes(data)
    async with transaction():
        row = await User.select(User.id, User.company, *EDITABLE).where(User.id == user_id).first()
        if row is None:
            raise NotFound(f"user {user_id} not found")
        current = {k: row[k] for k in changes}
        old, new = diff(current, changes)
        if new:
            await User.update({**new, User.updated_at: now()}).where(User.id == user_id)
            change = Change("users", "update", user_id, old, new, object_company_id=row["company"])
            await record_event(ctx, "Profile updated", [change])
    return await get_profile(user_id)
