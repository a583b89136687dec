"""Roles over the API: system roles, custom roles from templates, scope, rules and audit."""

from __future__ import annotations

import json

from core.access.models import Role, RoleCompany, RolePermission
from core.access.system_roles import SYSTEM_ROLES, ensure_system_roles
from core.access.testing import role_id, user_with_role
from core.audit.models import AuditChange, AuditEvent


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Reseller One")
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    c2 = await bo_factory.company(r2, "client", name="Client of Two")
    return owner, r1, r2, c1, c2


async def test_system_roles_are_seeded_once_and_visible_to_everyone(bo_factory, bo_api):
    owner, r1, *_ = await _tree(bo_factory)
    assert await ensure_system_roles() is False  # already in step: nothing written
    await bo_factory.owner()
    assert await Role.count().where(Role.is_system.eq(True)) == len(SYSTEM_ROLES) == 9
    api = await bo_api(await bo_factory.user(r1))
    body = (await api.get("/api/v1/roles", params={"page_size": 50})).json()
    names = sorted((r["group"], r["name"]) for r in body["items"])
    assert names == [
        ("backoffice", "Admin"),
        ("backoffice", "Client manager"),
        ("backoffice", "Finance manager"),
        ("backoffice", "NOC engineer"),
        ("backoffice", "Rate manager"),
        ("portal", "Admin"),
        ("portal", "Broadcast manager"),
        ("portal", "Finance manager"),
        ("portal", "NOC engineer"),
    ]
    admin = next(r for r in body["items"] if r["name"] == "Admin" and r["group"] == "backoffice")
    assert admin["is_system"] and admin["all_companies"] and not admin["editable"]
    assert set(admin["permissions"].values()) == {"manage"}
    assert "portal_users" not in admin["permissions"] and "users" in admin["permissions"]
    noc = next(r for r in body["items"] if r["name"] == "NOC engineer" and r["group"] == "portal")
    assert noc["permissions"]["portal_api_accesses"] == "manage"
    assert noc["permissions"]["portal_finance"] == "none"


async def test_system_roles_cannot_be_changed_or_deleted(bo_factory, bo_api):
    owner, *_ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(owner))
    admin = await role_id("backoffice", "Admin")
    res = await api.patch(f"/api/v1/roles/{admin}", json={"name": "Boss"})
    assert res.status_code == 409 and "system roles cannot be changed" in res.json()["detail"]
    res = await api.delete(f"/api/v1/roles/{admin}")
    assert res.status_code == 409 and "cannot be deleted" in res.json()["detail"]
    assert await Role.exists().where(Role.id == admin, Role.name == "Admin")


async def test_create_from_template_with_overrides_and_audit(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    template = await role_id("backoffice", "Finance manager")
    res = await api.post(
        "/api/v1/roles",
        json={
            "name": "Billing desk",
            "description": "Finance without reports",
            "group": "backoffice",
            "template_id": template,
            "company_ids": [r1["id"]],
            "permissions": {"reports": "none", "audit": "manage"},
        },
    )
    assert res.status_code == 201, res.text
    role = res.json()
    assert role["template"] == "Finance manager" and role["owner_company_id"] == r1["id"]
    assert role["companies"] == [{"id": r1["id"], "name": "Reseller One"}]
    levels = role["permissions"]
    assert levels["finance"] == "manage" and levels["reports"] == "none"
    assert levels["audit"] == "manage" and levels["users"] == "none"
    assert role["editable"] and not role["is_system"] and role["users"] == 0
    stored = await RolePermission.count().where(RolePermission.role == role["id"])
    assert stored == len(levels)

    event = await AuditEvent.select().where(AuditEvent.action == "Role created").first()
    change = await AuditChange.select().where(AuditChange.event == event["id"]).first()
    new = json.loads(change["new_values"])
    assert change["table_name"] == "roles" and change["object_id"] == role["id"]
    assert new["name"] == "Billing desk" and new["permissions"]["finance"] == "manage"
    assert new["company_ids"] == [r1["id"]]

    res = await api.patch(
        f"/api/v1/roles/{role['id']}",
        json={"name": "Billing", "permissions": {"finance": "view"}, "company_ids": []},
    )
    assert res.status_code == 200, res.text
    assert res.json()["permissions"]["finance"] == "view" and res.json()["companies"] == []
    assert res.json()["permissions"]["audit"] == "manage"  # untouched areas keep their level
    update = (
        await AuditChange.select().where(AuditChange.operation == "update").order_by(AuditChange.id)
    )[-1]
    assert json.loads(update["old_values"])["name"] == "Billing desk"
    assert json.loads(update["new_values"])["permissions"]["finance"] == "view"


async def test_custom_roles_of_other_companies_answer_404(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api1 = await bo_api(await bo_factory.user(r1))
    api2 = await bo_api(await bo_factory.user(r2))
    created = (
        await api2.post("/api/v1/roles", json={"name": "Secret", "group": "backoffice"})
    ).json()
    for call in (
        api1.get(f"/api/v1/roles/{created['id']}"),
        api1.patch(f"/api/v1/roles/{created['id']}", json={"name": "Mine"}),
        api1.delete(f"/api/v1/roles/{created['id']}"),
    ):
        assert (await call).status_code == 404
    listed = (await api1.get("/api/v1/roles", params={"kind": "custom"})).json()
    assert listed["items"] == [] and listed["total"] == 0
    res = await api1.post(
        "/api/v1/roles",
        json={"name": "Copy", "group": "backoffice", "template_id": created["id"]},
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "template_id"
    assert await Role.exists().where(Role.id == created["id"], Role.name == "Secret")


async def test_companies_must_be_own_or_created_and_fit_the_group(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    for group, ids in (
        ("portal", [c2["id"]]),
        ("portal", [owner["id"]]),
        ("backoffice", [c1["id"]]),
    ):
        res = await api.post(
            "/api/v1/roles", json={"name": "X", "group": group, "company_ids": ids}
        )
        assert res.status_code == 422, (group, ids, res.text)
        assert res.json()["errors"][0]["field"] == "company_ids"
    res = await api.post(
        "/api/v1/roles",
        json={"name": "Ops", "group": "portal", "company_ids": [c1["id"], r1["id"]]},
    )
    assert res.status_code == 201, res.text
    linked = await RoleCompany.select(RoleCompany.company).where(
        RoleCompany.role == res.json()["id"]
    )
    assert sorted(r["company"] for r in linked) == sorted([c1["id"], r1["id"]])


async def test_validation_and_duplicate_names(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    before = await Role.count()
    cases = [
        ({"name": "", "group": "backoffice"}, 400, "name"),
        ({"name": "x" * 41, "group": "backoffice"}, 400, "name"),
        ({"name": "A", "group": "vendors"}, 400, "group"),
        ({"name": "A", "group": "backoffice", "colour": 1}, 400, "colour"),
        ({"name": "A", "group": "backoffice", "permissions": {"users": "all"}}, 400, "permissions"),
        ({"name": "A", "group": "backoffice", "permissions": {"portal_users": "view"}}, 422, None),
        ({"name": "  ", "group": "backoffice"}, 422, "name"),
        ({"name": "admin", "group": "backoffice"}, 409, "name"),  # clashes with a system role
    ]
    for body, status, field in cases:
        res = await api.post("/api/v1/roles", json=body)
        assert res.status_code == status, (body, res.text)
        assert res.headers["content-type"].startswith("application/problem+json")
        if field:
            errors = res.json()["errors"]
            assert any(field in e["field"] or field in e["message"] for e in errors), errors
    assert (await api.post("/api/v1/roles", json={"name": "A", "group": "backoffice"})).json()[
        "permissions"
    ]["users"] == "none"
    res = await api.post("/api/v1/roles", json={"name": "A", "group": "portal"})
    assert res.status_code == 201  # the same name in the other group is fine
    assert await Role.count() == before + 2
    client_api = await bo_api(await bo_factory.user(c1))
    res = await client_api.post("/api/v1/roles", json={"name": "B", "group": "backoffice"})
    assert res.status_code == 403  # issue 8: client-portal users are refused before any rule


async def test_role_in_use_cannot_be_deleted(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    role = (await api.post("/api/v1/roles", json={"name": "Desk", "group": "backoffice"})).json()
    holder = await user_with_role(bo_factory, r1, "backoffice", role["id"])
    assert (await api.get(f"/api/v1/roles/{role['id']}")).json()["users"] == 1
    res = await api.patch(f"/api/v1/roles/{role['id']}", json={"company_ids": []})
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "company_ids"
    res = await api.patch(f"/api/v1/roles/{role['id']}", json={"company_ids": [r1["id"]]})
    assert res.status_code == 200, res.text
    res = await api.delete(f"/api/v1/roles/{role['id']}")
    assert res.status_code == 409 and "assigned to 1 user" in res.json()["detail"]
    from core.auth.models import User

    await User.update({User.role: None}).where(User.id == holder["id"])
    assert (await api.delete(f"/api/v1/roles/{role['id']}")).status_code == 204
    assert not await Role.exists().where(Role.id == role["id"])
    assert await AuditEvent.exists().where(AuditEvent.action == "Role deleted")


async def test_non_admins_cannot_grant_above_their_own_level(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    manager = await user_with_role(
        bo_factory, r1, "backoffice", await role_id("backoffice", "Client manager")
    )
    api = await bo_api(manager)
    res = await api.post(
        "/api/v1/roles",
        json={"name": "Escalate", "group": "backoffice", "permissions": {"settings": "manage"}},
    )
    assert res.status_code == 422
    assert res.json()["errors"] == [
        {"field": "permissions.settings", "message": "above your own level"}
    ]
    res = await api.post(
        "/api/v1/roles",
        json={"name": "Fine", "group": "backoffice", "permissions": {"users": "manage"}},
    )
    assert res.status_code == 201, res.text


async def test_list_filters_sorting_paging_and_areas(bo_factory, bo_api):
    owner, r1, *_ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    for name in ("Zeta", "Alpha", "Mid"):
        await api.post("/api/v1/roles", json={"name": name, "group": "portal"})
    custom = (await api.get("/api/v1/roles?kind=custom&sort=name&order=asc")).json()
    assert [r["name"] for r in custom["items"]] == ["Alpha", "Mid", "Zeta"]
    page = await api.get("/api/v1/roles?group=portal&page_size=2&page=4&sort=id&order=asc")
    assert (
        page.json()["pages"] == 4
        and page.json()["total"] == 7
        and [r["name"] for r in page.json()["items"]] == ["Mid"]
    )
    found = (await api.get("/api/v1/roles?q=ANAGER&group=backoffice&sort=name&order=asc")).json()
    assert [r["name"] for r in found["items"]] == [
        "Client manager",
        "Finance manager",
        "Rate manager",
    ]
    system = (await api.get("/api/v1/roles?kind=system")).json()
    assert system["total"] == 9
    assert (await api.get("/api/v1/roles?sort=secret")).status_code == 422
    assert (await api.get("/api/v1/roles?kind=other")).status_code == 400
    areas = (await api.get("/api/v1/permission-areas?group=portal")).json()["items"]
    assert {a["group"] for a in areas} == {"portal"}
    assert {"portal_users", "portal_audit", "portal_export", "portal_api_accesses"} <= {
        a["key"] for a in areas
    }
    every = (await api.get("/api/v1/permission-areas")).json()["items"]
    assert {"settings", "account_management", "users", "audit", "export"} <= {
        a["key"] for a in every
    }
