"""Nobody grants more than they hold: every user-management write, as a manager of each level.

Each manager tries every write on fresh targets of its own group: inviting (no restrictions,
the Admin role, a role like its own, a lower role), updating a lower user (up to admin, to the
Admin role, a harmless change, deactivation), touching an administrator (rename, demote,
deactivate, delete) and an administrator's invitation (resend, revoke, delete). A refused write
answers 403 and leaves users, invitations and the audit log exactly as they were.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.access.areas import areas_of
from core.access.models import Role, RoleCompany, RolePermission
from core.access.system_roles import system_role_id
from core.access.testing import user_with_role
from core.audit.models import AuditEvent
from core.auth.models import AuthToken, User
from core.users.invitations import hash_token, now
from core.users.models import Invitation

# What each manager may do, by write. "peer_role" is the manager's own role (Admin for admins).
ADMIN_ONLY = {"admin", "portal_admin"}
# Client-portal users are refused every BackOffice call (issue 8, item 1) whatever their role
# would allow in the client portal: the walk still proves none of their writes gets through.
PORTAL_USERS = {"portal_admin", "portal_users_only"}
ALL = {"admin", "full", "client_manager", "users_only", "portal_admin", "portal_users_only"}
EXPECTED = {
    "invite no restrictions": ADMIN_ONLY,
    "invite with the Admin role": ADMIN_ONLY | {"full"},
    "invite with the peer role": ALL,
    "invite with a lower role": ALL,
    "make a lower user admin": ADMIN_ONLY,
    "give a lower user the Admin role": ADMIN_ONLY | {"full"},
    "give a lower user the peer role": ALL,
    "rename a lower user": ALL,
    "deactivate a lower user": ALL,
    "delete a lower user": ALL,
    "rename an admin": ADMIN_ONLY,
    "demote an admin": ADMIN_ONLY,
    "deactivate an admin": ADMIN_ONLY,
    "delete an admin": ADMIN_ONLY,
    "resend an admin's invitation": ADMIN_ONLY,
    "revoke an admin's invitation": ADMIN_ONLY,
    "delete an admin's invitation": ADMIN_ONLY,
    "revoke a lower user's API token": ALL,
    "revoke an admin's API token": ADMIN_ONLY,
}


async def _custom_role(owner: dict, company: dict, group: str, levels: dict[str, str]) -> int:
    role = Role(company=owner["id"], name=f"r{len(levels)}-{group}-{id(levels)}", group=group)
    await role.save()
    await RolePermission.insert(
        *[RolePermission(role=role.id, area=a, level=lvl) for a, lvl in levels.items()]
    )
    await RoleCompany.insert(RoleCompany(role=role.id, company=company["id"]))
    return role.id


async def _world(bo_factory):
    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "client", name="Client")
    bo_all = {a.key: "manage" for a in areas_of("backoffice")}
    roles = {
        "backoffice": {
            "admin_role": await system_role_id("backoffice"),
            "low": await _custom_role(owner, owner, "backoffice", {"users": "view"}),
            "full": await _custom_role(owner, owner, "backoffice", bo_all),
            "client_manager": await system_role_id("backoffice", "client_manager"),
            "users_only": await _custom_role(owner, owner, "backoffice", {"users": "manage"}),
        },
        "portal": {
            "admin_role": await system_role_id("portal"),
            "low": await _custom_role(owner, client, "portal", {"portal_users": "view"}),
            "portal_users_only": await _custom_role(
                owner, client, "portal", {"portal_users": "manage"}
            ),
        },
    }
    return owner, client, roles


async def _manager(bo_factory, name: str, owner: dict, client: dict, roles: dict) -> tuple:
    if name == "admin":
        return await bo_factory.user(owner), "backoffice", owner, roles["backoffice"]["admin_role"]
    if name == "portal_admin":
        user = await user_with_role(bo_factory, client, "portal", None)
        await User.update({User.is_admin: True}).where(User.id == user["id"])
        return user, "portal", client, roles["portal"]["admin_role"]
    group = "portal" if name.startswith("portal") else "backoffice"
    company = client if group == "portal" else owner
    role = roles[group][name]
    return await user_with_role(bo_factory, company, group, role), group, company, role


async def _state() -> tuple:
    users = await User.select(
        User.id, User.role, User.is_admin, User.status, User.first_name, User.group
    ).order_by(User.id)
    invitations = await Invitation.select(
        Invitation.id,
        Invitation.status,
        Invitation.token_hash,
        Invitation.expires_at,
        Invitation.role,
        Invitation.is_admin,
    ).order_by(Invitation.id)
    tokens = await AuthToken.select(AuthToken.id, AuthToken.revoked_at).order_by(AuthToken.id)
    return users, invitations, tokens, await AuditEvent.count()


@pytest.mark.parametrize("manager_name", sorted(ALL))
async def test_every_user_write_as_each_manager(bo_factory, bo_api, manager_name):
    owner, client, roles = await _world(bo_factory)
    manager, group, company, peer_role = await _manager(
        bo_factory, manager_name, owner, client, roles
    )
    api = await bo_api(manager)
    low_role, admin_role = roles[group]["low"], roles[group]["admin_role"]
    counter = iter(range(10_000))

    async def target(admin: bool) -> dict:
        user = await user_with_role(bo_factory, company, group, None if admin else low_role)
        if admin:
            await User.update({User.is_admin: True}).where(User.id == user["id"])
        return user

    async def admin_invitation() -> int:
        invitation = Invitation(
            company=company["id"],
            email=f"pending{next(counter)}@example.test",
            group=group,
            is_admin=True,
            token_hash=hash_token(str(next(counter))),
            status="invited",
            expires_at=now() + timedelta(hours=1),
        )
        await invitation.save()
        return invitation.id

    # each write first makes its fresh target, then hands back the request to send
    def invite(**body):
        async def prepare():
            email = f"new{next(counter)}@example.test"
            data = {"email": email, "company_id": company["id"], "group": group, **body}
            return lambda: api.post("/api/v1/invitations", json=data)

        return prepare

    def on_user(admin: bool, method: str, body: dict | None = None):
        async def prepare():
            url = f"/api/v1/users/{(await target(admin))['id']}"
            if method == "delete":
                return lambda: api.delete(url)
            return lambda: api.patch(url, json=body)

        return prepare

    def on_invitation(action: str):
        async def prepare():
            url = f"/api/v1/invitations/{await admin_invitation()}"
            if action == "delete":
                return lambda: api.delete(url)
            return lambda: api.post(f"{url}/{action}")

        return prepare

    def on_token(admin: bool):
        async def prepare():
            user = await target(admin)
            await bo_factory.token(user, "api")
            token_id = (
                await AuthToken.select(AuthToken.id).where(AuthToken.user == user["id"]).first()
            )["id"]
            return lambda: api.delete(f"/api/v1/users/{user['id']}/tokens/{token_id}")

        return prepare

    writes = {
        "invite no restrictions": invite(is_admin=True),
        "invite with the Admin role": invite(role_id=admin_role),
        "invite with the peer role": invite(role_id=peer_role),
        "invite with a lower role": invite(role_id=low_role),
        "make a lower user admin": on_user(False, "patch", {"is_admin": True}),
        "give a lower user the Admin role": on_user(False, "patch", {"role_id": admin_role}),
        "give a lower user the peer role": on_user(False, "patch", {"role_id": peer_role}),
        "rename a lower user": on_user(False, "patch", {"first_name": "Renamed"}),
        "deactivate a lower user": on_user(False, "patch", {"status": "inactive"}),
        "delete a lower user": on_user(False, "delete"),
        "rename an admin": on_user(True, "patch", {"first_name": "Renamed"}),
        "demote an admin": on_user(True, "patch", {"is_admin": False, "role_id": low_role}),
        "deactivate an admin": on_user(True, "patch", {"status": "inactive"}),
        "delete an admin": on_user(True, "delete"),
        "resend an admin's invitation": on_invitation("resend"),
        "revoke an admin's invitation": on_invitation("revoke"),
        "delete an admin's invitation": on_invitation("delete"),
        "revoke a lower user's API token": on_token(False),
        "revoke an admin's API token": on_token(True),
    }
    assert set(writes) == set(EXPECTED)
    for name, prepare in writes.items():
        send = await prepare()
        before = await _state()
        res = await send()
        if manager_name in EXPECTED[name] and manager_name not in PORTAL_USERS:
            assert res.status_code in (200, 201, 204), (manager_name, name, res.text)
            assert await _state() != before, (manager_name, name)
        else:
            assert res.status_code == 403, (manager_name, name, res.text)
            assert res.headers["content-type"].startswith("application/problem+json")
            assert await _state() == before, (manager_name, name)


@pytest.mark.parametrize("manager_name", ["users_only", "client_manager", "portal_users_only"])
async def test_refused_writes_change_nothing(bo_factory, bo_api, manager_name):
    owner, client, roles = await _world(bo_factory)
    manager, group, company, _ = await _manager(bo_factory, manager_name, owner, client, roles)
    api = await bo_api(manager)
    boss = await bo_factory.user(company, is_admin=True) if group == "backoffice" else None
    if boss is None:
        boss = await user_with_role(bo_factory, company, "portal", None)
        await User.update({User.is_admin: True}).where(User.id == boss["id"])
    low = await user_with_role(bo_factory, company, group, roles[group]["low"])
    pending = Invitation(
        company=company["id"],
        email="boss2@example.test",
        group=group,
        is_admin=True,
        token_hash=hash_token("boss2"),
        status="invited",
        expires_at=now() + timedelta(hours=1),
    )
    await pending.save()
    admin_role = roles[group]["admin_role"]
    attempts = [
        ("patch", f"/api/v1/users/{low['id']}", {"is_admin": True}),
        ("patch", f"/api/v1/users/{low['id']}", {"role_id": admin_role}),
        ("patch", f"/api/v1/users/{low['id']}", {"first_name": "X", "is_admin": True}),
        ("patch", f"/api/v1/users/{boss['id']}", {"is_admin": False, "role_id": None}),
        ("patch", f"/api/v1/users/{boss['id']}", {"status": "inactive"}),
        ("patch", f"/api/v1/users/{boss['id']}", {"phone": "+16502530000"}),
        ("delete", f"/api/v1/users/{boss['id']}", None),
        ("post", f"/api/v1/invitations/{pending.id}/resend", None),
        ("post", f"/api/v1/invitations/{pending.id}/revoke", None),
        ("delete", f"/api/v1/invitations/{pending.id}", None),
        (
            "post",
            "/api/v1/invitations",
            {
                "email": "x@example.test",
                "company_id": company["id"],
                "group": group,
                "is_admin": True,
            },
        ),
        (
            "post",
            "/api/v1/invitations",
            {
                "email": "y@example.test",
                "company_id": company["id"],
                "group": group,
                "role_id": admin_role,
            },
        ),
    ]
    before = await _state()
    for method, url, body in attempts:
        kwargs = {"json": body} if body is not None else {}
        res = await getattr(api, method)(url, **kwargs)
        assert res.status_code == 403, (method, url, body, res.text)
        problem = res.json()
        assert problem["status"] == 403 and problem["detail"]
    assert await _state() == before
    assert await Invitation.count().where(Invitation.email.is_in(["x@example.test"])) == 0


async def test_field_named_when_granting_too_much(bo_factory, bo_api):
    owner, client, roles = await _world(bo_factory)
    manager, group, company, _ = await _manager(bo_factory, "users_only", owner, client, roles)
    api = await bo_api(manager)
    body = {"email": "a@example.test", "company_id": owner["id"], "is_admin": True}
    res = await api.post("/api/v1/invitations", json=body)
    assert res.json()["errors"] == [
        {"field": "is_admin", "message": "only an administrator can grant this"}
    ]
    body = {"email": "a@example.test", "company_id": owner["id"], "role_id": roles[group]["full"]}
    res = await api.post("/api/v1/invitations", json=body)
    assert res.status_code == 403 and res.json()["errors"][0]["field"] == "role_id"


async def test_backoffice_manager_onboards_client_portal_admins(bo_factory, bo_api):
    """The ceiling compares within a group: Users: manage covers the client portal's users."""
    owner, client, roles = await _world(bo_factory)
    manager, *_ = await _manager(bo_factory, "client_manager", owner, client, roles)
    api = await bo_api(manager)
    body = {"email": "boss@client.test", "company_id": client["id"], "group": "portal"}
    res = await api.post("/api/v1/invitations", json={**body, "is_admin": True})
    assert res.status_code == 201, res.text
    portal_admin = await user_with_role(bo_factory, client, "portal", None)
    await User.update({User.is_admin: True}).where(User.id == portal_admin["id"])
    res = await api.patch(f"/api/v1/users/{portal_admin['id']}", json={"status": "inactive"})
    assert res.status_code == 200, res.text


async def test_forms_offer_only_what_the_caller_can_grant(bo_client, bo_factory):
    from test_ui_helpers import post_form, sign_in

    owner, client, roles = await _world(bo_factory)
    manager, *_ = await _manager(bo_factory, "users_only", owner, client, roles)
    boss = await bo_factory.user(owner, email="boss@example.test")
    low = await user_with_role(bo_factory, owner, "backoffice", roles["backoffice"]["low"])
    await sign_in(bo_client, manager)

    def offered(html: str) -> set[int]:
        select = html.split('name="role_id"', 1)[1].split("</select>", 1)[0]
        return {int(v) for v in re.findall(r'value="(\d+)"', select)}

    form = (await bo_client.get("/users/invite?group=backoffice")).text
    assert 'name="is_admin"' not in form
    bo = roles["backoffice"]
    assert offered(form) == {bo["low"], bo["users_only"]}
    edit = (await bo_client.get(f"/users/{low['id']}")).text
    assert 'name="is_admin"' not in edit and offered(edit) == {bo["low"], bo["users_only"]}
    # an administrator's page is read-only for them, and a forged post is refused
    boss_page = (await bo_client.get(f"/users/{boss['id']}")).text
    assert "holds more rights than you" in boss_page and ">Save<" not in boss_page
    assert f'href="/users/{boss["id"]}/delete"' not in boss_page
    res = await post_form(
        bo_client,
        f"/users/{boss['id']}",
        {"first_name": "X", "status": "inactive", "role_id": str(bo["low"])},
        page=f"/users/{low['id']}",
    )
    assert res.status_code == 403 and "holds more rights than you" in res.text.lower()
    res = await post_form(
        bo_client,
        f"/users/{low['id']}",
        {"status": "active", "role_id": str(bo["full"])},
        page=f"/users/{low['id']}",
    )
    assert res.status_code == 403 and "grants more than you hold" in res.text.lower()
    assert (await User.select(User.role).where(User.id == low["id"]).first())["role"] == bo["low"]
    res = await post_form(
        bo_client,
        "/users/invite",
        {
            "email": "x@example.test",
            "group": "backoffice",
            "company_id": str(owner["id"]),
            "is_admin": "1",
        },
        page="/users/invite?group=backoffice",
    )
    assert res.status_code == 403 and "only an administrator can grant this" in res.text.lower()
    res = await post_form(bo_client, f"/users/{boss['id']}/delete", {}, page=f"/users/{low['id']}")
    assert res.status_code == 403
    assert await User.exists().where(User.id == boss["id"], User.status == "active")


async def test_role_form_offers_no_level_above_the_callers(bo_client, bo_factory):
    from test_ui_helpers import sign_in

    owner, client, roles = await _world(bo_factory)
    manager, *_ = await _manager(bo_factory, "users_only", owner, client, roles)
    await sign_in(bo_client, manager)
    form = (await bo_client.get("/roles/new?group=backoffice")).text

    def radio(area: str, level: str) -> str:
        return re.search(rf'<input type="radio" name="perm\.{area}" value="{level}"[^>]*>', form)[0]

    assert "disabled" not in radio("users", "manage")
    assert "disabled" not in radio("settings", "none")
    assert "disabled" in radio("settings", "view") and "disabled" in radio("finance", "manage")


async def test_invitation_page_hides_actions_on_an_admin_invitation(bo_client, bo_factory):
    from test_ui_helpers import post_form, sign_in

    owner, client, roles = await _world(bo_factory)
    manager, *_ = await _manager(bo_factory, "client_manager", owner, client, roles)
    pending = Invitation(
        company=owner["id"],
        email="boss-to-be@example.test",
        group="backoffice",
        is_admin=True,
        token_hash=hash_token("boss-to-be"),
        status="invited",
        expires_at=now() + timedelta(hours=1),
    )
    await pending.save()
    await sign_in(bo_client, manager)
    url = f"/users/invitations/{pending.id}"
    view = (await bo_client.get(url)).text
    assert "grants more than you hold" in view and f"{url}/revoke" not in view
    res = await post_form(bo_client, f"{url}/revoke", {}, page=url)
    assert res.status_code == 303 and res.headers["location"] == url
    assert "holds more rights than you" in (await bo_client.get(url)).text
    row = await Invitation.select(Invitation.status).where(Invitation.id == pending.id).first()
    assert row["status"] == "invited"
