"""My account → Security: the signed-in user's second factor; Settings → Password policy.

The pages only call ``core.auth.twofactor_setup`` and ``core.auth.policy_api``, the same code
the API uses, so the two can never disagree about a rule.
"""

from __future__ import annotations

from litestar import Request, Response, get, post

from core.access.guards import requires, signed_in
from core.auth import twofactor_setup as setup
from core.auth.policy_api import PolicyIn, read_policy, update_policy
from core.auth.sms import DevSmsSender, get_sender, mask_phone
from core.auth.twofactor import AccountLocked
from core.errors import Conflict, Invalid, NotFound
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.web.context import audit_context, principal_of

SHELL = "layout.html"
HOME = "/account/two-factor"


def _first(exc: Exception) -> str:
    message = domain_errors(exc)[0]["message"]
    return message[:1].upper() + message[1:]


@get(HOME, include_in_schema=False, guards=[signed_in()])
async def security_home(request: Request) -> Response:
    status = await setup.status(principal_of(request).user_id)
    return await page(request, "security/index.html", active="account", tfa=status)


@get(f"{HOME}/phone", include_in_schema=False, guards=[signed_in()])
async def phone_form(request: Request) -> Response:
    return await page(
        request, "security/phone.html", active="account", values={"phone": ""}, errors={}
    )


@post(f"{HOME}/phone", include_in_schema=False, guards=[signed_in()])
async def phone_send(request: Request) -> Response:
    raw = await read_form(request)
    entered = str(raw.get("phone", ""))[:32]
    try:
        phone = await setup.start_phone(principal_of(request).user_id, entered, resend=True)
    except (Invalid, AccountLocked) as exc:
        return await page(
            request,
            "security/phone.html",
            status=exc.status_code,
            active="account",
            values={"phone": entered},
            errors={"phone": [_first(exc)]},
        )
    return await _confirm_page(request, mask_phone(phone))


async def _confirm_page(request, phone, error="", status=200) -> Response:
    return await page(
        request,
        "security/phone_confirm.html",
        status=status,
        active="account",
        shell=SHELL,
        action=f"{HOME}/phone/confirm",
        cancel=HOME,
        phone=phone,
        next=HOME,
        error=error,
    )


async def _codes_page(request: Request, codes: list[str], notice: str) -> Response:
    if not codes:
        return redirect(HOME, flash=notice)
    return await page(
        request,
        "security/recovery_codes.html",
        active="account",
        shell=SHELL,
        codes=codes,
        continue_to=HOME,
        notice=notice,
    )


@post(f"{HOME}/phone/confirm", include_in_schema=False, guards=[signed_in()])
async def phone_confirm(request: Request) -> Response:
    p = principal_of(request)
    raw = await read_form(request)
    try:
        codes = await setup.confirm_phone(
            p.user_id,
            str(raw.get("code", ""))[:32],
            audit_context(request),
            keep_token_id=p.token_id,
        )
    except (Invalid, AccountLocked) as exc:
        phone = mask_phone(await setup.pending_phone(p.user_id))
        return await _confirm_page(request, phone, _first(exc), exc.status_code)
    notice = "SMS codes are on. Your other sessions were signed out."
    return await _codes_page(request, codes, notice)


@get(f"{HOME}/totp", include_in_schema=False, guards=[signed_in()])
async def totp_form(request: Request) -> Response:
    started = await setup.start_totp(principal_of(request).user_id)
    return await _totp_page(request, started)


async def _totp_page(request, started, error="", status=200) -> Response:
    return await page(
        request,
        "security/totp.html",
        status=status,
        active="account",
        shell=SHELL,
        action=f"{HOME}/totp/confirm",
        cancel=HOME,
        started=started,
        next=HOME,
        error=error,
    )


@post(f"{HOME}/totp/confirm", include_in_schema=False, guards=[signed_in()])
async def totp_confirm(request: Request) -> Response:
    p = principal_of(request)
    raw = await read_form(request)
    try:
        codes = await setup.confirm_totp(
            p.user_id,
            str(raw.get("code", ""))[:32],
            audit_context(request),
            keep_token_id=p.token_id,
        )
    except (Invalid, AccountLocked) as exc:
        started = await setup.pending_totp(p.user_id)
        return await _totp_page(request, started, _first(exc), exc.status_code)
    return await _codes_page(request, codes, "The authenticator app is set up.")


@post(f"{HOME}/disable", include_in_schema=False, guards=[signed_in()])
async def disable(request: Request) -> Response:
    try:
        await setup.disable(principal_of(request).user_id, audit_context(request))
    except Conflict as exc:
        return redirect(HOME, flash=_first(exc))
    return redirect(HOME, flash="Two-factor authentication is off.")


@post(f"{HOME}/recovery-codes", include_in_schema=False, guards=[signed_in()])
async def recovery_codes(request: Request) -> Response:
    try:
        codes = await setup.regenerate_recovery_codes(
            principal_of(request).user_id, audit_context(request)
        )
    except Conflict as exc:
        return redirect(HOME, flash=_first(exc))
    return await _codes_page(request, codes, "New recovery codes; the old ones no longer work.")


POLICY_PAGE = "/settings/password-policy"


@get(POLICY_PAGE, include_in_schema=False, guards=[requires("settings")])
async def policy_form(request: Request) -> Response:
    policy = await read_policy(principal_of(request))
    values = {k: getattr(policy, k) for k in PolicyIn.__struct_fields__}
    return await page(request, "security/policy.html", active="policy", values=values, errors={})


@post(POLICY_PAGE, include_in_schema=False, guards=[requires("settings", "manage")])
async def policy_save(request: Request) -> Response:
    p = principal_of(request)
    await read_policy(p)  # 404 for anyone but the system owner, before reading the form
    values = await read_form(request)
    data, errors = parse(values, PolicyIn)
    if data is None:
        return await page(
            request,
            "security/policy.html",
            status=422,
            active="policy",
            values=values,
            errors=by_field(errors),
        )
    await update_policy(p, audit_context(request), data)
    return redirect(POLICY_PAGE, flash="The password policy was saved.")


def dev_sms_available(p) -> bool:
    """Shared with the menu, which lists the outbox exactly when it would open."""
    return p.is_admin and p.company_kind == "owner" and isinstance(get_sender(), DevSmsSender)


@get("/dev/sms", include_in_schema=False, guards=[signed_in()])
async def dev_sms(request: Request) -> Response:
    """The dev sender's outbox for system-owner admins, only while no real sender is installed."""
    if not dev_sms_available(principal_of(request)):
        raise NotFound("no such page")
    return await page(
        request, "security/dev_sms.html", active="dev_sms", items=DevSmsSender.recent(50)
    )


HANDLERS = [
    dev_sms,
    security_home,
    phone_form,
    phone_send,
    phone_confirm,
    totp_form,
    totp_confirm,
    disable,
    recovery_codes,
    policy_form,
    policy_save,
]
