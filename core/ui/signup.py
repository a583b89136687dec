"""The public sign-up page an invitation email links to (no session needed: the token is the
credential). "Generate" is a plain form button, so it works without JavaScript."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.errors import Conflict, Invalid, NotFound
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.users.invitations import InvitationGone, find_by_token
from core.users.schemas import SignupRequest
from core.users.signup import accept_invitation
from core.web.context import client_ip

FIELDS = ("first_name", "last_name", "phone", "login")


async def _closed(request: Request, exc: NotFound | InvitationGone) -> Response:
    reason = exc.reason if isinstance(exc, InvitationGone) else "invalid"
    return await page(
        request, "signup/closed.html", status=exc.status_code, reason=reason, detail=exc.detail
    )


async def _form(request: Request, token: str, invitation: dict, values, errors, status=200):
    return await page(
        request,
        "signup/form.html",
        status=status,
        token=token,
        invitation=invitation,
        values=values,
        errors=by_field(errors),
    )


@get("/signup/{token:str}", include_in_schema=False)
async def signup_page(request: Request, token: FromPath[str]) -> Response:
    try:
        invitation = await find_by_token(token)
    except (NotFound, InvitationGone) as exc:
        return await _closed(request, exc)
    return await _form(request, token, invitation, {}, [])


@post("/signup/{token:str}", include_in_schema=False)
async def signup_submit(request: Request, token: FromPath[str]) -> Response:
    from core.auth.policy import generate_password

    try:
        invitation = await find_by_token(token)
    except (NotFound, InvitationGone) as exc:
        return await _closed(request, exc)
    raw = await read_form(request)
    values = {name: str(raw.get(name, "")) for name in FIELDS}
    if raw.get("action") == "generate":
        password = generate_password()
        shown = {**values, "password": password, "password_confirm": password, "generated": True}
        return await _form(request, token, invitation, shown, [])
    posted = {
        **values,
        "password": str(raw.get("password", "")),
        "password_confirm": str(raw.get("password_confirm", "")),
    }
    data, errors = parse(posted, SignupRequest)
    if data is None:
        return await _form(request, token, invitation, values, errors, 422)
    try:
        await accept_invitation(token, data, client_ip(request))
    except (NotFound, InvitationGone) as exc:
        return await _closed(request, exc)
    except (Invalid, Conflict) as exc:
        return await _form(request, token, invitation, values, domain_errors(exc), 422)
    return redirect(
        "/login",
        flash="Your account is ready. Sign in with your login or email and your new password.",
    )


HANDLERS = [signup_page, signup_submit]
