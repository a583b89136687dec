"""Invitations over the API: the emailed link, sign-up, expiry, revoke, resend and scope."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from core.audit.models import AuditChange
from core.auth.models import User
from core.mail.models import OutboundEmail
from core.users.models import Invitation

LINK = re.compile(r"http://[^/\s]+/signup/([A-Za-z0-9_-]+)")
GOOD = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+44 20 7946 0958",
    "login": "ada.lovelace",
    "password": "Analytical-Engine-1843",
    "password_confirm": "Analytical-Engine-1843",
}


async def role_id(group: str, key: str) -> int:
    from core.access.system_roles import system_role_id

    return await system_role_id(group, key)


async def last_link(to: str) -> str:
    mail = (
        await OutboundEmail.select()
        .where(OutboundEmail.to_address == to)
        .order_by(OutboundEmail.id, ascending=False)
        .first()
    )
    assert mail is not None and mail["status"] == "captured"
    match = LINK.search(mail["text_body"])
    assert match, mail["text_body"]
    assert match.group(1) in mail["html_body"]
    return match.group(1)


async def invite(api, company: dict, email: str, **extra) -> dict:
    body = {"email": email, "company_id": company["id"], "is_admin": True, **extra}
    res = await api.post("/api/v1/invitations", json=body)
    assert res.status_code == 201, res.text
    return res.json()


async def test_invite_email_signup_then_sign_in(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Acme")
    api = await bo_api(await bo_factory.user(owner))
    manager = await role_id("backoffice", "client_manager")
    created = await invite(
        api, reseller, "New.Person@Example.test", is_admin=False, role_id=manager
    )
    assert created["email"] == "new.person@example.test" and created["status"] == "invited"
    assert created["role_name"] == "Client manager" and created["company_name"] == "Acme"
    assert "token" not in json.dumps(created)
    token = await last_link("new.person@example.test")

    info = await bo_client.get(f"/api/v1/signup/{token}")
    assert info.status_code == 200 and info.json()["email"] == "new.person@example.test"
    res = await bo_client.post(f"/api/v1/signup/{token}", json=GOOD)
    assert res.status_code == 201, res.text
    done = res.json()
    assert done["login"] == "ada.lovelace" and done["two_factor_enabled"] is False
    user = await User.select().where(User.id == done["user_id"]).first()
    assert user["company"] == reseller["id"] and user["group"] == "backoffice"
    assert user["role"] == manager and user["phone"] == "+442079460958"
    assert user["status"] == "active" and not user["must_change_password"]
    assert user["password_hash"].startswith("$argon2")

    res = await bo_client.post(
        "/api/v1/auth/token", json={"login": "ada.lovelace", "password": GOOD["password"]}
    )
    assert res.status_code in (200, 201), res.text
    assert (
        await bo_client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {res.json()['access_token']}"}
        )
    ).json()["email"] == "new.person@example.test"
    row = await Invitation.select().where(Invitation.id == created["id"]).first()
    assert row["status"] == "accepted" and row["user"] == user["id"]
    # reused link
    again = await bo_client.post(f"/api/v1/signup/{token}", json={**GOOD, "login": "other"})
    assert again.status_code == 404
    assert (await bo_client.get(f"/api/v1/signup/{token}")).status_code == 404


async def test_expired_and_revoked_links(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    first = await invite(api, owner, "late@example.test")
    late = await last_link("late@example.test")
    await Invitation.update(
        {Invitation.expires_at: datetime.now(UTC) - timedelta(minutes=1)}
    ).where(Invitation.id == first["id"])
    res = await bo_client.post(f"/api/v1/signup/{late}", json=GOOD)
    assert res.status_code == 410 and "expired" in res.json()["detail"]
    assert (await api.get(f"/api/v1/invitations/{first['id']}")).json()["status"] == "expired"
    listed = (await api.get("/api/v1/users?group=backoffice&status=expired")).json()
    assert [e["email"] for e in listed["items"]] == ["late@example.test"]

    second = await invite(api, owner, "gone@example.test")
    gone = await last_link("gone@example.test")
    res = await api.post(f"/api/v1/invitations/{second['id']}/revoke")
    assert res.status_code == 200 and res.json()["status"] == "revoked"
    res = await bo_client.post(f"/api/v1/signup/{gone}", json=GOOD)
    assert res.status_code == 410 and "revoked" in res.json()["detail"]
    assert (await api.post(f"/api/v1/invitations/{second['id']}/resend")).status_code == 409
    assert not await User.exists().where(
        User.email.is_in(["late@example.test", "gone@example.test"])
    )


async def test_resend_replaces_the_link_and_expiry(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    created = await invite(api, owner, "twice@example.test")
    old = await last_link("twice@example.test")
    await Invitation.update({Invitation.expires_at: datetime.now(UTC) - timedelta(hours=1)}).where(
        Invitation.id == created["id"]
    )
    res = await api.post(f"/api/v1/invitations/{created['id']}/resend")
    assert res.status_code == 200 and res.json()["status"] == "invited"
    assert datetime.fromisoformat(res.json()["expires_at"]) > datetime.now(UTC) + timedelta(
        hours=71
    )
    new = await last_link("twice@example.test")
    assert new != old
    assert await OutboundEmail.count().where(OutboundEmail.to_address == "twice@example.test") == 2
    assert (await bo_client.post(f"/api/v1/signup/{old}", json=GOOD)).status_code == 404
    assert (await bo_client.post(f"/api/v1/signup/{new}", json=GOOD)).status_code == 201


async def test_duplicates_are_rejected(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner, email="taken@example.test", login="taken_login")
    api = await bo_api(admin)
    res = await api.post(
        "/api/v1/invitations",
        json={"email": "TAKEN@example.test", "company_id": owner["id"], "is_admin": True},
    )
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "email"
    await invite(api, owner, "pending@example.test")
    res = await api.post(
        "/api/v1/invitations",
        json={"email": "pending@example.test", "company_id": owner["id"], "is_admin": True},
    )
    assert res.status_code == 409
    token = await last_link("pending@example.test")
    res = await bo_client.post(f"/api/v1/signup/{token}", json={**GOOD, "login": "Taken_Login"})
    assert res.status_code == 422
    assert {"field": "login", "message": "is already taken; choose another"} in res.json()["errors"]
    assert await Invitation.count().where(Invitation.status == "invited") == 1


async def test_signup_validation(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    await invite(api, owner, "careful@example.test")
    token = await last_link("careful@example.test")
    cases = [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 555 0100"}, "phone"),
        ({"login": "bad login!"}, "login"),
        ({"login": "ab"}, "login"),
        ({"login": "кирилл"}, "login"),
        ({"password": "short", "password_confirm": "short"}, "password"),
        (
            {"password": "alllowercaseletters", "password_confirm": "alllowercaseletters"},
            "password",
        ),
        ({"password_confirm": "Something-Else-1"}, "password_confirm"),
        ({"first_name": "   "}, "first_name"),
    ]
    for change, field in cases:
        res = await bo_client.post(f"/api/v1/signup/{token}", json={**GOOD, **change})
        assert res.status_code == 422, (change, res.text)
        assert field in {e["field"] for e in res.json()["errors"]}, (change, res.json())
    res = await bo_client.post(f"/api/v1/signup/{token}", json={**GOOD, "extra": 1})
    assert res.status_code == 400
    assert not await User.exists().where(User.email == "careful@example.test")
    assert (await bo_client.get("/api/v1/signup/not-a-real-token")).status_code == 404


async def test_two_factor_from_invitation_or_company(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    strict = await bo_factory.company(owner, "client", two_factor_required=True)
    api = await bo_api(await bo_factory.user(owner))
    created = await invite(api, strict, "strict@example.test", group="portal")
    assert created["two_factor"] is True
    token = await last_link("strict@example.test")
    res = await bo_client.post(f"/api/v1/signup/{token}", json=GOOD)
    assert res.status_code == 201 and res.json()["two_factor_enabled"] is True
    await invite(api, owner, "asked@example.test", two_factor=True)
    token = await last_link("asked@example.test")
    res = await bo_client.post(f"/api/v1/signup/{token}", json={**GOOD, "login": "asked"})
    assert res.json()["two_factor_enabled"] is True


async def test_invitation_rules(bo_factory, bo_api):
    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "client")
    api = await bo_api(await bo_factory.user(owner))
    portal_admin = await role_id("portal", "admin")
    bo_manager = await role_id("backoffice", "client_manager")
    cases = [
        ({"company_id": client["id"], "group": "backoffice", "is_admin": True}, 422, "group"),
        ({"company_id": owner["id"], "is_admin": False}, 422, "role_id"),
        ({"company_id": owner["id"], "role_id": portal_admin}, 422, "role_id"),
        ({"company_id": client["id"], "group": "portal", "role_id": bo_manager}, 422, "role_id"),
        ({"company_id": owner["id"], "is_admin": True, "email": "not-an-email"}, 422, "email"),
    ]
    for body, status, field in cases:
        res = await api.post("/api/v1/invitations", json={"email": "x@example.test", **body})
        assert res.status_code == status, (body, res.text)
        assert res.json()["errors"][0]["field"] == field
    assert await Invitation.count() == 0
    assert await OutboundEmail.count() == 0


async def test_secrets_stay_out_of_output_and_audit(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    created = await invite(api, owner, "secret@example.test")
    token = await last_link("secret@example.test")
    await api.post(f"/api/v1/invitations/{created['id']}/resend")
    token = await last_link("secret@example.test")
    await bo_client.post(f"/api/v1/signup/{token}", json=GOOD)
    row = await Invitation.select(Invitation.token_hash).first()
    user = await User.select(User.password_hash).where(User.login == "ada.lovelace").first()
    outputs = [
        (await api.get(f"/api/v1/invitations/{created['id']}")).text,
        (await api.get("/api/v1/invitations")).text,
        (await api.get("/api/v1/users?group=backoffice")).text,
    ]
    changes = await AuditChange.select(AuditChange.old_values, AuditChange.new_values)
    outputs += [c["old_values"] + c["new_values"] for c in changes]
    for text in outputs:
        for secret in (token, row["token_hash"], user["password_hash"], GOOD["password"]):
            assert secret not in text
        assert "token_hash" not in text and "password_hash" not in text


async def test_sibling_reseller_gets_404(bo_factory, bo_api):
    owner = await bo_factory.owner()
    one = await bo_factory.company(owner, "reseller")
    two = await bo_factory.company(owner, "reseller")
    api_one = await bo_api(await bo_factory.user(one))
    api_two = await bo_api(await bo_factory.user(two))
    created = await invite(api_one, one, "mine@example.test")
    for method, url in (
        ("get", f"/api/v1/invitations/{created['id']}"),
        ("post", f"/api/v1/invitations/{created['id']}/resend"),
        ("post", f"/api/v1/invitations/{created['id']}/revoke"),
        ("delete", f"/api/v1/invitations/{created['id']}"),
    ):
        assert (await getattr(api_two, method)(url)).status_code == 404, url
    res = await api_two.post(
        "/api/v1/invitations",
        json={"email": "hijack@example.test", "company_id": one["id"], "is_admin": True},
    )
    assert res.status_code == 404
    assert (await api_two.get("/api/v1/invitations")).json()["items"] == []
    assert (await api_one.get(f"/api/v1/invitations/{created['id']}")).status_code == 200
    assert await Invitation.count() == 1
