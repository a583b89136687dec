"""Second factor at sign-in (API): SMS codes, TOTP, recovery codes, the lock, enrolment rules."""

from __future__ import annotations

import pyotp
from signin_helpers import (
    OTHER_PHONE,
    PHONE,
    ago,
    api_login,
    bearer,
    last_sms_code,
    set_user,
    with_sms,
)


async def test_sms_code_sign_in(bo_client, bo_factory):
    from core.auth.models import OneTimeCode

    user = await with_sms(await bo_factory.user(await bo_factory.owner(), is_admin=False))
    first = await api_login(bo_client, user)
    assert first.status_code == 401
    body = first.json()
    assert body["second_factor_required"] is True and body["methods"] == ["sms", "recovery"]
    assert body["code_sent"] is True
    code = last_sms_code()
    stored = await OneTimeCode.select(OneTimeCode.code_hash).first()
    assert code not in stored["code_hash"]  # only a keyed digest is kept
    again = await api_login(bo_client, user)
    assert again.json()["code_sent"] is False  # a live code is not replaced on every call
    headers = bearer(await api_login(bo_client, user, code=code))
    assert (await bo_client.get("/api/v1/me", headers=headers)).status_code == 200
    reused = await api_login(bo_client, user, code=code)
    assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "code"


async def test_totp_enrolment_and_sign_in(bo_client, bo_factory, bo_api):
    user = await bo_factory.user(await bo_factory.owner(), is_admin=False)
    api = await bo_api(user)
    started = await api.post("/api/v1/me/two-factor/totp")
    assert started.status_code == 201
    seed = started.json()["secret"]
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    wrong = await api.post("/api/v1/me/two-factor/totp/confirm", json={"code": "000000"})
    assert wrong.status_code == 422
    done = await api.post(
        "/api/v1/me/two-factor/totp/confirm", json={"code": pyotp.TOTP(seed).now()}
    )
    assert done.status_code == 200 and len(done.json()["recovery_codes"]) == 10
    status = (await api.get("/api/v1/me/two-factor")).json()
    assert status["enabled"] and status["method"] == "totp" and status["recovery_codes_left"] == 10

    from core.auth.models import User

    stored = await User.select(User.totp_secret).where(User.id == user["id"]).first()
    assert stored["totp_secret"] and seed not in stored["totp_secret"]  # encrypted at rest
    first = await api_login(bo_client, user)
    assert first.status_code == 401 and first.json()["methods"] == ["totp", "recovery"]
    assert first.json()["code_sent"] is False
    code = pyotp.TOTP(seed).now()
    bearer(await api_login(bo_client, user, code=code))
    replay = await api_login(bo_client, user, code=code)  # the same code never counts twice
    assert replay.status_code == 422 and "not correct" in replay.text


async def test_recovery_code_works_once(bo_client, bo_factory, bo_api):
    user = await with_sms(await bo_factory.user(await bo_factory.owner(), is_admin=False))
    codes = (await (await bo_api(user)).post("/api/v1/me/two-factor/recovery-codes")).json()[
        "recovery_codes"
    ]
    assert len(set(codes)) == 10
    bearer(await api_login(bo_client, user, code=codes[3]))
    again = await api_login(bo_client, user, code=codes[3])
    assert again.status_code == 422
    bearer(await api_login(bo_client, user, code=codes[4].upper().replace("-", "")))


async def test_three_wrong_codes_lock_for_ten_minutes(bo_client, bo_factory):
    from core.audit.models import AuditEvent
    from core.auth.models import User

    user = await with_sms(await bo_factory.user(await bo_factory.owner(), is_admin=False))
    await api_login(bo_client, user)
    good = last_sms_code()
    bad = "111111" if good != "111111" else "222222"
    for left in (2, 1):
        res = await api_login(bo_client, user, code=bad)
        assert res.status_code == 422 and f"{left} attempt" in res.json()["detail"]
    locked = await api_login(bo_client, user, code=bad)
    assert locked.status_code == 423 and "locked for 10" in locked.json()["detail"]
    still = await api_login(bo_client, user, code=good)  # even the right code waits
    assert still.status_code == 423
    assert await AuditEvent.exists().where(AuditEvent.action == "Account locked after wrong codes")
    # Time travel: the lock ran out.
    await set_user(user["id"], locked_until=ago(seconds=1))
    bearer(await api_login(bo_client, user, code=good))
    row = (
        await User.select(User.failed_code_attempts, User.locked_until)
        .where(User.id == user["id"])
        .first()
    )
    assert row["failed_code_attempts"] == 0 and row["locked_until"] is None


async def test_company_requirement_locks_the_toggle_and_demands_enrolment(bo_client, bo_factory):
    # a reseller: a client's users are client-portal users, refused by BackOffice (issue 8)
    company = await bo_factory.company(kind="reseller", two_factor_required=True)
    user = await bo_factory.user(company, is_admin=False)
    res = await api_login(bo_client, user)
    assert res.status_code == 403 and "two_factor_enrolment_required" in res.json()["detail"]
    from core.auth.twofactor import company_requires

    assert await company_requires(company["id"]) is True
    await with_sms(user)
    headers = bearer(await api_login(bo_client, user, code=await _sms_code_for(bo_client, user)))
    status = (await bo_client.get("/api/v1/me/two-factor", headers=headers)).json()
    assert status["required_by_company"] is True
    off = await bo_client.delete("/api/v1/me/two-factor", headers=headers)
    assert off.status_code == 409
    assert (await bo_client.get("/api/v1/me/two-factor", headers=headers)).json()["enabled"]


async def _sms_code_for(client, user) -> str:
    await api_login(client, user)
    return last_sms_code()


async def test_user_may_turn_off_own_2fa_when_not_required(bo_client, bo_factory, bo_api):
    user = await with_sms(await bo_factory.user(await bo_factory.owner(), is_admin=False))
    api = await bo_api(user)
    assert (await api.delete("/api/v1/me/two-factor")).status_code == 204
    assert (await api_login(bo_client, user)).status_code == 201


async def test_adding_or_changing_the_phone_ends_other_sessions(bo_client, bo_factory, bo_api):
    from core.auth.models import AuthToken

    user = await bo_factory.user(await bo_factory.owner(), is_admin=False)
    other_session = await bo_factory.token(user, kind="session")
    api = await bo_api(user)
    sent = await api.post("/api/v1/me/two-factor/phone", json={"phone": "+49 151 12345678"})
    assert sent.status_code == 202 and PHONE not in sent.text
    bad = await api.post("/api/v1/me/two-factor/phone", json={"phone": "+12345"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    confirmed = await api.post(
        "/api/v1/me/two-factor/phone/confirm", json={"code": last_sms_code(PHONE)}
    )
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
    bo_client.cookies.set("bo_session", other_session)
    assert (await bo_client.get("/account")).status_code == 303  # that session ended
    assert (await api.get("/api/v1/me/two-factor")).status_code == 200  # this one lives on
    live = await AuthToken.select().where(
        AuthToken.kind == "session", AuthToken.revoked_at.is_null()
    )
    assert live == []
    # Changing the number again ends the sessions opened since.
    newer = await bo_factory.token(user, kind="session")
    await api.post("/api/v1/me/two-factor/phone", json={"phone": OTHER_PHONE})
    await api.post("/api/v1/me/two-factor/phone/confirm", json={"code": last_sms_code(OTHER_PHONE)})
    bo_client.cookies.set("bo_session", newer)
    assert (await bo_client.get("/account")).status_code == 303


async def test_secrets_never_reach_api_output_or_the_audit(bo_client, bo_factory, bo_api):
    from core.audit.models import AuditChange, AuditEvent
    from core.auth.models import OneTimeCode, RecoveryCode, User

    user = await bo_factory.user(await bo_factory.owner(), is_admin=False)
    api = await bo_api(user)
    seed = (await api.post("/api/v1/me/two-factor/totp")).json()["secret"]
    codes = (
        await api.post("/api/v1/me/two-factor/totp/confirm", json={"code": pyotp.TOTP(seed).now()})
    ).json()["recovery_codes"]
    await api.post("/api/v1/me/two-factor/phone", json={"phone": PHONE})
    sms = last_sms_code()
    await api.post("/api/v1/me/two-factor/phone/confirm", json={"code": sms})
    await api_login(bo_client, {**user, "password": "Wrong-pass-1"})
    row = await User.select().where(User.id == user["id"]).first()
    secrets = [
        seed,
        row["totp_secret"],
        row["password_hash"],
        user["password"],
        "Wrong-pass-1",
        sms,
        *codes,
        *(c.replace("-", "") for c in codes),
        *(r["code_hash"] for r in await RecoveryCode.select(RecoveryCode.code_hash)),
        *(r["code_hash"] for r in await OneTimeCode.select(OneTimeCode.code_hash)),
    ]
    audit = repr(await AuditEvent.select()) + repr(await AuditChange.select())
    status = (await api.get("/api/v1/me/two-factor")).text
    for secret in secrets:
        assert secret and secret not in audit and secret not in status
    assert PHONE not in audit and PHONE not in status  # the number is masked
