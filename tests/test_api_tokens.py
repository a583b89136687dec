"""API tokens: created once-shown and hashed, listed without secrets, scoped, revocable."""

from __future__ import annotations

from datetime import timedelta

from core.audit.models import AuditChange, AuditEvent
from core.auth.models import AuthToken
from core.auth.tokens import hash_token, now


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


async def _create(api, **body) -> dict:
    body = {"name": "Reporting", "scopes": ["read", "write"], **body}
    res = await api.post("/api/v1/me/tokens", json=body)
    assert res.status_code == 201, res.text
    return res.json()


async def test_created_secret_works_and_is_stored_only_hashed(bo_factory, bo_api, bo_client):
    user = await bo_factory.user(await bo_factory.owner())
    api = await bo_api(user)
    created = await _create(api, name="  Nightly export ", expires_in_days=30)
    secret = created["secret"]
    token = created["token"]
    assert token["name"] == "Nightly export" and token["scopes"] == ["read", "write"]
    assert token["origin"] == "created"
    lifetime = token["expires_at"][:10]
    assert lifetime == (now() + timedelta(days=30)).date().isoformat()
    me = await bo_client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json()["id"] == user["id"]

    row = await AuthToken.select().where(AuthToken.id == token["id"]).first()
    assert row["token_hash"] == hash_token(secret) and secret not in str(row)
    assert row["kind"] == "api" and row["last_used_at"] is not None

    listed = await api.get("/api/v1/me/tokens")
    assert listed.status_code == 200
    assert secret not in listed.text and row["token_hash"] not in listed.text
    entry = next(t for t in listed.json() if t["id"] == token["id"])
    assert set(entry) == {
        "id",
        "name",
        "scopes",
        "origin",
        "created_at",
        "expires_at",
        "last_used_at",
        "current",
    }
    assert entry["last_used_at"] is not None
    current = [t for t in listed.json() if t["current"]]
    assert len(current) == 1 and current[0]["origin"] == "sign-in"

    event = await AuditEvent.select().where(AuditEvent.action == "API token created").first()
    change = await AuditChange.select().where(AuditChange.event == event["id"]).first()
    assert secret not in change["new_values"] and row["token_hash"] not in change["new_values"]
    assert "token_hash" not in change["new_values"]


async def test_revoked_token_is_401_and_leaves_the_list(bo_factory, bo_api, bo_client):
    user = await bo_factory.user(await bo_factory.owner())
    api = await bo_api(user)
    created = await _create(api)
    assert (await api.delete(f"/api/v1/me/tokens/{created['token']['id']}")).status_code == 204
    assert (await bo_client.get("/api/v1/me", headers=bearer(created["secret"]))).status_code == 401
    ids = [t["id"] for t in (await api.get("/api/v1/me/tokens")).json()]
    assert created["token"]["id"] not in ids
    again = await api.delete(f"/api/v1/me/tokens/{created['token']['id']}")
    assert again.status_code == 404
    assert await AuditEvent.exists().where(AuditEvent.action == "API token revoked")


async def test_read_scope_allows_safe_methods_only(bo_factory, bo_api, bo_client):
    user = await bo_factory.user(await bo_factory.owner())
    created = await _create(await bo_api(user), scopes=["read"])
    headers = bearer(created["secret"])
    assert (await bo_client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (await bo_client.get("/api/v1/companies", headers=headers)).status_code == 200
    blocked = await bo_client.post(
        "/api/v1/companies", json={"name": "Nope", "type": "client"}, headers=headers
    )
    assert blocked.status_code == 403 and "read scope" in blocked.json()["detail"]
    patch = await bo_client.patch("/api/v1/me", json={"first_name": "X"}, headers=headers)
    assert patch.status_code == 403
    mint = await bo_client.post(
        "/api/v1/me/tokens", json={"name": "n", "scopes": ["write"]}, headers=headers
    )
    assert mint.status_code == 403  # a read token cannot mint itself a write token
    write_only = await _create(await bo_api(user), scopes=["write"])
    res = await bo_client.patch(
        "/api/v1/me", json={"first_name": "Y"}, headers=bearer(write_only["secret"])
    )
    assert res.status_code == 200 and write_only["token"]["scopes"] == ["write"]


async def test_password_sign_in_tokens_carry_both_scopes(bo_factory, bo_client):
    user = await bo_factory.user(await bo_factory.owner(), login="ops")
    res = await bo_client.post(
        "/api/v1/auth/token", json={"login": "ops", "password": user["password"]}
    )
    headers = bearer(res.json()["access_token"])
    assert (
        await bo_client.patch("/api/v1/me", json={"last_name": "Z"}, headers=headers)
    ).is_success
    listed = (await bo_client.get("/api/v1/me/tokens", headers=headers)).json()
    assert [t["scopes"] for t in listed] == [["read", "write"]]


async def test_expired_token_is_401_and_not_listed(bo_factory, bo_api, bo_client):
    user = await bo_factory.user(await bo_factory.owner())
    api = await bo_api(user)
    created = await _create(api)
    await AuthToken.update({AuthToken.expires_at: now() - timedelta(seconds=1)}).where(
        AuthToken.id == created["token"]["id"]
    )
    assert (await bo_client.get("/api/v1/me", headers=bearer(created["secret"]))).status_code == 401
    assert created["token"]["id"] not in [
        t["id"] for t in (await api.get("/api/v1/me/tokens")).json()
    ]
    assert (await api.delete(f"/api/v1/me/tokens/{created['token']['id']}")).status_code == 404


async def test_input_is_validated(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    cases = [
        ({"name": "x", "scopes": []}, 400),
        ({"name": "x", "scopes": ["admin"]}, 400),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 0}, 400),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 366}, 400),
        ({"name": "x", "scopes": ["read"], "secret": "mine"}, 400),
        ({"name": "   ", "scopes": ["read"]}, 422),
    ]
    for body, status in cases:
        res = await api.post("/api/v1/me/tokens", json=body)
        assert res.status_code == status, (body, res.text)
    assert not await AuthToken.exists().where(AuthToken.name != "")


async def test_another_tenants_token_answers_404(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller")
    r2 = await bo_factory.company(owner, "reseller")
    alice = await bo_factory.user(r1, is_admin=True)
    mallory = await bo_factory.user(r2, is_admin=True)
    victim = await _create(await bo_api(alice))
    token_id = victim["token"]["id"]
    m_api = await bo_api(mallory)
    assert (await m_api.delete(f"/api/v1/me/tokens/{token_id}")).status_code == 404
    assert (await m_api.get(f"/api/v1/users/{alice['id']}/tokens")).status_code == 404
    res = await m_api.delete(f"/api/v1/users/{alice['id']}/tokens/{token_id}")
    assert res.status_code == 404
    res = await m_api.delete(f"/api/v1/users/{mallory['id']}/tokens/{token_id}")
    assert res.status_code == 404  # a token id of someone else under one's own user id
    assert (await bo_client.get("/api/v1/me", headers=bearer(victim["secret"]))).status_code == 200


async def test_admin_lists_and_revokes_tokens_of_users_in_scope(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    admin = await bo_factory.user(reseller, is_admin=True)
    # issue 8: client-portal users cannot call the API at all, so the member is a BackOffice
    # user of the reseller (still someone else's tokens, in the admin's scope)
    member = await bo_factory.user(reseller, is_admin=False)
    created = await _create(await bo_api(member))
    api = await bo_api(admin)
    listed = await api.get(f"/api/v1/users/{member['id']}/tokens")
    assert listed.status_code == 200, listed.text
    named = [t["id"] for t in listed.json() if t["origin"] == "created"]
    assert named == [created["token"]["id"]]
    assert created["secret"] not in listed.text
    res = await api.delete(f"/api/v1/users/{member['id']}/tokens/{created['token']['id']}")
    assert res.status_code == 204
    assert (await bo_client.get("/api/v1/me", headers=bearer(created["secret"]))).status_code == 401
    # A user without a role may not look at other people's tokens.
    plain = await bo_api(await bo_factory.user(reseller, is_admin=False))
    assert (await plain.get(f"/api/v1/users/{member['id']}/tokens")).status_code == 403
