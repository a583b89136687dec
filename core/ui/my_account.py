"""My account: settings (profile, picture, preferences), privacy and security, API tokens.

Every form posts to the same services as /api/v1/me, so the rules (name length, picture
checks, the password policy, the last-admin guard) are the API's; these handlers only turn
their errors into messages next to the fields.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.params import FromPath

from core.access.guards import signed_in
from core.account import avatar, deletion, password, profile
from core.account.api import avatar_response
from core.account.schemas import AccountDelete, PasswordChange, ProfileUpdate
from core.auth import api_tokens
from core.auth.middleware import SESSION_COOKIE
from core.auth.policy import generate_password
from core.errors import DomainError
from core.settings import get_settings
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.web.context import audit_context, principal_of

ANY_USER = [signed_in()]
TABS = (
    ("settings", "Account settings", "/account"),
    ("security", "Privacy and security", "/account/security"),
    ("tokens", "API tokens", "/account/tokens"),
)
TWO_FACTOR_PAGES = ("/account/two-factor", "/account/security/two-factor")


async def _page(request: Request, template: str, tab: str, status: int = 200, **ctx: Any):
    p = principal_of(request)
    return await page(
        request,
        template,
        status=status,
        active="account",
        tabs=TABS,
        tab=tab,
        profile=await profile.get_profile(p.user_id),
        **ctx,
    )


async def _settings(request: Request, status: int = 200, **ctx: Any) -> Response:
    ctx.setdefault("errors", {})
    ctx.setdefault("values", {})
    return await _page(
        request,
        "account/settings.html",
        "settings",
        status,
        appearances=profile.APPEARANCES,
        languages=profile.LANGUAGES,
        max_name=profile.NAME_MAX,
        **ctx,
    )


@get("/account", include_in_schema=False, guards=ANY_USER)
async def settings_page(request: Request) -> Response:
    return await _settings(request)


async def _update(request: Request, fields: tuple[str, ...], done: str) -> Response:
    raw = await read_form(request)
    values = {k: str(raw.get(k, "")) for k in fields}
    data, errors = parse(values, ProfileUpdate)
    if data is not None:
        try:
            await profile.update_profile(
                audit_context(request), principal_of(request).user_id, data
            )
            return redirect("/account", flash=done)
        except DomainError as exc:
            errors = domain_errors(exc)
    return await _settings(request, 422, values=values, errors=by_field(errors))


@post("/account/name", include_in_schema=False, guards=ANY_USER)
async def update_name(request: Request) -> Response:
    return await _update(request, ("first_name", "last_name"), "Your name was saved.")


@post("/account/preferences", include_in_schema=False, guards=ANY_USER)
async def update_preferences(request: Request) -> Response:
    return await _update(request, ("appearance", "language"), "Your preferences were saved.")


@post("/account/avatar", include_in_schema=False, guards=ANY_USER)
async def upload_avatar(request: Request) -> Response:
    form = await request.form()
    upload = form.get("avatar")
    content = await upload.read(avatar.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        await avatar.set_avatar(audit_context(request), principal_of(request).user_id, content)
    except DomainError as exc:
        return await _settings(request, exc.status_code, errors=by_field(domain_errors(exc)))
    return redirect("/account", flash="Your picture was updated.")


@post("/account/avatar/remove", include_in_schema=False, guards=ANY_USER)
async def remove_avatar(request: Request) -> Response:
    await avatar.remove_avatar(audit_context(request), principal_of(request).user_id)
    return redirect("/account", flash="Your picture was removed.")


@get("/account/avatar/{user_id:int}", include_in_schema=False, guards=ANY_USER)
async def show_avatar(request: Request, user_id: FromPath[int]) -> Response:
    p = principal_of(request)
    return avatar_response(request, *await avatar.read_avatar(p.scope, p.user_id, user_id))


def _two_factor_url(request: Request) -> str:
    """The 2FA management page lives with the sign-in security pages; link it once it exists."""
    paths = request.app.route_handler_method_map
    return next((p for p in TWO_FACTOR_PAGES if p in paths), "")


async def _security(request: Request, status: int = 200, **ctx: Any) -> Response:
    ctx.setdefault("errors", {})
    ctx.setdefault("generated", "")
    ctx.setdefault("two_factor_url", _two_factor_url(request))
    return await _page(request, "account/security.html", "security", status, **ctx)


@get("/account/security", include_in_schema=False, guards=ANY_USER)
async def security_page(request: Request) -> Response:
    return await _security(request)


@post("/account/password", include_in_schema=False, guards=ANY_USER)
async def change_password(request: Request) -> Response:
    raw = await read_form(request)
    if raw.get("action") == "generate":
        return await _security(request, generated=generate_password(), open_password=True)
    fields = ("current_password", "new_password", "confirm_password")
    data, errors = parse({k: str(raw.get(k, "")) for k in fields}, PasswordChange)
    if data is not None:
        p = principal_of(request)
        try:
            await password.change_password(audit_context(request), p.user_id, data, p.token_id)
            return redirect("/account/security", flash="Your password was changed.")
        except DomainError as exc:
            errors = domain_errors(exc)
    return await _security(request, 422, errors=by_field(errors), open_password=True)


async def _tokens(request: Request, status: int = 200, **ctx: Any) -> Response:
    p = principal_of(request)
    ctx.setdefault("errors", {})
    ctx.setdefault("values", {"name": "", "scopes": ["read"], "expires_in_days": 90})
    return await _page(
        request,
        "account/tokens.html",
        "tokens",
        status,
        tokens=await api_tokens.list_tokens(p.user_id, p.token_id),
        max_days=api_tokens.MAX_DAYS,
        **ctx,
    )


@get("/account/tokens", include_in_schema=False, guards=ANY_USER)
async def tokens_page(request: Request) -> Response:
    return await _tokens(request)


@post("/account/tokens", include_in_schema=False, guards=ANY_USER)
async def create_token(request: Request) -> Response:
    form = await request.form()
    values = {
        "name": str(form.get("name", "")),
        "scopes": [s for s in form.getall("scopes", []) if isinstance(s, str)],
        "expires_in_days": str(form.get("expires_in_days", "")),
    }
    data, errors = parse(values, api_tokens.TokenCreate)
    if data is not None:
        try:
            created = await api_tokens.create_token(
                audit_context(request), principal_of(request).user_id, data
            )
            return await _tokens(request, 201, created=created)
        except DomainError as exc:
            errors = domain_errors(exc)
    return await _tokens(request, 422, values=values, errors=by_field(errors))


@post("/account/tokens/{token_id:int}/revoke", include_in_schema=False, guards=ANY_USER)
async def revoke_token(request: Request, token_id: FromPath[int]) -> Response:
    await api_tokens.revoke(audit_context(request), principal_of(request).user_id, token_id)
    return redirect("/account/tokens", flash="The token was revoked.")


@get("/account/delete", include_in_schema=False, guards=ANY_USER)
async def delete_page(request: Request) -> Response:
    return await _page(
        request, "account/delete.html", "security", errors={}, phrase=deletion.CONFIRM_PHRASE
    )


@post("/account/delete", include_in_schema=False, guards=ANY_USER)
async def delete_account(request: Request) -> Response:
    raw = await read_form(request)
    values = {k: str(raw.get(k, "")) for k in ("password", "confirmation")}
    data, errors = parse(values, AccountDelete)
    status = 422
    if data is not None:
        try:
            await deletion.delete_own_account(
                audit_context(request), principal_of(request).user_id, data
            )
        except DomainError as exc:
            errors, status = domain_errors(exc), exc.status_code
        else:
            response = redirect("/login", flash="Your account was deleted.")
            response.cookies.append(_expired_session())
            return response
    return await _page(
        request,
        "account/delete.html",
        "security",
        status,
        errors=by_field(errors),
        phrase=deletion.CONFIRM_PHRASE,
        confirmation=values["confirmation"],
    )


def _expired_session() -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value="",
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        max_age=0,
    )


HANDLERS = [
    settings_page,
    update_name,
    update_preferences,
    upload_avatar,
    remove_avatar,
    show_avatar,
    security_page,
    change_password,
    tokens_page,
    create_token,
    revoke_token,
    delete_page,
    delete_account,
]
