"""Users pages: tabs, list, invitation actions, edit with departments, delete, scope."""

from __future__ import annotations

import re

from test_ui_helpers import post_form, sign_in

from core.auth.models import User
from core.mail.models import OutboundEmail
from core.users.models import Department, Invitation


async def test_tabs_list_and_invitation_actions(bo_client, bo_factory):
    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "client", name="Shop")
    admin = await bo_factory.user(owner, email="admin@example.test")
    await sign_in(bo_client, admin)
    res = await bo_client.get("/users")
    assert res.status_code == 200
    for label in (">ID<", ">User<", ">Company<", ">Status<", ">Role<", ">Last active<"):
        assert label in res.text
    assert "admin@example.test" in res.text and ">Client portal<" in res.text
    res = await post_form(
        bo_client,
        "/users/invite",
        {"email": "guest@example.test", "group": "portal", "company_id": str(client["id"])},
        page="/users/invite?group=portal",
    )
    assert res.status_code == 422 and "choose a role" in res.text.lower()
    res = await post_form(
        bo_client,
        "/users/invite",
        {
            "email": "guest@example.test",
            "group": "portal",
            "company_id": str(client["id"]),
            "is_admin": "1",
        },
        page="/users/invite?group=portal",
    )
    assert res.status_code == 303
    portal = (await bo_client.get("/users?group=portal")).text
    invitation = await Invitation.select().first()
    assert f'href="/users/invitations/{invitation["id"]}"' in portal
    assert "guest@example.test" not in (await bo_client.get("/users?group=backoffice")).text
    view = f"/users/invitations/{invitation['id']}"
    res = await post_form(bo_client, f"{view}/resend", {}, page=view)
    assert res.status_code == 303
    assert await OutboundEmail.count() == 2
    res = await post_form(bo_client, f"{view}/revoke", {}, page=view)
    assert res.status_code == 303
    assert "Revoked" in (await bo_client.get(view)).text
    res = await post_form(bo_client, f"{view}/resend", {}, page=view)
    assert res.status_code == 303 and res.headers["location"] == view
    res = await post_form(bo_client, f"{view}/delete", {}, page=view)
    assert res.status_code == 303 and await Invitation.count() == 0


async def test_edit_with_departments_and_delete(bo_client, bo_factory):
    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "client")
    await sign_in(bo_client, await bo_factory.user(owner))
    target = await bo_factory.user(client, is_admin=True)
    await User.update({User.group: "portal"}).where(User.id == target["id"])
    url = f"/users/{target['id']}"
    page = await bo_client.get(url)
    assert page.status_code == 200 and "Departments" in page.text
    form = {
        "first_name": "Pat",
        "last_name": "Lee",
        "phone": "+1 650 253 0000",
        "is_admin": "1",
        "role_id": "",
        "status": "active",
        "new_departments": "Support, Sales",
    }
    res = await post_form(bo_client, url, form)
    assert res.status_code == 303, res.text
    assert await Department.count().where(Department.company == client["id"]) == 2
    page = (await bo_client.get(url)).text
    assert re.search(r'value="Sales" checked', page) and re.search(r'value="Support" checked', page)
    res = await post_form(bo_client, url, {**form, "phone": "12"})
    assert res.status_code == 422 and "international format" in res.text
    res = await post_form(bo_client, f"{url}/delete", {}, page=f"{url}/delete")
    assert res.status_code == 303 and not await User.exists().where(User.id == target["id"])


async def test_foreign_user_pages_are_404(bo_client, bo_factory):
    owner = await bo_factory.owner()
    one = await bo_factory.company(owner, "reseller")
    two = await bo_factory.company(owner, "reseller")
    foreign = await bo_factory.user(two)
    await sign_in(bo_client, await bo_factory.user(one))
    assert (await bo_client.get(f"/users/{foreign['id']}")).status_code == 404
    assert (await bo_client.get(f"/users/{foreign['id']}/delete")).status_code == 404


async def test_mailbox_only_for_system_owner_admins(bo_client, bo_factory, monkeypatch):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    await sign_in(bo_client, await bo_factory.user(reseller))
    assert (await bo_client.get("/dev/mailbox")).status_code == 404
    await sign_in(bo_client, await bo_factory.user(owner))
    assert (await bo_client.get("/dev/mailbox")).status_code == 200
    import dataclasses

    from core.settings import get_settings

    configured = dataclasses.replace(get_settings(), smtp_host="smtp.example.test")
    monkeypatch.setattr("core.ui.mailbox.get_settings", lambda: configured)
    assert (await bo_client.get("/dev/mailbox")).status_code == 404


async def test_clear_filters_keeps_the_tab(bo_client, bo_factory):
    await sign_in(bo_client, await bo_factory.user(await bo_factory.owner()))
    for group in ("backoffice", "portal"):
        page = await bo_client.get(f"/users?group={group}&q=nobody")
        assert page.status_code == 200
        assert f'href="/users?group={group}">Clear</a>' in page.text
