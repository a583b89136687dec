"""My account pages: settings, picture, preferences in the layout, tokens, password, deletion."""

from __future__ import annotations

import re

from test_my_account import _backdate_password, picture
from test_ui_helpers import post_form, sign_in, token_for

from core.auth.models import User


async def test_settings_page_shows_the_account(bo_client, bo_factory):
    owner = await bo_factory.owner()
    user = await bo_factory.user(
        owner, first_name="Ada", last_name="Lovelace", login="ada", email="ada@example.test"
    )
    await sign_in(bo_client, user)
    res = await bo_client.get("/account")
    assert res.status_code == 200
    for text in ("Ada Lovelace", "ada@example.test", ">ada<", "System owner", ">AL<"):
        assert text in res.text
    assert f"Account ID: {user['id']}" in res.text
    assert "Administrator (no restrictions)" in res.text
    for href in ('href="/account/security"', 'href="/account/tokens"'):
        assert href in res.text


async def test_name_form_saves_and_reports_errors(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner(), first_name="A", last_name="B")
    await sign_in(bo_client, user)
    res = await post_form(
        bo_client, "/account/name", {"first_name": " ", "last_name": "B"}, page="/account"
    )
    assert res.status_code == 422 and "Use 1 to 60 characters." in res.text
    res = await post_form(
        bo_client, "/account/name", {"first_name": "Grace", "last_name": "Hopper"}, page="/account"
    )
    assert res.status_code == 303
    page = await bo_client.get("/account")
    assert "Your name was saved." in page.text and ">GH<" in page.text


async def test_dark_appearance_is_applied_to_the_layout(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    await sign_in(bo_client, user)
    assert "appearance-dark" not in (await bo_client.get("/companies")).text
    res = await post_form(
        bo_client,
        "/account/preferences",
        {"appearance": "dark", "language": "en"},
        page="/account",
    )
    assert res.status_code == 303
    assert 'class="app appearance-dark"' in (await bo_client.get("/companies")).text
    bad = await post_form(
        bo_client, "/account/preferences", {"appearance": "dark", "language": "de"}, "/account"
    )
    assert bad.status_code == 422 and "supported: English (en)" in bad.text


async def test_avatar_upload_shows_the_picture_and_rejects_text(bo_client, bo_factory):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    await sign_in(bo_client, user)
    token = await token_for(bo_client, "/account")
    res = await bo_client.post(
        "/account/avatar",
        data={"_csrf_token": token},
        files={"avatar": ("me.png", b"hello, I am text", "image/png")},
    )
    assert res.status_code == 422 and "Upload a PNG, JPEG or WebP picture." in res.text
    res = await bo_client.post(
        "/account/avatar",
        data={"_csrf_token": token},
        files={"avatar": ("me.png", picture(), "image/png")},
    )
    assert res.status_code == 303, res.text
    page = await bo_client.get("/companies")
    assert f'<img class="avatar-img" src="/account/avatar/{user["id"]}"' in page.text
    img = await bo_client.get(f"/account/avatar/{user['id']}")
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert img.content.startswith(b"\x89PNG")

    res = await post_form(bo_client, "/account/avatar/remove", {}, page="/account")
    assert res.status_code == 303
    page = await bo_client.get("/companies")
    assert "avatar-img" not in page.text
    assert (await bo_client.get(f"/account/avatar/{user['id']}")).status_code == 404


async def test_avatar_of_another_tenant_is_404(bo_client, bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller")
    r2 = await bo_factory.company(owner, "reseller")
    client_of_r1 = await bo_factory.company(r1, "client")
    stranger = await bo_factory.user(r2)
    member = await bo_factory.user(client_of_r1)
    key_prefix = "avatars/"
    from core.storage import get_storage

    for person in (stranger, member):
        key = f"{key_prefix}{person['id']}-test.png"
        get_storage().save(key, picture())
        await User.update({User.avatar_key: key}).where(User.id == person["id"])
    await sign_in(bo_client, await bo_factory.user(r1))
    assert (await bo_client.get(f"/account/avatar/{stranger['id']}")).status_code == 404
    assert (await bo_client.get(f"/account/avatar/{member['id']}")).status_code == 200


async def test_token_secret_is_shown_once(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    await sign_in(bo_client, user)
    res = await post_form(
        bo_client,
        "/account/tokens",
        {"name": "CI", "scopes": "read", "expires_in_days": "7"},
    )
    assert res.status_code == 201, res.text
    secret = re.search(r"<code class=\"secret\" data-secret>([^<]+)</code>", res.text).group(1)
    api = await bo_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    listing = await bo_client.get("/account/tokens")
    assert "CI" in listing.text and secret not in listing.text
    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', listing.text).group(1)
    res = await post_form(bo_client, f"/account/tokens/{token_id}/revoke", {}, "/account/tokens")
    assert res.status_code == 303
    api = await bo_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401
    bad = await post_form(bo_client, "/account/tokens", {"name": "x", "expires_in_days": "7"})
    assert bad.status_code == 422


async def test_password_form_messages_and_generate(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    await _backdate_password(user)
    await sign_in(bo_client, user)
    page = await bo_client.get("/account/security")
    assert "Two-factor authentication" in page.text and "Disabled" in page.text
    res = await post_form(
        bo_client,
        "/account/password",
        {"current_password": "wrong", "new_password": "N3w-pass!", "confirm_password": "N3w"},
        page="/account/security",
    )
    assert res.status_code == 422 and "The password is not correct." in res.text
    res = await post_form(
        bo_client, "/account/password", {"action": "generate"}, page="/account/security"
    )
    generated = re.search(r'name="new_password" value="([^"]+)"', res.text).group(1)
    assert len(generated) >= 12
    res = await post_form(
        bo_client,
        "/account/password",
        {
            "action": "save",
            "current_password": user["password"],
            "new_password": "Brand-new-pass1",
            "confirm_password": "Brand-new-pass1",
        },
        page="/account/security",
    )
    assert res.status_code == 303, res.text
    assert (await bo_client.get("/account/security")).status_code == 200  # this session stays


async def test_delete_account_from_the_ui(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    user = await bo_factory.user(reseller)
    await sign_in(bo_client, user)
    res = await post_form(
        bo_client,
        "/account/delete",
        {"password": user["password"], "confirmation": "delete"},
    )
    assert res.status_code == 422 and "Type delete-account to confirm." in res.text
    res = await post_form(
        bo_client,
        "/account/delete",
        {"password": user["password"], "confirmation": "delete-account"},
    )
    assert res.status_code == 303 and res.headers["location"] == "/login"
    assert not await User.exists().where(User.id == user["id"])
    assert (await bo_client.get("/account")).status_code == 303


async def test_last_owner_admin_sees_a_clear_message(bo_client, bo_factory):
    admin = await bo_factory.user(await bo_factory.owner(), is_admin=True)
    await sign_in(bo_client, admin)
    res = await post_form(
        bo_client,
        "/account/delete",
        {"password": admin["password"], "confirmation": "delete-account"},
    )
    assert res.status_code == 409 and "last administrator of the system owner" in res.text
