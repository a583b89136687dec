"""Roles pages: list, view, new from a template, edit, delete with confirmation, and scope."""

from __future__ import annotations

import re

from test_ui_helpers import csrf_of

from core.access.models import Role, RolePermission
from core.access.testing import role_id, user_with_role
from core.audit.models import AuditEvent


async def _session(bo_client, bo_factory, user: dict) -> None:
    bo_client.cookies.clear()
    bo_client.cookies.set("bo_session", await bo_factory.token(user, kind="session"))


async def _post(bo_client, path: str, data: dict, page: str):
    page_res = await bo_client.get(page)
    assert page_res.status_code == 200, page_res.text
    return await bo_client.post(path, data={"_csrf_token": csrf_of(page_res.text), **data})


async def _levels(role: int) -> dict[str, str]:
    rows = await RolePermission.select().where(RolePermission.role == role)
    return {r["area"]: r["level"] for r in rows}


async def _setup(bo_factory, bo_client):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Home")
    r2 = await bo_factory.company(owner, "reseller", name="Away")
    foreign = Role(company=r2["id"], name="Away desk", group="backoffice")
    await foreign.save()
    admin = await bo_factory.user(r1)
    await _session(bo_client, bo_factory, admin)
    return owner, r1, r2, foreign.id


async def test_list_shows_system_and_own_roles_only(bo_factory, bo_client):
    owner, r1, r2, foreign = await _setup(bo_factory, bo_client)
    mine = Role(company=r1["id"], name="Home desk", group="portal")
    await mine.save()
    res = await bo_client.get("/roles?sort=name&order=asc&page_size=50")
    assert res.status_code == 200
    names = re.findall(r'class="row-link" href="/roles/\d+">([^<]+)</a>', res.text)
    assert "Home desk" in names and "Away desk" not in names and names.count("Admin") == 2
    assert "System</span>" in res.text and ">All<" in res.text
    assert f'href="/roles/{mine.id}/edit"' in res.text
    res = await bo_client.get("/roles?kind=custom")
    names = re.findall(r'class="row-link" href="/roles/\d+">([^<]+)</a>', res.text)
    assert names == ["Home desk"]
    for path in (f"/roles/{foreign}", f"/roles/{foreign}/edit", f"/roles/{foreign}/delete"):
        assert (await bo_client.get(path)).status_code == 404, path


async def test_new_role_from_a_template(bo_factory, bo_client):
    owner, r1, *_ = await _setup(bo_factory, bo_client)
    template = await role_id("backoffice", "Finance manager")
    page = await bo_client.get(f"/roles/new?group=backoffice&template={template}")
    assert page.status_code == 200
    assert re.search(r'name="perm.finance" value="manage"[^>]* checked', page.text)
    assert re.search(r'name="perm.users" value="none"[^>]* checked', page.text)
    form = {
        "group": "backoffice",
        "template_id": str(template),
        "name": "Billing",
        "description": "Money people",
        "company_ids": str(r1["id"]),
        "perm.finance": "manage",
        "perm.audit": "view",
    }
    res = await _post(bo_client, "/roles/new", form, f"/roles/new?template={template}")
    assert res.status_code == 303, res.text
    role = await Role.select().where(Role.name == "Billing").first()
    assert res.headers["location"] == f"/roles/{role['id']}"
    assert role["template"] == "Finance manager" and role["company"] == r1["id"]
    levels = await _levels(role["id"])
    assert levels["finance"] == "manage" and levels["audit"] == "view"
    assert levels["reports"] == "none"  # the posted radios are the whole truth
    assert await AuditEvent.exists().where(AuditEvent.action == "Role created")
    view = await bo_client.get(f"/roles/{role['id']}")
    assert "Billing" in view.text and "Home" in view.text and "Money people" in view.text


async def test_form_errors_are_shown_and_nothing_is_saved(bo_factory, bo_client):
    await _setup(bo_factory, bo_client)
    before = await Role.count()
    res = await _post(bo_client, "/roles/new", {"group": "backoffice", "name": ""}, "/roles/new")
    assert res.status_code == 422 and ">Required<" in res.text
    res = await _post(
        bo_client, "/roles/new", {"group": "backoffice", "name": "Admin"}, "/roles/new"
    )
    assert res.status_code == 409 and "lready used by another role" in res.text
    res = await _post(
        bo_client,
        "/roles/new",
        {"group": "backoffice", "name": "X", "perm.users": "superuser"},
        "/roles/new",
    )
    assert res.status_code == 422
    assert await Role.count() == before


async def test_edit_and_system_roles_are_read_only(bo_factory, bo_client):
    owner, r1, *_ = await _setup(bo_factory, bo_client)
    mine = Role(company=r1["id"], name="Desk", group="backoffice")
    await mine.save()
    page = f"/roles/{mine.id}/edit"
    res = await _post(bo_client, page, {"name": "Front desk", "perm.users": "view"}, page)
    assert res.status_code == 303 and res.headers["location"] == f"/roles/{mine.id}"
    assert (await Role.select(Role.name).where(Role.id == mine.id))[0]["name"] == "Front desk"
    assert (await _levels(mine.id))["users"] == "view"
    admin = await role_id("backoffice", "Admin")
    view = await bo_client.get(f"/roles/{admin}")
    assert view.status_code == 200 and "cannot be changed" in view.text
    assert f'href="/roles/{admin}/edit"' not in view.text
    res = await bo_client.get(f"/roles/{admin}/edit")
    assert res.status_code == 409
    token = csrf_of((await bo_client.get(f"/roles/{mine.id}/edit")).text)
    res = await bo_client.post(f"/roles/{admin}/edit", data={"_csrf_token": token, "name": "Boss"})
    assert res.status_code == 409
    assert (await Role.select(Role.name).where(Role.id == admin))[0]["name"] == "Admin"


async def test_delete_with_confirmation_and_refusal_while_in_use(bo_factory, bo_client):
    owner, r1, *_ = await _setup(bo_factory, bo_client)
    mine = Role(company=r1["id"], name="Desk", group="backoffice")
    await mine.save()
    holder = await user_with_role(bo_factory, r1, "backoffice", mine.id)
    page = f"/roles/{mine.id}/delete"
    confirm = await bo_client.get(page)
    assert "Delete the role <strong>Desk</strong>" in confirm.text
    res = await _post(bo_client, page, {}, page)
    assert res.status_code == 409 and "assigned to 1 user" in res.text
    from core.auth.models import User

    await User.update({User.role: None}).where(User.id == holder["id"])
    res = await _post(bo_client, page, {}, page)
    assert res.status_code == 303 and res.headers["location"] == "/roles"
    assert not await Role.exists().where(Role.id == mine.id)


async def test_pages_need_the_users_permission(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    noc = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", "NOC engineer")
    )
    await _session(bo_client, bo_factory, noc)
    assert (await bo_client.get("/roles")).status_code == 200  # users: view
    res = await bo_client.get("/roles/new")
    assert res.status_code == 403 and "Users" in res.text
    rate = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
    )
    await _session(bo_client, bo_factory, rate)
    assert (await bo_client.get("/roles")).status_code == 403
