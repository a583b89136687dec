"""Deactivating a user ends their sessions and API tokens for good, not just while inactive."""

from __future__ import annotations

from core.audit.models import AuditEvent
from core.auth.models import AuthToken


async def test_reactivated_user_old_tokens_stay_dead(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    target = await bo_factory.user(owner, is_admin=False)
    api_secret = await bo_factory.token(target, "api")
    session_secret = await bo_factory.token(target, "session")
    headers = {"Authorization": f"Bearer {api_secret}"}
    assert (await bo_client.get("/api/v1/me", headers=headers)).status_code == 200
    api = await bo_api(admin)
    url = f"/api/v1/users/{target['id']}"
    assert (await api.patch(url, json={"status": "inactive"})).status_code == 200
    assert (await api.patch(url, json={"status": "active"})).status_code == 200
    assert (await bo_client.get("/api/v1/me", headers=headers)).status_code == 401
    bo_client.cookies.set("bo_session", session_secret)
    res = await bo_client.get("/account")
    bo_client.cookies.clear()
    assert res.status_code in (302, 303) or "/login" in str(res.url)
    live = await AuthToken.count().where(
        AuthToken.user == target["id"], AuthToken.revoked_at.is_null()
    )
    assert live == 0
    assert await AuditEvent.exists().where(
        AuditEvent.action == "User's sessions and API tokens revoked"
    )
    # a token made after reactivation works
    fresh = await bo_factory.token(target, "api")
    res = await bo_client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"})
    assert res.status_code == 200


async def test_inactivity_block_also_revokes_tokens(bo_factory):
    from datetime import timedelta

    from core.auth.inactivity import block_inactive_users
    from core.auth.models import User
    from core.auth.tokens import now

    owner = await bo_factory.owner()
    target = await bo_factory.user(owner, is_admin=False)
    await bo_factory.token(target, "api")
    await User.update({User.last_login_at: now() - timedelta(days=400)}).where(
        User.id == target["id"]
    )
    assert await block_inactive_users() == 1
    assert not await AuthToken.exists().where(
        AuthToken.user == target["id"], AuthToken.revoked_at.is_null()
    )
