"""Route guards: an API call without a valid token is 401, a UI page redirects to sign-in.

Guards are coroutines even though they await nothing: litestar runs a plain function guard in
its thread pool, two thread hops per guard on every request.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from core.errors import Unauthorized


class LoginRequired(Exception):
    """Raised by UI guards; the UI error handler turns it into a redirect to /login."""


async def require_api_user(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise Unauthorized("a valid bearer token is required")


async def require_ui_user(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise LoginRequired()
