"""The invitation journey in the browser pages: invite, read the mail in the dev mailbox,
follow the link, generate a password, sign up, sign in; and the closed-link pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from test_ui_helpers import csrf_of, post_form, sign_in

from core.auth.models import User
from core.users.models import Invitation

PASSWORD = re.compile(r'name="password" value="([^"]+)"')


async def _invite_through_the_ui(bo_client, bo_factory, email: str) -> str:
    """Invite as the system owner's admin; the sign-up path read from the dev mailbox."""
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(owner))
    res = await post_form(
        bo_client,
        "/users/invite",
        {"email": email, "group": "backoffice", "company_id": str(owner["id"]), "is_admin": "1"},
        page="/users/invite?group=backoffice",
    )
    assert res.status_code == 303, res.text
    assert res.headers["location"].startswith("/users/invitations/")  # issue 8: its own page
    listing = (await bo_client.get("/users?group=backoffice")).text
    assert f'Guest <span class="muted">{email}</span>' in listing
    box = (await bo_client.get("/dev/mailbox")).text
    message_id = re.search(r'href="/dev/mailbox/(\d+)">Your invitation', box).group(1)
    detail = (await bo_client.get(f"/dev/mailbox/{message_id}")).text
    link = html.unescape(re.search(r'href="([^"]+)" data-mail-link', detail).group(1))
    bo_client.cookies.clear()
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


async def test_invite_mailbox_signup_and_sign_in(bo_client, bo_factory):
    path = await _invite_through_the_ui(bo_client, bo_factory, "newbie@example.test")
    page = await bo_client.get(path)
    assert page.status_code == 200 and "newbie@example.test" in page.text
    fields = {
        "first_name": "New",
        "last_name": "Bie",
        "phone": "+44 20 7946 0958",
        "login": "newbie",
    }
    generated = await bo_client.post(
        path, data={"_csrf_token": csrf_of(page.text), **fields, "action": "generate"}
    )
    assert generated.status_code == 200
    password = html.unescape(PASSWORD.search(generated.text).group(1))
    assert len(password) >= 8 and 'value="newbie"' in generated.text
    mismatch = await bo_client.post(
        path,
        data={
            "_csrf_token": csrf_of(generated.text),
            **fields,
            "password": password,
            "password_confirm": password + "x",
            "action": "signup",
        },
    )
    assert mismatch.status_code == 422 and "Does not match the password" in mismatch.text
    done = await bo_client.post(
        path,
        data={
            "_csrf_token": csrf_of(generated.text),
            **fields,
            "password": password,
            "password_confirm": password,
            "action": "signup",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert await User.exists().where(User.login == "newbie", User.status == "active")
    login = await bo_client.get("/login")
    assert "Your account is ready" in login.text
    res = await bo_client.post(
        "/login",
        data={"_csrf_token": csrf_of(login.text), "login": "newbie", "password": password},
    )
    assert res.status_code == 303 and bo_client.cookies.get("bo_session")
    again = await bo_client.get(path)
    assert again.status_code == 404 and "This link is not valid" in again.text


async def test_expired_revoked_and_unknown_links_have_their_own_pages(bo_client, bo_factory):
    path = await _invite_through_the_ui(bo_client, bo_factory, "late@example.test")
    await Invitation.update(
        {Invitation.expires_at: datetime.now(UTC) - timedelta(seconds=1)}, force=True
    )
    res = await bo_client.get(path)
    assert res.status_code == 410 and "This invitation has expired" in res.text
    await Invitation.update({Invitation.status: "revoked"}, force=True)
    res = await bo_client.get(path)
    assert res.status_code == 410 and "This invitation was revoked" in res.text
    token = (await bo_client.get("/login")).text
    res = await bo_client.post(
        path, data={"_csrf_token": csrf_of(token), "first_name": "x", "action": "signup"}
    )
    assert res.status_code == 410 and "revoked" in res.text
    res = await bo_client.get("/signup/nonsense-token")
    assert res.status_code == 404 and "This link is not valid" in res.text
