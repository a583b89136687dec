"""The sign-in steps after the password: second factor, forced password change, enrolment.

A pending sign-in lives in the ``bo_login`` cookie (path /login only) until every step is done;
then it is exchanged for the real session cookie. Nothing here is reachable with a session.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie

from core.auth import login_flow as flow
from core.auth import twofactor_setup as setup
from core.auth.policy import generate_password
from core.auth.sms import mask_phone
from core.auth.twofactor import AccountLocked, context_for, load_user
from core.errors import Invalid
from core.settings import get_settings
from core.ui.account import session_cookie
from core.ui.forms import domain_errors, read_form
from core.ui.render import local_path, page, redirect
from core.web.context import client_ip

PENDING_COOKIE = "bo_login"
STEP_PAGES = {
    flow.SECOND_FACTOR: "/login/code",
    flow.CHANGE_PASSWORD: "/login/password",
    flow.ENROL: "/login/enrol",
}
SHELL = "login_base.html"
EXPIRED = "Your sign-in has expired. Please sign in again."


def _pending_cookie(value: str, max_age: int) -> Cookie:
    return Cookie(
        key=PENDING_COOKIE,
        value=value,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        max_age=max_age,
    )


def _next(request: Request, raw: dict | None = None) -> str:
    value = (raw or {}).get("next") or request.query_params.get("next")
    return local_path(value)


async def _go(request: Request, token: dict | None, step: flow.Step, target: str) -> Response:
    """Send the person to the page of ``step``, or sign them in when nothing is left."""
    if step.name == flow.DONE:
        hours = get_settings().session_hours
        secret = await flow.finish(token, step.user_id, client_ip(request), hours)
        response = redirect(target)
        response.cookies.append(session_cookie(secret, hours * 3600))
        response.cookies.append(_pending_cookie("", 0))
        return response
    await flow.send_login_code(step)
    return redirect(f"{STEP_PAGES[step.name]}?next={quote(target, safe='/')}")


async def after_password(request: Request, user: dict, target: str) -> Response:
    step = await flow.next_step(user, [])
    if step.name == flow.DONE:
        hours = get_settings().session_hours
        secret = await flow.open_session(user["id"], "session", hours, client_ip(request))
        response = redirect(target)
        response.cookies.append(session_cookie(secret, hours * 3600))
        return response
    secret = await flow.start_pending(user["id"], client_ip(request))
    response = await _go(request, None, step, target)
    response.cookies.append(_pending_cookie(secret, flow.PENDING_MINUTES * 60))
    return response


async def _pending(request: Request, expected: str) -> tuple[dict, flow.Step] | Response:
    loaded = await flow.load_pending(request.cookies.get(PENDING_COOKIE, ""))
    if loaded is None:
        return redirect("/login", flash=EXPIRED)
    token, step = loaded
    if step.name != expected:
        return await _go(request, token, step, _next(request))
    return token, step


async def _code_page(request, step, error="", status=200) -> Response:
    return await page(
        request,
        "login_code.html",
        status=status,
        method=step.method,
        phone=mask_phone(step.phone) if step.phone else "",
        next=_next(request),
        error=error,
    )


@get("/login/code", include_in_schema=False)
async def code_page(request: Request) -> Response:
    loaded = await _pending(request, flow.SECOND_FACTOR)
    return loaded if isinstance(loaded, Response) else await _code_page(request, loaded[1])


@post("/login/code", include_in_schema=False)
async def code_submit(request: Request) -> Response:
    loaded = await _pending(request, flow.SECOND_FACTOR)
    if isinstance(loaded, Response):
        return loaded
    token, step = loaded
    raw = await read_form(request)
    try:
        step = await flow.pending_code(
            token, step, str(raw.get("code", ""))[:32], client_ip(request)
        )
    except (Invalid, AccountLocked) as exc:
        message = exc.detail if isinstance(exc, AccountLocked) else domain_errors(exc)[0]["message"]
        return await _code_page(request, step, message[:1].upper() + message[1:], exc.status_code)
    return await _go(request, token, step, _next(request, raw))


@post("/login/code/resend", include_in_schema=False)
async def code_resend(request: Request) -> Response:
    loaded = await _pending(request, flow.SECOND_FACTOR)
    if isinstance(loaded, Response):
        return loaded
    sent = await flow.send_login_code(loaded[1], resend=True)
    notice = "A new code was sent." if sent else "A code was sent less than a minute ago."
    return redirect(f"/login/code?next={quote(_next(request), safe='/')}", flash=notice)


async def _password_page(request, step, errors=None, status=200) -> Response:
    return await page(
        request,
        "login_password.html",
        status=status,
        reason=step.reason,
        suggestion=generate_password(),
        errors=errors or {},
        next=_next(request),
    )


@get("/login/password", include_in_schema=False)
async def password_page(request: Request) -> Response:
    loaded = await _pending(request, flow.CHANGE_PASSWORD)
    return loaded if isinstance(loaded, Response) else await _password_page(request, loaded[1])


@post("/login/password", include_in_schema=False)
async def password_submit(request: Request) -> Response:
    loaded = await _pending(request, flow.CHANGE_PASSWORD)
    if isinstance(loaded, Response):
        return loaded
    token, step = loaded
    raw = await read_form(request)
    password, confirm = str(raw.get("password", "")), str(raw.get("confirm", ""))
    try:
        step = await flow.pending_password(token, step, password, confirm, client_ip(request))
    except Invalid as exc:
        errors = {e["field"]: [e["message"]] for e in domain_errors(exc)}
        return await _password_page(request, loaded[1], errors, 422)
    return await _go(request, token, step, _next(request, raw))


# --- enrolment during sign-in -------------------------------------------------------------


@get("/login/enrol", include_in_schema=False)
async def enrol_page(request: Request) -> Response:
    loaded = await _pending(request, flow.ENROL)
    if isinstance(loaded, Response):
        return loaded
    user = await load_user(loaded[1].user_id)
    return await page(
        request, "login_enrol.html", next=_next(request), phone=user["phone"], errors={}
    )


@post("/login/enrol/phone", include_in_schema=False)
async def enrol_phone(request: Request) -> Response:
    loaded = await _pending(request, flow.ENROL)
    if isinstance(loaded, Response):
        return loaded
    raw = await read_form(request)
    try:
        phone = await setup.start_phone(
            loaded[1].user_id, str(raw.get("phone", ""))[:32], resend=True
        )
    except (Invalid, AccountLocked) as exc:
        return await page(
            request,
            "login_enrol.html",
            status=exc.status_code,
            next=_next(request, raw),
            phone=str(raw.get("phone", ""))[:32],
            errors={"phone": [m["message"] for m in domain_errors(exc)]},
        )
    return await _confirm_phone_page(request, mask_phone(phone), _next(request, raw))


async def _confirm_phone_page(request, phone, target, error="", status=200) -> Response:
    return await page(
        request,
        "security/phone_confirm.html",
        status=status,
        shell=SHELL,
        action="/login/enrol/phone/confirm",
        cancel="/login/enrol",
        phone=phone,
        next=target,
        error=error,
    )


async def _enrolled(request: Request, token: dict, step: flow.Step, codes: list[str], target):
    hours = get_settings().session_hours
    secret = await flow.finish(token, step.user_id, client_ip(request), hours)
    response = await page(
        request, "security/recovery_codes.html", shell=SHELL, codes=codes, continue_to=target
    )
    response.cookies.append(session_cookie(secret, hours * 3600))
    response.cookies.append(_pending_cookie("", 0))
    return response


@post("/login/enrol/phone/confirm", include_in_schema=False)
async def enrol_phone_confirm(request: Request) -> Response:
    loaded = await _pending(request, flow.ENROL)
    if isinstance(loaded, Response):
        return loaded

    async def retry(user: dict, target: str, message: str, status: int) -> Response:
        phone = mask_phone(await setup.pending_phone(user["id"]))
        return await _confirm_phone_page(request, phone, target, message, status)

    return await _confirm_enrolment(request, loaded, setup.confirm_phone, retry)


async def _confirm_enrolment(request: Request, loaded, confirm, retry) -> Response:
    """Check an enrolment code with ``confirm``; a wrong one shows the form again (``retry``)."""
    token, step = loaded
    raw = await read_form(request)
    target = _next(request, raw)
    user = await load_user(step.user_id)
    try:
        codes = await confirm(
            user["id"], str(raw.get("code", ""))[:32], context_for(user, client_ip(request))
        )
    except (Invalid, AccountLocked) as exc:
        message = domain_errors(exc)[0]["message"]
        return await retry(user, target, message[:1].upper() + message[1:], exc.status_code)
    return await _enrolled(request, token, step, codes, target)


@get("/login/enrol/totp", include_in_schema=False)
async def enrol_totp(request: Request) -> Response:
    loaded = await _pending(request, flow.ENROL)
    if isinstance(loaded, Response):
        return loaded
    started = await setup.start_totp(loaded[1].user_id)
    return await _totp_page(request, started, _next(request))


async def _totp_page(request, started, target, error="", status=200) -> Response:
    return await page(
        request,
        "security/totp.html",
        status=status,
        shell=SHELL,
        action="/login/enrol/totp/confirm",
        cancel="/login/enrol",
        started=started,
        next=target,
        error=error,
    )


@post("/login/enrol/totp/confirm", include_in_schema=False)
async def enrol_totp_confirm(request: Request) -> Response:
    loaded = await _pending(request, flow.ENROL)
    if isinstance(loaded, Response):
        return loaded

    async def retry(user: dict, target: str, message: str, status: int) -> Response:
        started = await setup.pending_totp(user["id"])
        return await _totp_page(request, started, target, message, status)

    return await _confirm_enrolment(request, loaded, setup.confirm_totp, retry)


HANDLERS = [
    code_page,
    code_submit,
    code_resend,
    password_page,
    password_submit,
    enrol_page,
    enrol_phone,
    enrol_phone_confirm,
    enrol_totp,
    enrol_totp_confirm,
]
