"""The guide's §14.2 reselling set-up, end to end through the public API and the sign-in page.

The tenant (system owner) creates a reseller company, its legal entity, an agreement, the
reselling association, the reseller's admin (invited by email) and a portal. The reseller then
signs in on its own portal's host name, finds what it buys under, and creates its own client
with a legal entity and an agreement. Finally each side probes the other's private objects and
gets 404. Runs on SQLite and on PostgreSQL like the rest of the suite.
"""

from __future__ import annotations

import httpx
from test_invitations_api import GOOD, last_link
from test_ui_helpers import csrf_of

from core.accounts.agreements.models import Agreement

RESELLER_HOST = "cats.example.test"


def _ok(res: httpx.Response, status: int = 201) -> dict:
    assert res.status_code == status, res.text
    return res.json() if res.content else {}


def _agreement(company_id: int, le_id: int, own_le_id: int, code: str, **extra) -> dict:
    return {
        "company_id": company_id,
        "legal_entity_id": le_id,
        "own_legal_entity_id": own_le_id,
        "code": code,
        "agreement_date": "2026-01-05",
        "currency": "EUR",
        "effective_from": "2026-01-05T00:00:00",
        "timezone": "Europe/Berlin",
        "billing_timezone": "Europe/Berlin",
        "billing_period": "monthly",
        "billing_day": 1,
        **extra,
    }


async def _sign_in_on_host(app, host: str, login: str, password: str) -> httpx.AsyncClient:
    """A browser-like client on ``host``: the sign-in page must carry that portal's branding."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50001)),
        base_url=f"http://{host}",
    )
    page = await client.get("/login")
    assert page.status_code == 200
    assert "<title>" in page.text and "Cats Portal" in page.text  # the reseller's title
    res = await client.post(
        "/login",
        data={"_csrf_token": csrf_of(page.text), "login": login, "password": password},
    )
    assert res.status_code == 303, res.text
    home = await client.get("/companies")
    assert home.status_code == 200 and "Cats Portal" in home.text
    return client


async def test_section_14_2_walkthrough(bo_factory, bo_api, bo_client, bo_app):
    owner = await bo_factory.owner()
    tenant = await bo_api(await bo_factory.user(owner, email="tenant.admin@example.test"))

    # Tenant, step 1: a reseller company.
    reseller = _ok(
        await tenant.post("/api/v1/companies", json={"name": "Cats Reseller", "type": "reseller"})
    )
    # The tenant's own legal entity (the seller side of its agreements).
    tenant_own_le = _ok(
        await tenant.post(
            "/api/v1/own-legal-entities",
            json={"name": "Platform Ltd", "legal_name": "Platform Ltd", "country": "DE"},
        )
    )
    # Step 2: a legal entity of the reseller.
    reseller_le = _ok(
        await tenant.post(
            "/api/v1/legal-entities",
            json={
                "company_id": reseller["id"],
                "name": "Cats Trading",
                "legal_name": "Cats Trading GmbH",
                "country": "AT",
            },
        )
    )
    # Step 3: the agreement between tenant and reseller.
    supply = _ok(
        await tenant.post(
            "/api/v1/agreements",
            json=_agreement(
                reseller["id"], reseller_le["id"], tenant_own_le["id"], "RS-1", credit_limit="500"
            ),
        )
    )
    assert supply["balance"] in ("0", "0.000000", "0.00")
    # Step 4: associate the agreement with the reseller's legal entity.
    association = _ok(
        await tenant.post(
            f"/api/v1/legal-entities/{reseller_le['id']}/reselling-agreements",
            json={"agreement_id": supply["id"], "effective_from": "2026-01-05T00:00:00"},
        )
    )
    # Step 6: the reseller's admin user, invited by email, signs up from the link.
    invited = _ok(
        await tenant.post(
            "/api/v1/invitations",
            json={
                "email": "cat.admin@example.test",
                "company_id": reseller["id"],
                "is_admin": True,
            },
        )
    )
    assert invited["status"] == "invited"
    token = await last_link("cat.admin@example.test")
    _ok(await bo_client.post(f"/api/v1/signup/{token}", json={**GOOD, "login": "cat.admin"}))
    # Step 7: a portal for the reseller; step 8: assigned to its legal entity.
    portal = _ok(
        await tenant.post(
            "/api/v1/portals",
            json={
                "company_id": reseller["id"],
                "name": "Cats Portal",
                "fqdn": RESELLER_HOST,
                "title": "Cats Portal",
                "status": "active",
            },
        )
    )
    assert portal["backoffice_url"].endswith(f"{RESELLER_HOST}/bo")
    _ok(
        await tenant.patch(
            f"/api/v1/legal-entities/{reseller_le['id']}", json={"portal_id": portal["id"]}
        ),
        200,
    )

    # The reseller signs in on its portal's host name and sees its branding.
    browser = await _sign_in_on_host(bo_app, RESELLER_HOST, "cat.admin", GOOD["password"])
    await browser.aclose()
    issued = _ok(
        await bo_client.post(
            "/api/v1/auth/token", json={"login": "cat.admin", "password": GOOD["password"]}
        ),
    )
    cats = httpx.Headers({"Authorization": f"Bearer {issued['access_token']}"})

    async def as_reseller(method: str, url: str, **kwargs) -> httpx.Response:
        return await bo_client.request(method, url, headers=cats, **kwargs)

    # Reseller, step 2: its legal entity is among its own legal entities, with the agreement
    # it buys under (balance and credit limit), and it may manage its portal.
    own = _ok(await as_reseller("GET", "/api/v1/own-legal-entities"), 200)
    assert [e["id"] for e in own["items"]] == [reseller_le["id"]]
    bought = _ok(
        await as_reseller(
            "GET", f"/api/v1/own-legal-entities/{reseller_le['id']}/reselling-agreements"
        ),
        200,
    )
    assert [(a["id"], a["agreement_code"], a["currency"]) for a in bought["items"]] == [
        (association["id"], "RS-1", "EUR")
    ]
    assert bought["items"][0]["credit_limit"].startswith("500")
    _ok(
        await as_reseller("PATCH", f"/api/v1/portals/{portal['id']}", json={"title": "Cats!"}),
        200,
    )

    # Reseller, steps 6-8: its own client, the client's legal entity and an agreement.
    client = _ok(
        await as_reseller(
            "POST", "/api/v1/companies", json={"name": "Kitten Shop", "type": "client"}
        )
    )
    client_le = _ok(
        await as_reseller(
            "POST",
            "/api/v1/legal-entities",
            json={
                "company_id": client["id"],
                "name": "Kitten Shop SRL",
                "legal_name": "Kitten Shop SRL",
                "country": "IT",
            },
        )
    )
    client_agreement = _ok(
        await as_reseller(
            "POST",
            "/api/v1/agreements",
            json=_agreement(client["id"], client_le["id"], reseller_le["id"], "KS-1"),
        )
    )
    assert client_agreement["own_legal_entity_id"] == reseller_le["id"]
    row = await Agreement.select().where(Agreement.id == client_agreement["id"]).first()
    assert row["company"] == client["id"] and client_agreement["balance"] == "0.000000"
    # The reseller's own banks are its own business too.
    bank = _ok(
        await as_reseller(
            "POST",
            "/api/v1/banks",
            json={"name": "Cats Bank", "country": "AT", "address": "Vienna"},
        )
    )

    # ... and a portal for its client, under its own domain.
    client_portal = _ok(
        await as_reseller(
            "POST",
            "/api/v1/portals",
            json={"company_id": client["id"], "name": "Kittens", "fqdn": "kittens.example.test"},
        )
    )
    assert client_portal["status"] == "draft"

    # Neither side sees the other's private objects.
    tenant_view = {
        f"/api/v1/portals/{client_portal['id']}",
        f"/api/v1/companies/{client['id']}",
        f"/api/v1/legal-entities/{client_le['id']}",
        f"/api/v1/agreements/{client_agreement['id']}",
        f"/api/v1/banks/{bank['id']}",
    }
    for url in tenant_view:
        assert (await tenant.get(url)).status_code == 404, url
    listed = _ok(await tenant.get("/api/v1/agreements"), 200)
    assert [a["id"] for a in listed["items"]] == [supply["id"]]
    reseller_view = {
        f"/api/v1/own-legal-entities/{tenant_own_le['id']}",
        f"/api/v1/legal-entities/{tenant_own_le['id']}",
        f"/api/v1/agreements/{supply['id']}",  # the tenant manages it, the reseller reads it
        f"/api/v1/legal-entities/{reseller_le['id']}/reselling-agreements",
        f"/api/v1/companies/{reseller['id']}",
    }
    for url in reseller_view:
        assert (await as_reseller("GET", url)).status_code == 404, url
    assert (
        await as_reseller(
            "POST",
            f"/api/v1/legal-entities/{reseller_le['id']}/reselling-agreements",
            json={"agreement_id": supply["id"], "effective_from": "2027-01-01T00:00:00"},
        )
    ).status_code == 404
    mine = _ok(await as_reseller("GET", "/api/v1/agreements"), 200)
    assert [a["id"] for a in mine["items"]] == [client_agreement["id"]]
