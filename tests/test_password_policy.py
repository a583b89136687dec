"""Appendix 1, rule by rule: each password rule and each time-based rule has its own test."""

from __future__ import annotations

import pytest
from signin_helpers import ago, api_login, bearer, set_user

from core.audit.recorder import AuditContext
from core.errors import Invalid


def ctx_for(user: dict) -> AuditContext:
    return AuditContext(company_id=user["company"], user_id=user["id"], user_label="t", ip="")


async def rule_broken(user_id, password, by_admin=False) -> str:
    from core.auth.policy import check_new_password

    with pytest.raises(Invalid) as info:
        await check_new_password(user_id, password, by_admin=by_admin)
    assert info.value.errors[0]["field"] == "password"
    return info.value.errors[0]["message"]


async def test_minimum_length_is_eight(bo_factory):
    from core.auth.policy import check_new_password

    await bo_factory.owner()
    assert "at least 8" in await rule_broken(None, "Ab1!xyz")
    await check_new_password(None, "Ab1!xyzw", by_admin=False)


async def test_three_of_four_character_groups(bo_factory):
    from core.auth.policy import check_new_password

    await bo_factory.owner()
    assert "at least 3 of" in await rule_broken(None, "lowercase123")
    assert "at least 3 of" in await rule_broken(None, "ONLYUPPER!!!")
    for ok in ("Lowercase123", "lowercase1!!", "UPPER!!!lower", "UPPER123!!!"):
        await check_new_password(None, ok, by_admin=False)


async def test_none_of_the_last_seven_passwords(bo_factory):
    from core.auth.policy import check_new_password, set_password

    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    user = await bo_factory.user(owner, is_admin=False)
    history = [f"Secret-{n}-pass" for n in range(8)]
    for password in history:
        await set_password(user["id"], password, by_admin=True, ctx=ctx_for(admin))
    for recent in history[-7:]:
        assert "last 7 passwords" in await rule_broken(user["id"], recent, by_admin=True)
    await check_new_password(user["id"], history[0], by_admin=True)  # the 8th-newest is free


async def test_no_self_change_within_24_hours_but_admins_may(bo_factory):
    from core.auth.policy import check_new_password, set_password

    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    user = await bo_factory.user(owner, is_admin=False)
    await set_user(user["id"], password_changed_at=ago(hours=23))
    assert "24 hours" in await rule_broken(user["id"], "Brand-new-1")
    await check_new_password(user["id"], "Brand-new-1", by_admin=True)
    await set_password(user["id"], "Brand-new-1", by_admin=True, ctx=ctx_for(admin))
    await set_user(user["id"], password_changed_at=ago(hours=25))
    await set_password(user["id"], "Brand-new-2", by_admin=False, ctx=ctx_for(user))


async def test_generated_passwords_satisfy_the_policy(bo_factory):
    from core.auth.policy import check_new_password, generate_password

    await bo_factory.owner()
    seen = {generate_password() for _ in range(20)}
    assert len(seen) == 20
    for password in seen:
        await check_new_password(None, password, by_admin=False)


async def test_expired_password_forces_a_change_at_sign_in(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner(), is_admin=False)
    await set_user(user["id"], password_changed_at=ago(days=61))
    res = await api_login(bo_client, user)
    assert res.status_code == 403
    assert res.json()["password_change_required"] is True and res.json()["reason"] == "expired"
    weak = await api_login(bo_client, user, new_password="short")
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    same = await api_login(bo_client, user, new_password=user["password"])
    assert same.status_code == 422 and "last 7" in same.json()["detail"]
    headers = bearer(await api_login(bo_client, user, new_password="Fresh-pass-1"))
    assert (await bo_client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (await api_login(bo_client, {**user, "password": "Fresh-pass-1"})).status_code == 201


async def test_password_set_by_someone_else_must_be_changed_at_first_sign_in(bo_client, bo_factory):
    from core.auth.models import User
    from core.auth.policy import set_password

    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    assert (await api_login(bo_client, admin)).status_code == 201  # chose their own: not forced
    user = await bo_factory.user(owner, is_admin=False)
    await set_password(user["id"], "Given-by-admin1", by_admin=True, ctx=ctx_for(admin))
    row = await User.select(User.must_change_password).where(User.id == user["id"]).first()
    assert row["must_change_password"] is True
    given = {**user, "password": "Given-by-admin1"}
    res = await api_login(bo_client, given)
    assert res.status_code == 403 and res.json()["reason"] == "first_login"
    # The forced change ignores the 24-hour minimum age: the admin set it a moment ago.
    bearer(await api_login(bo_client, given, new_password="My-own-choice1"))
    row = await User.select(User.must_change_password).where(User.id == user["id"]).first()
    assert row["must_change_password"] is False


async def test_password_set_by_admin_for_themself_is_not_forced(bo_factory):
    from core.auth.models import User
    from core.auth.policy import set_password

    admin = await bo_factory.user(await bo_factory.owner())
    await set_password(admin["id"], "Admin-own-pass1", by_admin=True, ctx=ctx_for(admin))
    row = await User.select(User.must_change_password).where(User.id == admin["id"]).first()
    assert row["must_change_password"] is False


async def test_blocked_after_180_days_without_sign_in_but_not_admins(bo_client, bo_factory):
    from core.audit.models import AuditEvent
    from core.auth.models import User

    owner = await bo_factory.owner()
    user = await bo_factory.user(owner, is_admin=False)
    admin = await bo_factory.user(owner, is_admin=True)
    for person in (user, admin):
        await set_user(person["id"], last_login_at=ago(days=181))
    res = await api_login(bo_client, user)
    assert res.status_code == 401 and "not active" in res.json()["detail"]
    row = await User.select(User.status).where(User.id == user["id"]).first()
    assert row["status"] == "inactive"
    assert await AuditEvent.exists().where(AuditEvent.action.like("User blocked after 180 days%"))
    assert (await api_login(bo_client, admin)).status_code == 201


async def test_the_periodic_job_blocks_inactive_users(bo_factory):
    from core.auth.inactivity import block_inactive_users
    from core.auth.models import User

    owner = await bo_factory.owner()
    stale = await bo_factory.user(owner, is_admin=False)
    never = await bo_factory.user(owner, is_admin=False)
    recent = await bo_factory.user(owner, is_admin=False)
    admin = await bo_factory.user(owner, is_admin=True)
    await set_user(stale["id"], last_login_at=ago(days=200))
    await set_user(never["id"], created_at=ago(days=181))
    await set_user(recent["id"], last_login_at=ago(days=10), created_at=ago(days=400))
    await set_user(admin["id"], last_login_at=ago(days=400))
    assert await block_inactive_users() == 2
    rows = await User.select(User.id, User.status)
    inactive = {r["id"] for r in rows if r["status"] == "inactive"}
    assert inactive == {stale["id"], never["id"]}


async def test_idle_session_is_signed_out_after_60_minutes(bo_client, bo_factory):
    from core.auth.models import AuthToken

    user = await bo_factory.user(await bo_factory.owner())
    secret = await bo_factory.token(user, kind="session")
    bo_client.cookies.set("bo_session", secret)
    assert (await bo_client.get("/account")).status_code == 200
    row = await AuthToken.select(AuthToken.id, AuthToken.last_used_at).first()
    assert row["last_used_at"] is not None
    await AuthToken.update({AuthToken.last_used_at: ago(minutes=59)}).where(
        AuthToken.id == row["id"]
    )
    assert (await bo_client.get("/account")).status_code == 200
    await AuthToken.update({AuthToken.last_used_at: ago(minutes=61)}).where(
        AuthToken.id == row["id"]
    )
    res = await bo_client.get("/account")
    assert res.status_code == 303 and res.headers["location"].startswith("/login")
    revoked = await AuthToken.select(AuthToken.revoked_at).where(AuthToken.id == row["id"]).first()
    assert revoked["revoked_at"] is not None


async def test_last_use_is_written_at_most_once_a_minute(bo_client, bo_factory):
    from core.auth.models import AuthToken

    user = await bo_factory.user(await bo_factory.owner())
    bo_client.cookies.set("bo_session", await bo_factory.token(user, kind="session"))
    await bo_client.get("/account")
    first = (await AuthToken.select(AuthToken.last_used_at).first())["last_used_at"]
    await bo_client.get("/account")
    assert (await AuthToken.select(AuthToken.last_used_at).first())["last_used_at"] == first
