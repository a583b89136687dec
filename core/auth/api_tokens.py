"""API tokens people create for scripts and integrations: named, scoped, expiring, shown once.

Only the SHA-256 of a secret is stored (``core.auth.tokens``), so a lost secret cannot be shown
again: its owner revokes it and creates another. Scopes limit what a leaked token can do: a
token without "write" may only call safe methods. Tokens from password sign-in act as the
person and carry both scopes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from core.audit.recorder import AuditContext, Change, record_event, snapshot
from core.auth.guards import require_api_user
from core.auth.models import AuthToken, User
from core.auth.tokens import hash_token, issue_token, now, parse_scopes
from core.db.engine import transaction
from core.errors import Forbidden, Invalid, NotFound
from tenants.scope import Scope, get_in_scope

SCOPES = ("read", "write")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_DAYS = 365

Scope_ = Literal["read", "write"]


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    scopes: Annotated[list[Scope_], msgspec.Meta(min_length=1, max_length=2)]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_DAYS)] = 90


class TokenOut(msgspec.Struct):
    id: int
    name: str
    scopes: list[str]
    origin: Literal["created", "sign-in"]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    current: bool


class TokenCreated(msgspec.Struct):
    """The only response that ever carries the secret."""

    token: TokenOut
    secret: str


def allows(scopes: tuple[str, ...] | list[str], method: str) -> bool:
    """ "write" covers every method; "read" only the safe ones."""
    if "write" in scopes:
        return True
    return "read" in scopes and method.upper() in SAFE_METHODS


async def require_token_scope(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Router guard for /api/v1: a token whose scopes do not cover the method gets 403.

    A coroutine so that litestar does not run it in a worker thread (``core.auth.guards``)."""
    principal = connection.scope.get("user")
    if principal is None or principal.token_kind != "api":
        return
    if not allows(principal.scopes, connection.scope.get("method", "GET")):
        raise Forbidden("this token has the read scope only; a write-scoped token is needed")


async def require_api_caller(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The /api/v1 router's one guard: a bearer token (401), whose scopes cover the method (403).

    One guard rather than two because litestar copies the route handler for every guard it
    runs, which cost more than both checks together on every API request."""
    await require_api_user(connection, handler)
    await require_token_scope(connection, handler)


def _out(row: dict, current_token_id: int | None) -> TokenOut:
    return TokenOut(
        id=row["id"],
        name=row["name"] or "Password sign-in",
        scopes=list(parse_scopes(row["scopes"])),
        origin="created" if row["name"] else "sign-in",
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        current=row["id"] == current_token_id,
    )


_COLUMNS = (
    AuthToken.id,
    AuthToken.name,
    AuthToken.scopes,
    AuthToken.created_at,
    AuthToken.expires_at,
    AuthToken.last_used_at,
)


def _live(user_id: int):
    return (
        (AuthToken.user == user_id)
        & (AuthToken.kind == "api")
        & AuthToken.revoked_at.is_null()
        & (AuthToken.expires_at > now())
    )


async def list_tokens(user_id: int, current_token_id: int | None = None) -> list[TokenOut]:
    """The person's live API tokens, newest first; secrets and hashes are never read."""
    rows = (
        await AuthToken.select(*_COLUMNS)
        .where(_live(user_id))
        .order_by(AuthToken.id, ascending=False)
    )
    return [_out(r, current_token_id) for r in rows]


async def create_token(ctx: AuditContext, user_id: int, data: TokenCreate) -> TokenCreated:
    name = data.name.strip()
    if not name:
        raise Invalid.field("name", "Enter a name for the token.")
    scopes = [s for s in SCOPES if s in data.scopes]
    async with transaction():
        company_id = await _company_of(user_id)
        secret = await issue_token(
            user_id, "api", hours=data.expires_in_days * 24, ip=ctx.ip, name=name, scopes=scopes
        )
        row = await AuthToken.select().where(AuthToken.token_hash == hash_token(secret)).first()
        await record_event(
            ctx,
            "API token created",
            [
                Change(
                    "auth_tokens",
                    "insert",
                    row["id"],
                    new=snapshot(AuthToken, row),
                    object_company_id=company_id,
                )
            ],
        )
    return TokenCreated(token=_out(row, None), secret=secret)


async def revoke(ctx: AuditContext, user_id: int, token_id: int) -> None:
    """Revoke one live API token of ``user_id``; any other id answers 404 like a missing one."""
    async with transaction():
        row = (
            await AuthToken.select(AuthToken.id, AuthToken.name)
            .where(_live(user_id), AuthToken.id == token_id)
            .first()
        )
        if row is None:
            raise NotFound(f"token {token_id} not found")
        moment = now()
        await AuthToken.update({AuthToken.revoked_at: moment}).where(AuthToken.id == token_id)
        await record_event(
            ctx,
            "API token revoked",
            [
                Change(
                    "auth_tokens",
                    "update",
                    token_id,
                    old={"revoked_at": None},
                    new={"revoked_at": moment.isoformat()},
                    object_company_id=await _company_of(user_id),
                )
            ],
        )


async def user_in_scope(scope: Scope, user_id: int) -> int:
    """An administrator reaches tokens of users in their scope only; others answer 404."""
    row = await get_in_scope(User, scope, user_id, User.id)
    return row["id"]


async def _company_of(user_id: int) -> int:
    row = await User.select(User.company).where(User.id == user_id).first()
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return row["company"]
