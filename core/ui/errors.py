"""Errors on UI pages become themed HTML pages; a missing session becomes a sign-in redirect.

litestar exception handlers are synchronous while the theme depends on an async portal lookup,
so the page is rendered in the response's own async ``to_asgi_response``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.response import Redirect

from core.access.guards import MissingPermission, NotForPortalUsers
from core.auth.guards import LoginRequired
from core.auth.middleware import SESSION_COOKIE
from core.auth.tokens import resolve_token
from core.errors import to_problem
from core.ui.render import branding, load_access, render_html
from core.web.themes import Branding

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in to continue.",
    403: "You are not allowed to do this.",
    404: "This page does not exist, or it belongs to an account you cannot see.",
    405: "This address does not accept that kind of request.",
    409: "This could not be done because it conflicts with the current data.",
    422: "Some of the values are not acceptable.",
    500: "Something went wrong on our side. Please try again later.",
}


async def _resolve_user(request: Request) -> None:
    """An unknown path matches no route, so no middleware ran: find the user for the menu."""
    if "user" not in request.scope:
        secret = request.cookies.get(SESSION_COOKIE, "")
        request.scope["user"] = await resolve_token(secret, "session") if secret else None


class ThemedPage(Response):
    """An HTML error page whose body is rendered once the portal's theme is known."""

    def __init__(
        self, request: Request, status: int, context: dict[str, Any], template: str = "error.html"
    ) -> None:
        super().__init__(content="", media_type=MediaType.HTML, status_code=status)
        self._request = request
        self._context = context
        self._template = template
        self.headers["Cache-Control"] = "no-store"

    async def _render(self) -> None:
        try:
            brand = await branding(self._request)
            await _resolve_user(self._request)
            await load_access(self._request)
        except Exception:  # the database may be the very thing that failed
            brand = Branding()
        self.content = render_html(self._request, brand, self._template, self._context)

    def to_asgi_response(self, *args: Any, **kwargs: Any):
        async def send_page(scope, receive, send) -> None:
            await self._render()
            await Response.to_asgi_response(self, *args, **kwargs)(scope, receive, send)

        return send_page


def login_redirect(request: Request) -> Redirect:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = request.url.path
    return Redirect(path=f"/login?next={quote(target, safe='/')}", status_code=303)


CSRF_MESSAGE = (
    "The form could not be checked. If it was open for a long time, reload the page and try again."
)


def forbidden_message(request: Request, exc: Exception, detail: str) -> str:
    """Say which permission is missing, in the words of the role form."""
    if isinstance(exc, MissingPermission):
        what = "open this page" if request.method == "GET" else "do this"
        return (
            f"You need {exc.area_label}: {exc.level} to {what}; your role gives you "
            f"{exc.granted}. An administrator of your company can change your role."
        )
    if "csrf" in detail.lower():
        return CSRF_MESSAGE
    return MESSAGES[403]


def html_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequired):
        return login_redirect(request)
    status, problem = to_problem(request, exc)
    if isinstance(exc, NotForPortalUsers):
        return ThemedPage(request, 403, {"title": exc.title}, template="portal_user.html")
    detail = problem.get("detail") or ""
    if status >= 500:
        detail = ""  # internals stay in the log
    context = {
        "status": status,
        "title": problem.get("title") or "Error",
        "message": forbidden_message(request, exc, detail)
        if status == 403
        else MESSAGES.get(status, MESSAGES[400 if status < 500 else 500]),
        "detail": ""
        if isinstance(exc, MissingPermission) or detail == problem.get("title")
        else detail,
        "errors": problem.get("errors") or [],
    }
    return ThemedPage(request, status, context)
