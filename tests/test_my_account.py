"""My account over the API: profile, preferences, picture, password change and deletion."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from PIL import Image

from core.audit.models import AuditChange, AuditEvent
from core.auth.models import AuthToken, User
from core.auth.tokens import now


def picture(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(out, format=fmt)
    return out.getvalue()


async def _backdate_password(user: dict) -> None:
    """The policy's 24-hour minimum age would refuse a change right after the factory set it."""
    await User.update({User.password_changed_at: now() - timedelta(days=2)}).where(
        User.id == user["id"]
    )


async def test_me_shows_the_account_fields_without_secrets(bo_factory, bo_api):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner, first_name="Ada", last_name="Lovelace", login="ada")
    res = await (await bo_api(user)).get("/api/v1/me")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["id"] == user["id"] and body["full_name"] == "Ada Lovelace"
    assert body["login"] == "ada" and body["email"] == user["email"]
    assert body["role_label"].startswith("Administrator") and body["is_admin"] is True
    assert body["company"] == {"id": owner["id"], "name": owner["name"], "type": "owner"}
    assert body["phone"] == "" and body["initials"] == "AL" and body["avatar_url"] is None
    assert body["appearance"] == "light" and body["language"] == "en"
    assert "password" not in res.text and user["password_hash"] not in res.text
    assert "totp" not in res.text


async def test_name_is_trimmed_and_limited_to_60_characters(bo_factory, bo_api):
    user = await bo_factory.user(await bo_factory.owner(), first_name="A", last_name="B")
    api = await bo_api(user)
    res = await api.patch("/api/v1/me", json={"first_name": "  Grace  ", "last_name": " Hopper"})
    assert res.status_code == 200, res.text
    assert res.json()["full_name"] == "Grace Hopper"
    for bad in ("   ", "x" * 61):
        res = await api.patch("/api/v1/me", json={"first_name": bad})
        assert res.status_code == 422
        assert res.json()["errors"] == [
            {"field": "first_name", "message": "Use 1 to 60 characters."}
        ]
    ok = await api.patch("/api/v1/me", json={"last_name": "y" * 60})
    assert ok.status_code == 200 and ok.json()["last_name"] == "y" * 60
    assert (await api.patch("/api/v1/me", json={"login": "takeover"})).status_code == 400
    row = await User.select(User.first_name, User.login).where(User.id == user["id"]).first()
    assert row == {"first_name": "Grace", "login": None}

    event = await AuditEvent.select().where(AuditEvent.action == "Profile updated").first()
    change = await AuditChange.select().where(AuditChange.event == event["id"]).first()
    assert json.loads(change["old_values"]) == {"first_name": "A", "last_name": "B"}
    assert json.loads(change["new_values"]) == {"first_name": "Grace", "last_name": "Hopper"}


async def test_preferences_are_validated_against_the_supported_lists(bo_factory, bo_api):
    user = await bo_factory.user(await bo_factory.owner())
    api = await bo_api(user)
    res = await api.patch("/api/v1/me", json={"appearance": "dark", "language": "en"})
    assert res.status_code == 200 and res.json()["appearance"] == "dark"
    res = await api.patch("/api/v1/me", json={"appearance": "neon", "language": "fr"})
    assert res.status_code == 422
    fields = {e["field"]: e["message"] for e in res.json()["errors"]}
    assert fields["appearance"] == "Choose light or dark."
    assert "supported: English (en)" in fields["language"]
    options = (await api.get("/api/v1/me/preferences/options")).json()
    assert options == {
        "appearances": ["light", "dark"],
        "languages": [{"code": "en", "name": "English"}],
    }
    row = await User.select(User.appearance, User.language).where(User.id == user["id"]).first()
    assert row == {"appearance": "dark", "language": "en"}


async def test_avatar_is_checked_by_content_and_size(bo_factory, bo_api):
    user = await bo_factory.user(await bo_factory.owner())
    api = await bo_api(user)

    async def upload(name: str, content: bytes, ctype: str = "image/png"):
        return await api.put("/api/v1/me/avatar", files={"file": (name, content, ctype)})

    text = await upload("photo.png", b"this is plain text, not a picture")
    assert text.status_code == 422
    assert text.json()["errors"][0] == {
        "field": "avatar",
        "message": "Upload a PNG, JPEG or WebP picture.",
    }
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    assert (await upload("a.png", gif.getvalue())).status_code == 422
    truncated = picture()[:60]
    assert (await upload("broken.png", truncated)).status_code == 422
    big = picture() + b"\0" * (2 * 1024 * 1024)
    res = await upload("big.png", big)
    assert res.status_code == 422 and "2 MB" in res.json()["errors"][0]["message"]
    assert (await User.select(User.avatar_key).where(User.id == user["id"]).first()) == {
        "avatar_key": ""
    }


async def test_avatar_is_reencoded_and_served_with_its_type(bo_factory, bo_api):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    api = await bo_api(user)
    # A JPEG named .png with trailing bytes: stored as a clean JPEG, scaled down.
    content = picture("JPEG", (1200, 800)) + b"<script>alert(1)</script>"
    res = await api.put("/api/v1/me/avatar", files={"file": ("me.png", content, "image/png")})
    assert res.status_code == 200, res.text
    assert res.json()["avatar_url"] == f"/account/avatar/{user['id']}"
    served = await api.get("/api/v1/me/avatar")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert b"<script>" not in served.content
    assert Image.open(io.BytesIO(served.content)).size == (512, 341)
    again = await api.get("/api/v1/me/avatar", headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304

    webp = await api.put(
        "/api/v1/me/avatar", files={"file": ("x.bin", picture("WEBP"), "application/x")}
    )
    assert webp.status_code == 200
    assert (await api.get("/api/v1/me/avatar")).headers["content-type"] == "image/webp"
    from core.storage import get_storage

    key = (await User.select(User.avatar_key).where(User.id == user["id"]).first())["avatar_key"]
    assert key.endswith(".webp") and get_storage().exists(key)
    assert (await api.delete("/api/v1/me/avatar")).status_code == 204
    assert not get_storage().exists(key)
    assert (await api.get("/api/v1/me/avatar")).status_code == 404
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action)]
    assert actions.count("Avatar uploaded") == 2 and "Avatar removed" in actions


async def test_password_change_needs_the_current_password_and_a_match(bo_factory, bo_api):
    user = await bo_factory.user(await bo_factory.owner())
    await _backdate_password(user)
    api = await bo_api(user)

    async def change(current: str, new: str, confirm: str | None = None):
        body = {"current_password": current, "new_password": new, "confirm_password": confirm}
        body["confirm_password"] = new if confirm is None else confirm
        return await api.post("/api/v1/me/password", json=body)

    wrong = await change("not-my-password", "Brand-new-pass1")
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "current_password", "message": "The password is not correct."}
    ]
    mismatch = await change(user["password"], "Brand-new-pass1", "Brand-new-pass2")
    assert mismatch.json()["errors"][0]["field"] == "confirm_password"
    weak = await change(user["password"], "short")
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "new_password"
    assert "at least 8 characters" in weak.json()["errors"][0]["message"]
    classes = await change(user["password"], "alllowercaseletters")
    assert "must mix at least 3" in classes.json()["errors"][0]["message"]
    same = await change(user["password"], user["password"])
    assert "last 7 passwords" in same.json()["errors"][0]["message"]

    ok = await change(user["password"], "Brand-new-pass1")
    assert ok.status_code == 204, ok.text
    from core.auth.passwords import verify_password

    row = await User.select(User.password_hash).where(User.id == user["id"]).first()
    assert verify_password(row["password_hash"], "Brand-new-pass1")
    assert await AuditEvent.exists().where(AuditEvent.action == "Password changed")
    # The policy's minimum age now applies to the person themselves.
    again = await change("Brand-new-pass1", "Another-pass-22")
    assert again.status_code == 422 and "hours ago" in again.json()["errors"][0]["message"]


async def test_password_change_ends_other_ui_sessions(bo_factory, bo_api):
    user = await bo_factory.user(await bo_factory.owner())
    await _backdate_password(user)
    other_session = await bo_factory.token(user, kind="session")
    api = await bo_api(user)
    body = {
        "current_password": user["password"],
        "new_password": "Brand-new-pass1",
        "confirm_password": "Brand-new-pass1",
    }
    assert (await api.post("/api/v1/me/password", json=body)).status_code == 204
    from core.auth.tokens import resolve_token

    assert await resolve_token(other_session, "session") is None
    assert (await api.get("/api/v1/me")).status_code == 200  # the API token stays


async def test_delete_account_paths(bo_factory, bo_api):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner, is_admin=True)
    api = await bo_api(admin)

    phrase = await api.post(
        "/api/v1/me/delete", json={"password": admin["password"], "confirmation": "delete"}
    )
    assert phrase.status_code == 422 and phrase.json()["errors"][0]["field"] == "confirmation"
    wrong = await api.post(
        "/api/v1/me/delete", json={"password": "nope-nope", "confirmation": "delete-account"}
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "password"
    last = await api.post(
        "/api/v1/me/delete", json={"password": admin["password"], "confirmation": "delete-account"}
    )
    assert last.status_code == 409 and "last administrator" in last.json()["detail"]
    assert await User.exists().where(User.id == admin["id"])

    reseller = await bo_factory.company(owner, "reseller")
    lone = await bo_factory.user(reseller, is_admin=True, email="lone@example.test")
    lone_api = await bo_api(lone)
    other_session = await bo_factory.token(lone, kind="session")
    res = await lone_api.post(
        "/api/v1/me/delete", json={"password": lone["password"], "confirmation": "delete-account"}
    )
    assert res.status_code == 204, res.text
    assert not await User.exists().where(User.id == lone["id"])
    assert not await AuthToken.exists().where(AuthToken.user == lone["id"])
    assert (await lone_api.get("/api/v1/me")).status_code == 401
    from core.auth.tokens import resolve_token

    assert await resolve_token(other_session, "session") is None
    event = (
        await AuditEvent.select().where(AuditEvent.action == "Account deleted by its owner").first()
    )
    assert event["user_label"] == "lone@example.test" and event["user"] is None
    change = await AuditChange.select().where(AuditChange.event == event["id"]).first()
    assert change["operation"] == "delete" and "password_hash" not in change["old_values"]


async def test_a_second_owner_admin_may_delete_themselves(bo_factory, bo_api):
    owner = await bo_factory.owner()
    await bo_factory.user(owner, is_admin=True)
    second = await bo_factory.user(owner, is_admin=True)
    res = await (await bo_api(second)).post(
        "/api/v1/me/delete", json={"password": second["password"], "confirmation": "delete-account"}
    )
    assert res.status_code == 204
    assert not await User.exists().where(User.id == second["id"])


async def test_schema_documents_the_account_endpoints(bo_client):
    res = await bo_client.get("/api/schema/openapi.json")
    assert res.status_code == 200
    paths = res.json()["paths"]
    assert {"/api/v1/me", "/api/v1/me/tokens", "/api/v1/me/password"} <= set(paths)
    assert "multipart/form-data" in str(paths["/api/v1/me/avatar"]["put"])


async def test_avatar_upload_without_its_file_part_is_a_400_naming_it(bo_factory, bo_api):
    """Regression: a multipart body without a file part crashed litestar's extractor (500)."""
    user = await bo_factory.user(await bo_factory.owner())
    api = await bo_api(user)
    res = await api.put("/api/v1/me/avatar", files={"other": ("me.png", b"x", "image/png")})
    assert res.status_code == 400
    assert res.headers["content-type"] == "application/problem+json"
    assert res.json()["errors"][0]["field"] == "file"
    empty = await api.put("/api/v1/me/avatar", data={"note": "no file"})
    assert empty.status_code == 400
