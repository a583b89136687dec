"""Regression tests for the defects of issue 8 found trying the console as a new user."""

from __future__ import annotations

import re

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
