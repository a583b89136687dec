"""Issue 8, navigation by permission: the 403 page, the role form's grantable choices."""

from __future__ import annotations

import re

from test_ui_helpers import csrf_of

from core.access.models import Role, RolePermission
from core.access.testing import role_id, user_with_role


async def _as(bo_client, bo_factory, user) -> None:
    bo_client.cookies.clear()
    bo_client.cookies.set("bo_session", await bo_factory.token(user, kind="session"))


async def _holder(bo_factory, name: str):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    user = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", name)
    )
    return reseller, user


async def test_a_403_names_the_missing_permission(bo_client, bo_factory):
    _, noc = await _holder(bo_factory, "NOC engineer")
    await _as(bo_client, bo_factory, noc)
    res = await bo_client.get("/roles/new")
    assert res.status_code == 403
    assert "You need Users: manage to open this page; your role gives you view." in res.text
    assert "reload" not in res.text
    token = csrf_of((await bo_client.get("/roles")).text)
    res = await bo_client.post("/roles/new", data={"_csrf_token": token, "name": "X"})
    assert res.status_code == 403 and "You need Users: manage to do this" in res.text


async def test_a_csrf_failure_still_suggests_a_reload(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    await _as(bo_client, bo_factory, user)
    await bo_client.get("/companies")
    res = await bo_client.post("/companies/new", data={"_csrf_token": "wrong", "name": "X"})
    assert res.status_code == 403 and "reload the page" in res.text


def _radios(html: str, area: str) -> list[str]:
    """The levels a user can pick: those above their own are shown disabled."""
    tags = re.findall(rf'<input type="radio" name="perm\.{area}" value="\w+"[^>]*>', html)
    return [re.search(r'value="(\w+)"', t)[1] for t in tags if " disabled" not in t]


async def test_the_role_form_offers_only_what_the_user_can_grant(bo_client, bo_factory):
    reseller, manager = await _holder(bo_factory, "Client manager")
    await _as(bo_client, bo_factory, manager)
    res = await bo_client.get("/roles/new?group=portal")
    assert res.status_code == 200
    # no portal permission to grant: the group is not offered, the form falls back
    assert '<option value="portal"' not in res.text
    assert 'name="group" value="backoffice"' in res.text
    assert _radios(res.text, "account_management") == ["none", "view", "manage"]
    assert _radios(res.text, "finance") == ["none", "view"]  # view only
    assert _radios(res.text, "settings") == ["none"]
    # a template above the user's own levels is lowered to what they may grant
    admin_role = await role_id("backoffice", "Admin")
    res = await bo_client.get(f"/roles/new?template={admin_role}")
    assert 'name="perm.finance" value="view" aria-label="Finance: view" checked' in res.text
    # posting the portal group anyway is refused with a form message
    token = csrf_of(res.text)
    res = await bo_client.post(
        "/roles/new", data={"_csrf_token": token, "name": "Sneaky", "group": "portal"}
    )
    assert res.status_code == 422 and "cannot grant any Client portal permission" in res.text
    assert not await Role.exists().where(Role.name == "Sneaky")


async def test_editing_keeps_a_stored_level_above_the_editors_own(bo_client, bo_factory):
    reseller, manager = await _holder(bo_factory, "Client manager")
    role = Role(company=reseller["id"], name="Money", group="backoffice")
    await role.save()
    await RolePermission(role=role.id, area="settings", level="manage").save()
    await _as(bo_client, bo_factory, manager)
    res = await bo_client.get(f"/roles/{role.id}/edit")
    assert res.status_code == 200
    assert _radios(res.text, "settings") == ["none", "view", "manage"]  # may stay or go down
    assert _radios(res.text, "finance") == ["none", "view"]


async def test_an_admin_is_offered_every_group_and_level(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller_admin = await bo_factory.user(await bo_factory.company(owner, "reseller"))
    # the system owner makes client-portal roles for its resellers' clients too
    for admin in (reseller_admin, await bo_factory.user(owner)):
        await _as(bo_client, bo_factory, admin)
        res = await bo_client.get("/roles/new")
        assert '<option value="portal"' in res.text and '<option value="backoffice"' in res.text
        assert _radios(res.text, "settings") == ["none", "view", "manage"]


async def test_access_can_answers_like_the_guards(bo_app, bo_factory):
    from core.access.visibility import access_for

    reseller, noc = await _holder(bo_factory, "NOC engineer")
    from core.auth.tokens import resolve_token

    principal = await resolve_token(await bo_factory.token(noc, "session"), "session")
    access = await access_for(bo_app, principal, {})
    assert access.can("/roles") and access.can("/roles/12?tab=x")  # users: view
    assert not access.can("/roles/new", "POST") and not access.can("/roles/12/edit", "POST")
    assert access.can("/audit") and access.can("/audit/export", "POST")  # export: manage
    assert not access.can("/nowhere") and not access.can("/roles", "DELETE")
    assert access.can("/account")  # any signed-in BackOffice user
    client = await bo_factory.company(reseller, "client")
    portal = await user_with_role(bo_factory, client, "portal", await role_id("portal", "Admin"))
    principal = await resolve_token(await bo_factory.token(portal, "session"), "session")
    access = await access_for(bo_app, principal, {})
    assert access.portal_user and not access.can("/account") and not access.can("/audit")
