"""The request path keeps no caller between requests: every change to a token, user, role or
company counts from the very next request, in every process.

``GET /api/v1/me`` answers from the caller resolved by the authentication query, so these
tests also check that what it shows is never older than that request.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.routes import HTTPRoute
from litestar.utils.sync import AsyncCallable

from core.access.models import Role
from core.account.profile import get_profile, profile_of
from core.auth.models import AuthToken, User
from core.auth.tokens import now, resolve_token
from core.web.app import create_app
from tenants.models import Company


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


async def a_role(group: str = "backoffice") -> dict:
    return await Role.select(Role.id, Role.name).where(Role.group == group).first()


async def test_revoked_token_stops_at_the_next_request(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    api = await bo_api(user)
    created = await api.post("/api/v1/me/tokens", json={"name": "script", "scopes": ["read"]})
    secret, token_id = created.json()["secret"], created.json()["token"]["id"]
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 200
    assert (await api.delete(f"/api/v1/me/tokens/{token_id}")).status_code == 204
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"revoked_at": "now"}, id="revoked in the database by another process"),
        pytest.param({"expires_at": "past"}, id="expired"),
    ],
)
async def test_token_row_changes_count_at_once(bo_factory, bo_client, change):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    secret = await bo_factory.token(user, "api")
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 200
    values = {
        AuthToken.revoked_at if "revoked_at" in change else AuthToken.expires_at: (
            now() if "revoked_at" in change else now() - timedelta(seconds=1)
        )
    }
    await AuthToken.update(values).where(AuthToken.user == user["id"])
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 401


async def test_blocked_user_and_disabled_company_stop_at_the_next_request(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    user = await bo_factory.user(reseller)
    secret = await bo_factory.token(user, "api")
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 200
    await User.update({User.status: "inactive"}).where(User.id == user["id"])
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 401
    await User.update({User.status: "active"}).where(User.id == user["id"])
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 200
    await Company.update({Company.enabled: False}).where(Company.id == reseller["id"])
    assert (await bo_client.get("/api/v1/me", headers=bearer(secret))).status_code == 401


async def test_role_and_profile_changes_show_at_the_next_request(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    target = await bo_factory.user(owner, is_admin=False)
    secret = await bo_factory.token(target, "api")
    me = (await bo_client.get("/api/v1/me", headers=bearer(secret))).json()
    assert me["role"] is None and me["role_label"] == "No role"
    role = await a_role()
    api = await bo_api(admin)
    url = f"/api/v1/users/{target['id']}"
    assert (await api.patch(url, json={"role_id": role["id"]})).status_code == 200
    me = (await bo_client.get("/api/v1/me", headers=bearer(secret))).json()
    assert me["role"] == {"id": role["id"], "name": role["name"]}
    assert me["role_label"] == role["name"]
    assert (await api.patch(url, json={"is_admin": True})).status_code == 200
    me = (await bo_client.get("/api/v1/me", headers=bearer(secret))).json()
    assert me["is_admin"] is True and me["role_label"] == "Administrator (no restrictions)"
    res = await bo_client.patch(
        "/api/v1/me", json={"first_name": "Renamed"}, headers=bearer(secret)
    )
    assert res.status_code == 200
    me = (await bo_client.get("/api/v1/me", headers=bearer(secret))).json()
    assert me["first_name"] == "Renamed"
    assert me["full_name"].startswith("Renamed")


@pytest.mark.parametrize("is_admin", [True, False])
async def test_me_from_the_caller_equals_the_stored_profile(bo_factory, is_admin):
    """The two ways to build a profile (from the caller, by user id) never drift apart."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    user = await bo_factory.user(reseller, is_admin=is_admin)
    role = await a_role()
    await User.update(
        {
            User.role: role["id"],
            User.phone: "+15550100",
            User.two_factor_enabled: True,
            User.avatar_key: "avatars/x.png",
            User.appearance: "dark",
        }
    ).where(User.id == user["id"])
    secret = await bo_factory.token(user, "api")
    principal = await resolve_token(secret, "api")
    assert profile_of(principal) == await get_profile(user["id"])
    assert profile_of(principal).two_factor_enabled is True
    assert profile_of(principal).is_admin is is_admin


async def test_read_token_cannot_write_and_no_token_is_401(bo_factory, bo_api, bo_client):
    """The /api/v1 router's single guard keeps both checks."""
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    created = await api.post("/api/v1/me/tokens", json={"name": "reader", "scopes": ["read"]})
    secret = created.json()["secret"]
    res = await bo_client.patch("/api/v1/me", json={"first_name": "X"}, headers=bearer(secret))
    assert res.status_code == 403
    assert (await bo_client.get("/api/v1/me")).status_code == 401
    assert (await bo_client.get("/api/v1/me", headers=bearer("not-a-token"))).status_code == 401


def test_no_guard_runs_in_a_worker_thread():
    """litestar runs a plain-function guard in its thread pool, two thread hops per request."""
    app = create_app(run_jobs=False)
    threaded = {
        f"{route.path}: {guard.func.__qualname__}"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for guard in handler.resolve_guards()
        if isinstance(guard, AsyncCallable)
    }
    assert not threaded
