"""Resolves the caller on every request without ever rejecting it.

Routes decide what they need through guards; this only puts a ``Principal`` (or None) in the
ASGI scope. The API trusts only ``Authorization: Bearer``; the UI trusts only the session cookie,
so a cookie can never authorise an API call made from another site.
"""

from __future__ import annotations

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from core.auth.tokens import resolve_token

SESSION_COOKIE = "bo_session"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _cookie(scope: Scope, name: str) -> str:
    raw = _header(scope, b"cookie")
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


class AuthMiddleware(ASGIMiddleware):
    scopes = ("http", "websocket")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        principal = None
        path = scope.get("path", "")
        if path.startswith("/api/"):
            auth = _header(scope, b"authorization")
            scheme, _, secret = auth.partition(" ")
            if scheme.lower() == "bearer":
                principal = await resolve_token(secret.strip(), "api")
        elif not path.startswith("/static/"):
            secret = _cookie(scope, SESSION_COOKIE)
            if secret:
                principal = await resolve_token(secret, "session")
        scope["user"] = principal
        scope["auth"] = principal.token_id if principal else None
        await next_app(scope, receive, send)
