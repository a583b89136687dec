"""The users list (invitations first, then users), editing, departments, deletion and scope."""

from __future__ import annotations

import json

from core.audit.models import AuditChange, AuditEvent
from core.auth.models import User
from core.users.invitations import hash_token, now
from core.users.models import Department, Invitation, UserDepartment


async def role_id(group: str, key: str) -> int:
    from core.access.system_roles import system_role_id

    return await system_role_id(group, key)


async def add_invitation(company: dict, email: str, group: str = "backoffice", **kw) -> int:
    from datetime import timedelta

    invitation = Invitation(
        company=company["id"],
        email=email,
        group=group,
        is_admin=True,
        token_hash=hash_token(email),
        status=kw.pop("status", "invited"),
        expires_at=now() + timedelta(hours=kw.pop("hours", 72)),
        **kw,
    )
    await invitation.save()
    return invitation.id


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    one = await bo_factory.company(owner, "reseller", name="One")
    two = await bo_factory.company(owner, "reseller", name="Two")
    client = await bo_factory.company(one, "client", name="Client of One")
    return owner, one, two, client


async def test_invitations_first_then_users_sorted_by_email(bo_factory, bo_api):
    owner, one, two, client = await _tree(bo_factory)
    admin = await bo_factory.user(one, email="m-admin@example.test")
    await bo_factory.user(one, email="a-user@example.test")
    await bo_factory.user(two, email="b-foreign@example.test")
    await add_invitation(one, "z-guest@example.test")
    await add_invitation(one, "c-guest@example.test", status="revoked")
    await add_invitation(two, "d-foreign@example.test")
    await add_invitation(client, "p-portal@example.test", group="portal")
    api = await bo_api(admin)
    res = await api.get("/api/v1/users?group=backoffice")
    assert res.status_code == 200, res.text
    page = res.json()
    assert [(e["kind"], e["email"]) for e in page["items"]] == [
        ("invitation", "c-guest@example.test"),
        ("invitation", "z-guest@example.test"),
        ("user", "a-user@example.test"),
        ("user", "m-admin@example.test"),
    ]
    assert page["items"][0]["name"] == "Guest" and page["items"][0]["status"] == "revoked"
    assert page["total"] == 4
    # paging cuts across the two blocks
    second = (await api.get("/api/v1/users?group=backoffice&page_size=3&page=2")).json()
    assert [e["email"] for e in second["items"]] == ["m-admin@example.test"]
    first = (await api.get("/api/v1/users?group=backoffice&page_size=3&order=desc")).json()
    assert [e["email"] for e in first["items"]] == [
        "z-guest@example.test",
        "c-guest@example.test",
        "m-admin@example.test",
    ]
    portal = (await api.get("/api/v1/users?group=portal")).json()
    assert [e["email"] for e in portal["items"]] == ["p-portal@example.test"]


async def test_filters(bo_factory, bo_api):
    owner, one, two, client = await _tree(bo_factory)
    manager = await role_id("backoffice", "client_manager")
    admin = await bo_factory.user(one, email="admin@example.test")
    await bo_factory.user(one, email="ann@example.test", first_name="Ann", is_admin=False)
    await User.update({User.role: manager, User.status: "inactive"}).where(
        User.email == "ann@example.test"
    )
    await add_invitation(one, "guest@example.test")
    api = await bo_api(admin)

    async def emails(query: str) -> list[str]:
        res = await api.get(f"/api/v1/users?group=backoffice&{query}")
        assert res.status_code == 200, res.text
        return [e["email"] for e in res.json()["items"]]

    assert await emails("q=ann") == ["ann@example.test"]
    assert await emails("status=inactive") == ["ann@example.test"]
    assert await emails("status=invited") == ["guest@example.test"]
    assert await emails(f"role_id={manager}") == ["ann@example.test"]
    assert await emails(f"company_id={two['id']}") == []
    assert await emails("sort=id&order=asc") == [
        "guest@example.test",
        "admin@example.test",
        "ann@example.test",
    ]
    bad = await api.get("/api/v1/users?group=backoffice&sort=password_hash")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"
    assert (await api.get("/api/v1/users?group=staff")).status_code == 400


async def test_edit_user_phone_role_status_and_audit(bo_factory, bo_api):
    owner, one, two, client = await _tree(bo_factory)
    admin = await bo_factory.user(one)
    target = await bo_factory.user(one, is_admin=False)
    api = await bo_api(admin)
    manager = await role_id("backoffice", "client_manager")
    url = f"/api/v1/users/{target['id']}"
    res = await api.patch(
        url,
        json={
            "first_name": " Grace ",
            "phone": "+1 650 253 0000",
            "role_id": manager,
            "status": "inactive",
        },
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["first_name"] == "Grace" and body["phone"] == "+16502530000"
    assert body["role_name"] == "Client manager" and body["status"] == "inactive"
    assert "password" not in res.text
    for bad, field in (
        ({"phone": "+1 555"}, "phone"),
        ({"phone": "not a number"}, "phone"),
        ({"role_id": await role_id("portal", "admin")}, "role_id"),
        ({"is_admin": False, "role_id": None}, "role_id"),
        ({"departments": ["Sales"]}, "departments"),
    ):
        res = await api.patch(url, json=bad)
        assert res.status_code == 422, (bad, res.text)
        assert res.json()["errors"][0]["field"] == field
    assert (await api.patch(url, json={"status": "gone"})).status_code == 400
    res = await api.patch(url, json={"is_admin": True})
    assert res.status_code == 200 and res.json()["is_admin"] and res.json()["role_id"] is None
    event = await AuditEvent.select().where(AuditEvent.action == "User updated").first()
    change = await AuditChange.select().where(AuditChange.event == event["id"]).first()
    assert json.loads(change["new_values"]) == {
        "first_name": "Grace",
        "phone": "+16502530000",
        "role": manager,
        "status": "inactive",
    }


async def test_cannot_demote_deactivate_or_delete_yourself(bo_factory, bo_api):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    api = await bo_api(admin)
    url = f"/api/v1/users/{admin['id']}"
    assert (await api.patch(url, json={"status": "inactive"})).status_code == 422
    assert (await api.patch(url, json={"is_admin": False})).status_code == 422
    assert (await api.delete(url)).status_code == 409
    assert (await api.patch(url, json={"last_name": "Self"})).status_code == 200


async def test_departments_created_inline(bo_factory, bo_api):
    owner, one, two, client = await _tree(bo_factory)
    admin = await bo_factory.user(one)
    portal_user = await bo_factory.user(client, is_admin=False)
    await User.update({User.group: "portal"}).where(User.id == portal_user["id"])
    api = await bo_api(admin)
    url = f"/api/v1/users/{portal_user['id']}"
    res = await api.patch(url, json={"departments": ["Support", "Sales ", "support"]})
    assert res.status_code == 200, res.text
    assert [d["name"] for d in res.json()["departments"]] == ["Sales", "Support"]
    assert await Department.count().where(Department.company == client["id"]) == 2
    res = await api.patch(url, json={"departments": ["SALES", "Billing"]})
    assert [d["name"] for d in res.json()["departments"]] == ["Billing", "Sales"]
    assert await Department.count() == 3 and await UserDepartment.count() == 2
    listed = await api.get(f"/api/v1/departments?company_id={client['id']}")
    assert [d["name"] for d in listed.json()] == ["Billing", "Sales", "Support"]
    assert (await api.patch(url, json={"departments": ["  "]})).status_code == 422
    created = await AuditEvent.count().where(AuditEvent.action == "Department created")
    assert created == 3
    other = await bo_api(await bo_factory.user(two))
    assert (await other.get(f"/api/v1/departments?company_id={client['id']}")).status_code == 404
    support = await Department.select().where(Department.name == "Support").first()
    assert (await other.delete(f"/api/v1/departments/{support['id']}")).status_code == 404
    assert (await api.delete(f"/api/v1/departments/{support['id']}")).status_code == 204


async def test_delete_user_with_audit(bo_factory, bo_api):
    owner, one, two, client = await _tree(bo_factory)
    admin = await bo_factory.user(one)
    target = await bo_factory.user(client)
    api = await bo_api(admin)
    assert (await api.delete(f"/api/v1/users/{target['id']}")).status_code == 204
    assert not await User.exists().where(User.id == target["id"])
    change = await AuditChange.select().where(AuditChange.operation == "delete").first()
    assert change["object_id"] == target["id"]
    assert "password_hash" not in change["old_values"]
    assert (await api.get(f"/api/v1/users/{target['id']}")).status_code == 404


async def test_sibling_reseller_gets_404(bo_factory, bo_api):
    owner, one, two, client = await _tree(bo_factory)
    mine = await bo_factory.user(client)
    foreign_api = await bo_api(await bo_factory.user(two))
    url = f"/api/v1/users/{mine['id']}"
    assert (await foreign_api.get(url)).status_code == 404
    assert (await foreign_api.patch(url, json={"first_name": "X"})).status_code == 404
    assert (await foreign_api.delete(url)).status_code == 404
    for group in ("backoffice", "portal"):
        listed = (await foreign_api.get(f"/api/v1/users?group={group}")).json()
        assert mine["email"] not in [e["email"] for e in listed["items"]]
    assert await User.exists().where(User.id == mine["id"], User.first_name != "X")
    # the system owner sees its resellers' users, not their clients' users
    owner_api = await bo_api(await bo_factory.user(owner))
    assert (await owner_api.get(url)).status_code == 404


async def test_portal_users_manage_only_their_company_portal_users(bo_factory, bo_api):
    """Issue 8: until the client portal exists, client-portal users (of a client or of a
    reseller) are refused every API call, user management included, and nothing changes."""
    owner, one, two, client = await _tree(bo_factory)
    client_admin = await bo_factory.user(client)
    await User.update({User.group: "portal"}).where(User.id == client_admin["id"])
    colleague = await bo_factory.user(client, is_admin=False)
    await User.update({User.group: "portal"}).where(User.id == colleague["id"])
    reseller_portal = await bo_factory.user(one)
    await User.update({User.group: "portal"}).where(User.id == reseller_portal["id"])
    for api in (await bo_api(client_admin), await bo_api(reseller_portal)):
        assert (await api.get("/api/v1/users?group=portal")).status_code == 403
        assert (await api.get(f"/api/v1/users/{colleague['id']}")).status_code == 403
        res = await api.post(
            "/api/v1/invitations",
            json={"email": "x@example.test", "company_id": client["id"], "group": "portal"},
        )
        assert res.status_code == 403
        assert "client-portal users" in res.json()["detail"]
    assert not await Invitation.exists()


async def test_role_without_users_area_is_refused(bo_factory, bo_api):
    owner = await bo_factory.owner()
    finance = await bo_factory.user(owner, is_admin=False)
    await User.update({User.role: await role_id("backoffice", "finance_manager")}).where(
        User.id == finance["id"]
    )
    api = await bo_api(finance)
    assert (await api.get("/api/v1/users?group=backoffice")).status_code == 403
    res = await api.post(
        "/api/v1/invitations",
        json={"email": "x@example.test", "company_id": owner["id"], "is_admin": True},
    )
    assert res.status_code == 403
