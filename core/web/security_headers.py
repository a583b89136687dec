"""Browser hardening headers on every HTTP answer, and proxy headers only from trusted proxies.

The UI's policy follows what the themes need: scripts only from our own static files (the
templates have no inline script), images from this site (branding files, avatars) or ``data:``,
and inline styles, which the portal branding (``--brand`` colours, the sign-in background in
``brand_head.html``) and a few ``style`` attributes use; Jinja escapes everything put there.
Pages cannot be framed. A response that brings its own policy (uploaded SVGs, avatars) keeps
it. The OpenAPI viewers under ``/api/schema`` load their own scripts and only get
``frame-ancestors``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import get_settings

UI_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = "frame-ancestors 'none'"
COMMON = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)


def policy_for(path: str) -> str:
    if path.startswith("/api/schema"):
        return DOCS_POLICY
    if path.startswith("/api/"):
        return API_POLICY
    return UI_POLICY


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook, so router 404s and error pages get the headers too."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    present = {bytes(name).lower() for name, _ in headers}
    policy = policy_for(scope.get("path", "")).encode()
    for name, value in (*COMMON, (b"content-security-policy", policy)):
        if name not in present:
            headers.append((name, value))
    message["headers"] = headers


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _header(scope: Scope, name: bytes) -> str:
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == name]
    return ",".join(values)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple) -> str:
    """The client behind a chain of trusted proxies: the right-most address of
    ``X-Forwarded-For`` that is not a trusted proxy (each proxy appends the address it saw)."""
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # a forged or garbled entry: keep the last address a trusted proxy vouched for
        client = hop
        if not _trusted(hop, networks):
            break
    return client


class TrustedProxyMiddleware(ASGIMiddleware):
    """``X-Forwarded-For``/``-Proto`` count only when the direct peer is in
    ``BACKOFFICE_TRUSTED_PROXIES``; otherwise anyone could pick the address that rate limits,
    lock-outs and the audit log see."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        entries = get_settings().trusted_proxies
        client = scope.get("client")
        if entries and client:
            networks = _networks(entries)
            if _trusted(client[0], networks):
                forwarded = _header(scope, b"x-forwarded-for")
                if forwarded:
                    scope["client"] = (forwarded_client(client[0], forwarded, networks), 0)
                proto = _header(scope, b"x-forwarded-proto").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = (
                        proto if scope["type"] == "http" else proto.replace("http", "ws")
                    )
        await next_app(scope, receive, send)
