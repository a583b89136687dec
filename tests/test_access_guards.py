"""The authorization guard: levels, groups, admins, one permission query per request, HTML 403
pages, and permission areas added by plugins through ``register_permission_areas``."""

from __future__ import annotations

import pytest
from litestar import get, post

from core.access import service
from core.access.areas import Area, AreaError, all_areas
from core.access.guards import REQUIREMENT_ATTR, requires, signed_in
from core.access.models import RolePermission
from core.access.system_roles import ensure_system_roles
from core.access.testing import role_id, user_with_role
from core.plugins.hookspecs import hookimpl
from core.plugins.testing import serve_in_loop


async def _custom_role(group: str, levels: dict[str, str], company: dict) -> int:
    from core.access.models import Role

    role = Role(company=company["id"], name="Custom", group=group, is_system=False)
    await role.save()
    await RolePermission.insert(
        *[RolePermission(role=role.id, area=k, level=v) for k, v in levels.items()]
    )
    return role.id


async def test_view_reads_manage_writes_none_is_403(bo_factory, bo_api):
    owner = await bo_factory.owner()
    viewer = await user_with_role(
        bo_factory,
        owner,
        "backoffice",
        await _custom_role("backoffice", {"account_management": "view"}, owner),
    )
    api = await bo_api(viewer)
    assert (await api.get("/api/v1/companies")).status_code == 200
    res = await api.post("/api/v1/companies", json={"name": "X", "type": "client"})
    assert res.status_code == 403
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "Account management" in res.json()["detail"] and "needs manage" in res.json()["detail"]
    assert (await api.get("/api/v1/audit")).status_code == 403
    assert (await api.get("/api/v1/me")).status_code == 200  # any signed-in user
    assert (await api.get("/api/v1/dictionaries/")).status_code == 200


async def test_no_role_grants_nothing_and_admin_grants_everything(bo_factory, bo_api):
    owner = await bo_factory.owner()
    nobody = await user_with_role(bo_factory, owner, "backoffice", None)
    api = await bo_api(nobody)
    for path in ("/api/v1/companies", "/api/v1/audit", "/api/v1/jobs", "/api/v1/roles"):
        assert (await api.get(path)).status_code == 403, path
    admin = await bo_api(await bo_factory.user(owner, is_admin=True))
    for path in ("/api/v1/companies", "/api/v1/audit", "/api/v1/jobs", "/api/v1/roles"):
        assert (await admin.get(path)).status_code == 200, path


async def test_a_role_of_the_other_group_grants_nothing(bo_factory, bo_api):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    bo_admin_role = await role_id("backoffice", "Admin")
    portal_user = await user_with_role(bo_factory, reseller, "portal", bo_admin_role)
    api = await bo_api(portal_user)
    assert (await api.get("/api/v1/companies")).status_code == 403
    assert (await api.get("/api/v1/audit")).status_code == 403
    portal_admin = await user_with_role(
        bo_factory, reseller, "portal", await role_id("portal", "Admin")
    )
    api = await bo_api(portal_admin)
    # Issue 8: until the client portal exists, client-portal users get 403 on every API call
    res = await api.get("/api/v1/audit")
    assert res.status_code == 403 and "client-portal users" in res.json()["detail"]
    assert (await api.get("/api/v1/companies")).status_code == 403
    assert (await api.get("/api/v1/me")).status_code == 403
    assert await service.effective_level(portal_user_principal(portal_user), "users") == "none"


def portal_user_principal(user: dict):
    from core.auth.principal import Principal

    return Principal(
        user_id=user["id"],
        email=user["email"],
        login=None,
        first_name="",
        last_name="",
        is_admin=False,
        company_id=user["company"],
        company_name="",
        company_path="",
        company_kind="reseller",
        token_id=0,
        token_kind="api",
        role_id=user["role"],
        group=user["group"],
    )


async def test_permissions_are_loaded_once_per_request(bo_factory, bo_api, monkeypatch):
    owner = await bo_factory.owner()
    role = await _custom_role("backoffice", {"audit": "view", "export": "manage"}, owner)
    api = await bo_api(await user_with_role(bo_factory, owner, "backoffice", role))
    calls = []
    original = service.load_permissions

    async def counting(principal):
        calls.append(principal.user_id)
        return await original(principal)

    monkeypatch.setattr(service, "load_permissions", counting)
    res = await api.post("/api/v1/audit/exports", json={})  # two requires() guards
    assert res.status_code == 202, res.text
    assert len(calls) == 1
    calls.clear()
    await api.get("/api/v1/audit")
    assert len(calls) == 1


async def test_ui_pages_answer_a_themed_403(bo_factory, bo_client):
    owner = await bo_factory.owner()
    role = await _custom_role("backoffice", {"account_management": "view"}, owner)
    user = await user_with_role(bo_factory, owner, "backoffice", role)
    bo_client.cookies.set("bo_session", await bo_factory.token(user, kind="session"))
    assert (await bo_client.get("/companies")).status_code == 200
    res = await bo_client.get("/companies/new")
    assert res.status_code == 403 and res.headers["content-type"].startswith("text/html")
    assert "Account management" in res.text and "<html" in res.text.lower()
    res = await bo_client.get("/audit")
    assert res.status_code == 403
    bo_client.cookies.clear()
    res = await bo_client.get("/companies")
    assert res.status_code == 303 and res.headers["location"].startswith("/login")


def test_requires_rejects_bad_declarations_and_carries_its_requirement():
    with pytest.raises(ValueError):
        requires("users", "none")
    with pytest.raises(ValueError):
        requires((), "view")
    guard = requires(("audit", "portal_audit"), "manage")
    requirement = getattr(guard, REQUIREMENT_ATTR)
    assert requirement.areas == ("audit", "portal_audit") and requirement.level == "manage"
    assert getattr(signed_in(), REQUIREMENT_ATTR).any_signed_in


class FaxPlugin:
    """A plugin adding a BackOffice area and a route guarded by it."""

    @hookimpl
    def register_permission_areas(self):
        return [
            Area(
                "fax",
                "Fax",
                "backoffice",
                "Messaging",
                "Fax gateways",
                {"noc_engineer": "manage", "client_manager": "view"},
            )
        ]

    @hookimpl
    def register_routes(self):
        @get("/lines", guards=[requires("fax", "view")])
        async def lines() -> dict:
            return {"lines": []}

        @post("/lines", guards=[requires("fax", "manage")], status_code=201)
        async def add_line() -> dict:
            return {"ok": True}

        return [lines, add_line]


async def test_register_permission_areas_adds_areas_for_roles_and_routes(
    bo_factory, bo_register_plugin
):
    from core.plugins.testing import AuthedClient
    from core.web.app import create_app

    owner = await bo_factory.owner()
    bo_register_plugin(FaxPlugin(), name="fax-plugin")
    assert all_areas()["fax"].label == "Fax"
    assert await ensure_system_roles() is True  # the new area reaches the system roles
    levels = {}
    for name in ("Admin", "NOC engineer", "Client manager", "Rate manager"):
        rows = await RolePermission.select(RolePermission.level).where(
            RolePermission.role == await role_id("backoffice", name), RolePermission.area == "fax"
        )
        levels[name] = rows[0]["level"]
    assert levels == {
        "Admin": "manage",
        "NOC engineer": "manage",
        "Client manager": "view",
        "Rate manager": "none",
    }
    async with serve_in_loop(create_app()) as client:
        noc = await user_with_role(
            bo_factory, owner, "backoffice", await role_id("backoffice", "NOC engineer")
        )
        manager = await user_with_role(
            bo_factory, owner, "backoffice", await role_id("backoffice", "Client manager")
        )
        noc_api = AuthedClient(client, await bo_factory.token(noc))
        manager_api = AuthedClient(client, await bo_factory.token(manager))
        assert (await noc_api.post("/api/v1/plugins/fax-plugin/lines")).status_code == 201
        assert (await manager_api.get("/api/v1/plugins/fax-plugin/lines")).status_code == 200
        assert (await manager_api.post("/api/v1/plugins/fax-plugin/lines")).status_code == 403
        areas = (await noc_api.get("/api/v1/permission-areas")).json()["items"]
        assert "fax" in {a["key"] for a in areas}


def test_plugin_areas_are_validated(bo_register_plugin):
    class Clash:
        @hookimpl
        def register_permission_areas(self):
            return [Area("users", "Users again", "backoffice", "X")]

    bo_register_plugin(Clash(), name="clash")
    with pytest.raises(AreaError, match="'users' is registered twice"):
        all_areas()


def test_plugin_areas_must_be_area_declarations(bo_register_plugin):
    class Wrong:
        @hookimpl
        def register_permission_areas(self):
            return [{"key": "x"}]

    bo_register_plugin(Wrong(), name="wrong")
    with pytest.raises(AreaError, match=r"not a core\.access\.areas\.Area"):
        all_areas()


def test_area_declarations_are_checked():
    with pytest.raises(AreaError):
        Area("Bad Key", "Bad", "backoffice", "X").validate()
    with pytest.raises(AreaError):
        Area("ok_key", "Ok", "vendors", "X").validate()
    with pytest.raises(AreaError):
        Area("ok_key", "Ok", "portal", "X", "", {"admin": "owner"}).validate()


async def test_the_start_page_is_the_dashboard_and_portal_users_get_their_own_page(
    bo_factory, bo_client
):
    """Issue 8: "/" is the dashboard for every BackOffice user (no more redirect to the first
    allowed list); a client-portal user gets the page saying BackOffice is not for them."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(reseller, "client")
    for user in (
        await bo_factory.user(reseller),
        await user_with_role(
            bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
        ),
        await user_with_role(bo_factory, reseller, "backoffice", None),
    ):
        bo_client.cookies.clear()
        bo_client.cookies.set("bo_session", await bo_factory.token(user, kind="session"))
        res = await bo_client.get("/")
        assert res.status_code == 200 and "Welcome" in res.text, user["email"]
    for name in ("NOC engineer", "Finance manager", "Broadcast manager", "Admin"):
        user = await user_with_role(bo_factory, client, "portal", await role_id("portal", name))
        bo_client.cookies.clear()
        bo_client.cookies.set("bo_session", await bo_factory.token(user, kind="session"))
        for path in ("/", "/roles", "/audit", "/account"):
            res = await bo_client.get(path)
            assert res.status_code == 403, (name, path)
            assert "BackOffice is not for client-portal users" in res.text
            assert 'class="menu' not in res.text
    bo_client.cookies.clear()
