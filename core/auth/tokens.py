"""Opaque bearer secrets for UI sessions and API clients.

The client holds a random secret; the database holds only its SHA-256, so a database leak does
not hand out live sessions. Lookup by hash is one indexed query, which keeps web processes
stateless: any process can authenticate any request.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from core.auth.models import AuthToken, User
from core.auth.principal import Principal

TOKEN_BYTES = 32
FULL_SCOPES = ("read", "write")
# last_used_at is refreshed at most this often, so a busy client does not write on every call.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


async def issue_token(
    user_id: int,
    kind: str,
    hours: int,
    ip: str = "",
    name: str = "",
    scopes: Iterable[str] | None = None,
) -> str:
    """A new secret; API tokens default to both scopes (password sign-in acts as the user)."""
    if scopes is None:
        scopes = FULL_SCOPES if kind == "api" else ()
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    await AuthToken.insert(
        AuthToken(
            user=user_id,
            kind=kind,
            token_hash=hash_token(secret),
            name=name,
            ip=ip,
            expires_at=now() + timedelta(hours=hours),
            scopes=json.dumps(list(scopes)),
        )
    )
    return secret


async def revoke_token(token_id: int) -> None:
    await AuthToken.update({AuthToken.revoked_at: now()}).where(AuthToken.id == token_id)


async def revoke_all_tokens(user_id: int, company_id: int) -> list:
    """Revoke every live session and API token of a user; the audit changes, one per token."""
    from core.audit.recorder import Change

    live = (AuthToken.user == user_id) & AuthToken.revoked_at.is_null()
    rows = await AuthToken.select(AuthToken.id, AuthToken.kind).where(live)
    if not rows:
        return []
    moment = now()
    await AuthToken.update({AuthToken.revoked_at: moment}).where(
        AuthToken.id.is_in([r["id"] for r in rows])
    )
    return [
        Change(
            "auth_tokens",
            "update",
            r["id"],
            {"kind": r["kind"], "revoked_at": None},
            {"kind": r["kind"], "revoked_at": moment.isoformat()},
            company_id,
        )
        for r in rows
    ]


# Every request runs this; written out once because piccolo rebuilds a two-join select (copying
# each foreign-key column it walks) on every call, which cost more than the query itself. It
# also reads what ``GET /api/v1/me`` answers (role name, phone, 2FA), so that route needs no
# second query; the primary-key joins cost next to nothing once the token row is found.
_RESOLVE_SQL = """
SELECT t."id", t."expires_at", t."revoked_at", t."created_at", t."last_used_at", t."scopes",
       u."id" AS "user_id", u."email", u."login", u."first_name", u."last_name", u."is_admin",
       u."role" AS "role_id", u."group", u."status", u."appearance", u."language",
       u."avatar_key", u."phone", u."two_factor_enabled", r."name" AS "role_name",
       c."id" AS "company_id", c."name" AS "company_name", c."path" AS "company_path",
       c."kind" AS "company_kind", c."enabled" AS "company_enabled"
FROM "auth_tokens" t
JOIN "users" u ON u."id" = t."user"
JOIN "companies" c ON c."id" = u."company"
LEFT JOIN "roles" r ON r."id" = u."role"
WHERE t."token_hash" = {} AND t."kind" = {}
LIMIT 1
"""


async def resolve_token(secret: str, kind: str) -> Principal | None:
    """The principal behind a live token of ``kind``, or None (expired, revoked, inactive user)."""
    if not secret or len(secret) > 200:
        return None
    rows = await AuthToken.raw(_RESOLVE_SQL, hash_token(secret), kind)
    row = rows[0] if rows else None
    if row is None or row["revoked_at"] is not None or _aware(row["expires_at"]) <= now():
        return None
    if row["status"] != "active" or not row["company_enabled"]:
        return None
    if kind == "session":
        from core.auth.inactivity import session_alive  # it imports this module

        if not await session_alive(row, TOUCH_EVERY):
            return None
    await _touch(row["id"], row["last_used_at"])
    return Principal(
        user_id=row["user_id"],
        email=row["email"],
        login=row["login"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        is_admin=bool(row["is_admin"]),
        company_id=row["company_id"],
        company_name=row["company_name"],
        company_path=row["company_path"],
        company_kind=row["company_kind"],
        token_id=row["id"],
        token_kind=kind,
        role_id=row["role_id"],
        group=row["group"],
        appearance=row["appearance"],
        language=row["language"],
        has_avatar=bool(row["avatar_key"]),
        scopes=parse_scopes(row["scopes"]),
        role_name=row["role_name"],
        phone=row["phone"],
        two_factor_enabled=bool(row["two_factor_enabled"]),
    )


def parse_scopes(value) -> tuple[str, ...]:
    """The JSON column as a tuple; piccolo hands it back as text on both databases."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


async def _touch(token_id: int, last_used: datetime | None) -> None:
    moment = now()
    if last_used is None or moment - _aware(last_used) >= TOUCH_EVERY:
        await AuthToken.update({AuthToken.last_used_at: moment}).where(AuthToken.id == token_id)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def find_user_for_login(login_or_email: str) -> dict | None:
    value = login_or_email.strip()
    if not value:
        return None
    return (
        await User.select(
            User.id,
            User.password_hash,
            User.status,
            User.company.enabled.as_alias("company_enabled"),
        )
        .where((User.email == value.lower()) | (User.login == value))
        .first()
    )
