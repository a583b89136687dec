"""Regression tests for the defects of issue 8 found trying the console as a new user."""

from __future__ import annotations

import re

from test_agreements_api import make, world
from test_ui_helpers import post_form, sign_in

from core.users.models import Invitation


async def test_users_list_tells_an_invitation_from_a_user_with_the_same_id(bo_client, bo_factory):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner, email="admin@example.test")
    await sign_in(bo_client, admin)
    res = await post_form(
        bo_client,
        "/users/invite",
        {
            "email": "g@example.test",
            "group": "backoffice",
            "company_id": str(owner["id"]),
            "is_admin": "1",
        },
        page="/users/invite?group=backoffice",
    )
    assert res.status_code == 303, res.text
    invitation = await Invitation.select(Invitation.id).first()
    cells = re.findall(r'<td class="col-id">([^<]*)</td>', (await bo_client.get("/users")).text)
    assert f"User {admin['id']}" in cells and f"Invitation {invitation['id']}" in cells


async def test_amounts_in_forms_show_as_typed(bo_client, bo_factory, bo_api):
    w = await world(bo_factory)
    created = await make(await bo_api(w["user"]), w, credit_limit="500", code="AMT")
    await sign_in(bo_client, w["user"])
    version = created["current_version"]["id"]
    for path in (
        f"/agreements/{created['id']}/versions/new",
        f"/agreements/{created['id']}/versions/{version}/edit",
    ):
        text = (await bo_client.get(path)).text
        assert 'name="credit_limit" inputmode="decimal" value="500.00"' in text, path
        assert "500.000000" not in text


async def test_two_factor_warning_renders_only_when_ticked(bo_client, bo_factory):
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(owner))
    warning = re.compile(
        r'<div class="alert alert-info"[^>]*data-shown-when="two_factor_required"([^>]*)>'
    )
    (attrs,) = warning.findall((await bo_client.get("/companies/new")).text)
    assert "hidden" in attrs  # not ticked: the warning is there for the script, but hidden
    res = await post_form(
        bo_client, "/companies/new", {"name": "", "type": "client", "two_factor_required": "1"}
    )
    assert res.status_code == 422
    (attrs,) = warning.findall(res.text)
    assert "hidden" not in attrs  # ticked: shown, also without JavaScript
