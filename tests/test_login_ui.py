"""The sign-in steps in the UI: code page, forced password change, forced enrolment, lock."""

from __future__ import annotations

import re

import pyotp
from signin_helpers import PHONE, ago, last_sms_code, set_user, with_sms
from test_ui_helpers import csrf_of, token_for


async def start(client, user: dict, next_path: str = "/account"):
    client.cookies.clear()
    token = await token_for(client, "/login")
    return await client.post(
        "/login",
        data={
            "_csrf_token": token,
            "login": user["email"],
            "password": user["password"],
            "next": next_path,
        },
    )


FORM_PAGES = {
    "/login/enrol/phone": "/login/enrol",
    "/login/enrol/phone/confirm": "/login/enrol",
    "/login/enrol/totp/confirm": "/login/enrol",
    "/account/two-factor/phone/confirm": "/account/two-factor",
    "/account/two-factor/recovery-codes": "/account/two-factor",
    "/account/two-factor/disable": "/account/two-factor",
}


async def submit(client, path: str, data: dict):
    """POST with the CSRF token of the page that shows the form."""
    page = await client.get(FORM_PAGES.get(path, path))
    return await client.post(path, data={"_csrf_token": csrf_of(page.text), **data})


def has_session(res) -> bool:
    return any(
        h.startswith("bo_session=") and not h.startswith("bo_session=;")
        for h in res.headers.get_list("set-cookie")
    )


async def test_sms_code_step(bo_client, bo_factory):
    user = await with_sms(await bo_factory.user(await bo_factory.owner(), is_admin=False))
    res = await start(bo_client, user)
    assert res.status_code == 303 and res.headers["location"] == "/login/code?next=/account"
    assert not has_session(res)
    assert (await bo_client.get("/account")).status_code == 303  # the pending step opens nothing
    page = await bo_client.get("/login/code?next=/account")
    assert page.status_code == 200 and PHONE[-2:] in page.text and PHONE not in page.text
    wrong = await submit(bo_client, "/login/code?next=/account", {"code": "000000"})
    assert wrong.status_code == 422 and "2 attempt(s) left" in wrong.text
    done = await submit(bo_client, "/login/code", {"code": last_sms_code(), "next": "/account"})
    assert done.status_code == 303 and done.headers["location"] == "/account" and has_session(done)
    assert (await bo_client.get("/account")).status_code == 200


async def test_three_wrong_codes_show_the_lock(bo_client, bo_factory):
    user = await with_sms(await bo_factory.user(await bo_factory.owner(), is_admin=False))
    await start(bo_client, user)
    for _ in range(2):
        await submit(bo_client, "/login/code", {"code": "000000"})
    locked = await submit(bo_client, "/login/code", {"code": "000000"})
    assert locked.status_code == 423 and "locked for 10" in locked.text
    again = await start(bo_client, user)  # the right password does not get round the lock
    assert again.status_code == 423 and "locked" in again.text


async def test_first_sign_in_forces_a_password_change(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner(), is_admin=False)
    await set_user(user["id"], must_change_password=True, password_changed_at=ago(minutes=5))
    res = await start(bo_client, user)
    assert res.headers["location"] == "/login/password?next=/account"
    page = await bo_client.get("/login/password?next=/account")
    suggestion = re.search(r"data-generated-password>([^<]+)<", page.text).group(1)
    mismatch = await submit(bo_client, "/login/password", {"password": "Abc-12345", "confirm": "x"})
    assert mismatch.status_code == 422 and "differ" in mismatch.text
    weak = await submit(bo_client, "/login/password", {"password": "abc", "confirm": "abc"})
    assert weak.status_code == 422 and "at least 8" in weak.text
    import html

    new = html.unescape(suggestion)
    done = await submit(
        bo_client, "/login/password", {"password": new, "confirm": new, "next": "/account"}
    )
    assert done.status_code == 303 and has_session(done)
    assert (await bo_client.get("/account")).status_code == 200


async def test_expired_password_then_code_order(bo_client, bo_factory):
    """With 2FA on, the code comes first: a password alone cannot replace the password."""
    user = await with_sms(await bo_factory.user(await bo_factory.owner(), is_admin=False))
    await set_user(user["id"], password_changed_at=ago(days=70))
    res = await start(bo_client, user)
    assert res.headers["location"].startswith("/login/code")
    assert (await bo_client.get("/login/password")).headers["location"].startswith("/login/code")
    step = await submit(bo_client, "/login/code", {"code": last_sms_code()})
    assert step.headers["location"].startswith("/login/password")
    page = await bo_client.get(step.headers["location"])
    assert "has expired" in page.text


async def test_company_requirement_forces_sms_enrolment(bo_client, bo_factory):
    company = await bo_factory.company(kind="reseller", two_factor_required=True)  # issue 8
    user = await bo_factory.user(company, is_admin=False)
    res = await start(bo_client, user)
    assert res.headers["location"] == "/login/enrol?next=/account"
    bad = await submit(bo_client, "/login/enrol/phone", {"phone": "12345"})
    assert bad.status_code == 422 and "country code" in bad.text
    sent = await submit(bo_client, "/login/enrol/phone", {"phone": PHONE, "next": "/account"})
    assert sent.status_code == 200 and "Enter the code" in sent.text
    done = await submit(
        bo_client, "/login/enrol/phone/confirm", {"code": last_sms_code(), "next": "/account"}
    )
    assert done.status_code == 200 and has_session(done)
    assert len(re.findall(r"<li><code>", done.text)) == 10
    page = await bo_client.get("/account/two-factor")
    assert page.status_code == 200 and "Required by your company" in page.text
    assert "/account/two-factor/disable" not in page.text
    token = csrf_of(page.text)
    off = await bo_client.post("/account/two-factor/disable", data={"_csrf_token": token})
    assert off.status_code == 303
    from core.auth.models import User

    row = await User.select(User.two_factor_method).where(User.id == user["id"]).first()
    assert row["two_factor_method"] == "sms"


async def test_totp_enrolment_during_sign_in(bo_client, bo_factory):
    company = await bo_factory.company(kind="reseller", two_factor_required=True)  # issue 8
    user = await bo_factory.user(company, is_admin=False)
    await start(bo_client, user)
    page = await bo_client.get("/login/enrol/totp?next=/account")
    assert page.status_code == 200 and "<svg" in page.text
    seed = re.search(r"data-totp-secret>([A-Z2-7]+)<", page.text).group(1)
    wrong = await submit(bo_client, "/login/enrol/totp/confirm", {"code": "000000"})
    assert wrong.status_code == 422 and seed in wrong.text  # same setup shown again
    done = await submit(
        bo_client, "/login/enrol/totp/confirm", {"code": pyotp.TOTP(seed).now(), "next": "/"}
    )
    assert done.status_code == 200 and has_session(done)


async def test_two_factor_pages_in_my_account(bo_client, bo_factory):
    from core.auth.models import AuthToken

    user = await bo_factory.user(await bo_factory.owner(), is_admin=False)
    other = await bo_factory.token(user, kind="session")
    await start(bo_client, user)
    page = await bo_client.get("/account/two-factor")
    assert page.status_code == 200 and "Off" in page.text
    sent = await submit(bo_client, "/account/two-factor/phone", {"phone": PHONE})
    assert sent.status_code == 200
    done = await submit(bo_client, "/account/two-factor/phone/confirm", {"code": last_sms_code()})
    assert done.status_code == 200 and "other sessions were signed out" in done.text
    row = (
        await AuthToken.select(AuthToken.revoked_at)
        .where(AuthToken.token_hash == __import__("core.auth.tokens").auth.tokens.hash_token(other))
        .first()
    )
    assert row["revoked_at"] is not None
    assert (await bo_client.get("/account/two-factor")).status_code == 200  # mine still works
    regen = await submit(bo_client, "/account/two-factor/recovery-codes", {})
    assert regen.status_code == 200 and len(re.findall(r"<li><code>", regen.text)) == 10
    off = await submit(bo_client, "/account/two-factor/disable", {})
    assert off.status_code == 303
    assert "Off" in (await bo_client.get("/account/two-factor")).text


async def test_dev_sms_outbox_page_is_for_system_owner_admins(bo_client, bo_factory):
    from test_ui_helpers import sign_in

    owner = await bo_factory.owner()
    sms_user = await with_sms(await bo_factory.user(owner, is_admin=False))
    await start(bo_client, sms_user)  # sends a code
    admin = await bo_factory.user(owner)
    await sign_in(bo_client, admin)
    page = await bo_client.get("/dev/sms")
    assert page.status_code == 200 and last_sms_code() in page.text
    reseller_admin = await bo_factory.user(await bo_factory.company(kind="reseller"))
    await sign_in(bo_client, reseller_admin)
    assert (await bo_client.get("/dev/sms")).status_code == 404
