"""Signing in and out, the signed-in user's own page, and the in-app guide."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery

from core.access.guards import signed_in
from core.auth.login_flow import NOT_ACTIVE, check_password
from core.auth.middleware import SESSION_COOKIE
from core.auth.ratelimit import TooManyAttempts
from core.auth.tokens import revoke_token
from core.auth.twofactor import AccountLocked
from core.errors import Unauthorized
from core.settings import get_settings
from core.ui.forms import parse, read_form
from core.ui.render import local_path, page, redirect
from core.web.context import client_ip


class LoginForm(msgspec.Struct, forbid_unknown_fields=True):
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    next: Annotated[str, msgspec.Meta(max_length=2000)] = "/"


def session_cookie(value: str, max_age: int) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        max_age=max_age,
    )


@get("/login", include_in_schema=False)
async def login_page(request: Request, next: FromQuery[str] = "/") -> Response:
    if request.scope.get("user") is not None:
        return redirect(local_path(next))
    return await page(request, "login.html", next=local_path(next), values={}, error="")


@post("/login", include_in_schema=False)
async def login_submit(request: Request) -> Response:
    from core.ui.login_steps import after_password

    raw = await read_form(request)
    values = {"login": str(raw.get("login", "")).strip(), "next": local_path(raw.get("next"))}
    form, errors = parse(raw, LoginForm)
    if form is None:
        return await page(
            request,
            "login.html",
            status=400,
            next=values["next"],
            values=values,
            error="Enter your login or email and your password.",
        )
    try:
        user = await check_password(form.login, form.password, client_ip(request))
    except (Unauthorized, TooManyAttempts, AccountLocked) as exc:
        return await page(
            request,
            "login.html",
            status=exc.status_code,
            next=values["next"],
            values=values,
            error=_login_message(exc),
        )
    return await after_password(request, user, values["next"])


def _login_message(exc: Exception) -> str:
    if isinstance(exc, TooManyAttempts):
        return "Too many failed sign-in attempts. Wait a few minutes and try again."
    if isinstance(exc, AccountLocked):
        return f"This account is locked: {exc.detail}."
    if NOT_ACTIVE in getattr(exc, "detail", ""):
        return "This account is not active. Contact your administrator."
    return "The login or the password is not correct."


@post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    principal = request.scope.get("user")
    if principal is not None:
        await revoke_token(principal.token_id)
    response = redirect("/login", flash="You are signed out.")
    response.cookies.append(session_cookie("", 0))
    return response


@get("/help/guide", include_in_schema=False, guards=[signed_in()])
async def guide(request: Request) -> Response:
    return await page(request, "guide.html", active="guide")


PUBLIC_HANDLERS = [login_page, login_submit, logout]
SIGNED_IN_HANDLERS = [guide]  # "/" is core.ui.dashboard; /account is core.ui.my_account
