"""Portals over the API: CRUD with audit, field rules, scope, lists, domain check, delete."""

from __future__ import annotations

import json

import pytest

from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditChange, AuditEvent
from core.portals import domain
from core.settings import get_settings
from tenants.models import Company, Portal

API = "/api/v1/portals"


def _body(**extra) -> dict:
    return {"name": "Hooves portal", "fqdn": "portal.hooves.example", **extra}


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Reseller One")
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    return owner, r1, r2, c1


async def _portal(company: dict, name: str, fqdn: str, **fields) -> int:
    row = Portal(company=company["id"], name=name, fqdn=fqdn, **fields)
    await row.save()
    return row.id


@pytest.fixture
def public_addresses(monkeypatch):
    """Set BACKOFFICE_PUBLIC_ADDRESSES for one test (settings are cached per process)."""

    def use(value: str) -> None:
        monkeypatch.setenv("BACKOFFICE_PUBLIC_ADDRESSES", value)
        get_settings.cache_clear()

    yield use
    monkeypatch.delenv("BACKOFFICE_PUBLIC_ADDRESSES", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def dns(monkeypatch):
    """A fake resolver: ``dns["host"] = [addresses]``; unknown names do not resolve."""
    answers: dict[str, list[str]] = {}
    asked: list[str] = []

    async def resolve(host: str) -> list[str]:
        asked.append(host)
        return answers.get(host, [])

    monkeypatch.setattr(domain, "resolve_addresses", resolve)
    answers["asked"] = asked  # type: ignore[assignment]
    return answers


async def test_crud_with_audit_and_write_only_secret(bo_factory, bo_api):
    owner, r1, r2, c1 = await _tree(bo_factory)
    admin = await bo_factory.user(r1)
    api = await bo_api(admin)
    res = await api.post(
        API,
        json=_body(
            fqdn=" Portal.Hooves.EXAMPLE. ",
            languages=["en", "DE", "en"],
            login_descriptions={"de": "Willkommen", "en": " Welcome "},
            primary_color="#1A73E8",
            intercom_enabled=True,
            intercom_app_id="abc123",
            intercom_secret="s3cret-value",
            support_email="help@hooves.example",
            shortener_domain="Go.Hooves.Example",
            theme="default",
            title="Hooves",
        ),
    )
    assert res.status_code == 201, res.text
    portal = res.json()
    assert portal["company_id"] == r1["id"] and portal["company_name"] == "Reseller One"
    assert portal["fqdn"] == "portal.hooves.example"
    assert portal["backoffice_url"] == "https://portal.hooves.example/bo"
    assert portal["status"] == "draft"  # explicitly, whatever the column default says
    assert portal["languages"] == ["en", "de"]
    assert portal["login_descriptions"] == {"de": "Willkommen", "en": "Welcome"}
    assert (
        portal["primary_color"] == "#1a73e8" and portal["shortener_domain"] == "go.hooves.example"
    )
    assert portal["intercom_secret_set"] is True and "intercom_secret" not in portal
    assert portal["created_by"] == admin["email"] and portal["updated_by_id"] == admin["id"]
    assert portal["domain_status"] == "unchecked" and portal["files"] == []
    stored = await Portal.select(Portal.intercom_secret).where(Portal.id == portal["id"]).first()
    assert stored["intercom_secret"] and "s3cret" not in stored["intercom_secret"]
    from core.auth.secrets import decrypt

    assert decrypt(stored["intercom_secret"], "portal-secrets") == "s3cret-value"

    url = f"{API}/{portal['id']}"
    assert (await api.get(url)).json() == portal
    res = await api.patch(url, json={"status": "active", "title": "Hooves & Co"})
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "active" and res.json()["title"] == "Hooves & Co"
    res = await api.patch(url, json={"intercom_secret": "", "intercom_enabled": False})
    assert res.status_code == 200 and res.json()["intercom_secret_set"] is False
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404

    events = await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)
    actions = [e["action"] for e in events if e["action"].startswith("Portal")]
    assert actions[0] == "Portal created" and actions[-1] == "Portal deleted"
    assert actions.count("Portal updated") == 2
    changes = await AuditChange.select().where(AuditChange.table_name == "portals")
    for change in changes:
        text = change["old_values"] + change["new_values"]
        assert "s3cret" not in text and 'intercom_secret"' not in text
    update = next(c for c in changes if c["operation"] == "update" and "title" in c["new_values"])
    assert json.loads(update["old_values"]) == {"status": "draft", "title": "Hooves"}


async def test_company_is_own_or_a_created_one(bo_factory, bo_api):
    owner, r1, r2, c1 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    res = await api.post(API, json=_body(company_id=c1["id"]))
    assert res.status_code == 201 and res.json()["company_name"] == "Client of One"
    for foreign in (r2["id"], owner["id"], 999999):
        res = await api.post(API, json=_body(company_id=foreign, fqdn=f"x{foreign}.example.com"))
        assert res.status_code == 422 and res.json()["errors"][0]["field"] == "company_id"
    client_api = await bo_api(await bo_factory.user(c1))
    res = await client_api.post(API, json=_body(fqdn="client.example.com"))
    assert res.status_code == 403  # issue 8: client-portal users are refused every call
    assert await Portal.count() == 1


@pytest.mark.parametrize(
    ("fqdn", "stored"),
    [
        ("bücher.example", "xn--bcher-kva.example"),
        ("LOCALHOST:3000", "localhost:3000"),
        ("127.0.0.1:8000", "127.0.0.1:8000"),
        ("[::1]:8443", "[::1]:8443"),
        ("a-b.c.example.org", "a-b.c.example.org"),
    ],
)
async def test_fqdn_is_normalised(bo_factory, bo_api, fqdn, stored):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.post(API, json=_body(fqdn=fqdn))
    assert res.status_code == 201, res.text
    assert res.json()["fqdn"] == stored


async def test_every_field_rule_answers_with_its_field(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    cases = [
        ({"name": "   "}, "name", "must not be blank"),
        ({"fqdn": ""}, "fqdn", "must not be blank"),
        ({"fqdn": "https://x.example.com/"}, "fqdn", "without scheme"),
        ({"fqdn": "example.com:8443"}, "fqdn", "only allowed with localhost"),
        ({"fqdn": "localhost:99999"}, "fqdn", "between 1 and 65535"),
        ({"fqdn": "-bad-.example.com"}, "fqdn", "not a valid domain name"),
        ({"fqdn": "under_score.example.com"}, "fqdn", "not a valid domain name"),
        ({"fqdn": "intranet"}, "fqdn", "not a fully qualified"),
        ({"fqdn": "a" * 64 + ".example.com"}, "fqdn", "not a valid domain name"),
        ({"fqdn": "2001:db8::1"}, "fqdn", "in brackets"),
        ({"theme": "no-such-theme"}, "theme", "must be one of"),
        ({"languages": ["en", "xx", "english"]}, "languages", "“xx”, “english”"),
        ({"languages": []}, "languages", "at least one"),
        ({"login_descriptions": {"fr": "Bonjour"}}, "login_descriptions", "“fr” is not one"),
        ({"primary_color": "blue"}, "primary_color", "#1a73e8"),
        ({"primary_color": "#12345g"}, "primary_color", "#1a73e8"),
        ({"shortener_domain": "go.example.com:80"}, "shortener_domain", "not a valid domain"),
        ({"intercom_enabled": True}, "intercom_app_id", "required when Intercom"),
        ({"intercom_app_id": "has space"}, "intercom_app_id", "letters, digits"),
        ({"support_email": "nobody"}, "support_email", "not a valid email"),
    ]
    for extra, field, message in cases:
        res = await api.post(API, json=_body(**extra))
        assert res.status_code == 422, (extra, res.text)
        error = res.json()["errors"][0]
        assert error["field"] == field and message in error["message"], (extra, error)
    for extra, field in (
        ({"status": "error"}, "status"),
        ({"certificate_mode": "sometimes"}, "certificate_mode"),
        ({"primary_color": "#12345678"}, "primary_color"),
        ({"unknown": 1}, "unknown"),
    ):
        res = await api.post(API, json=_body(**extra))
        assert res.status_code == 400 and res.json()["errors"][0]["field"] == field, res.text
    assert await Portal.count() == 0
    assert not await AuditEvent.exists().where(AuditEvent.action == "Portal created")


async def test_fqdn_is_unique_ignoring_case(bo_factory, bo_api):
    owner, r1, r2, c1 = await _tree(bo_factory)
    await _portal(r2, "Theirs", "taken.example.com")
    api = await bo_api(await bo_factory.user(r1))
    res = await api.post(API, json=_body(fqdn="TAKEN.example.com"))
    assert res.status_code == 409
    assert res.json()["errors"] == [
        {"field": "fqdn", "message": "taken.example.com is already used by another portal"}
    ]
    mine = (await api.post(API, json=_body())).json()
    res = await api.patch(f"{API}/{mine['id']}", json={"fqdn": "taken.example.com"})
    assert res.status_code == 409
    res = await api.patch(f"{API}/{mine['id']}", json={"fqdn": mine["fqdn"], "name": "Same"})
    assert res.status_code == 200  # its own name is not a clash


async def test_sibling_and_client_users_get_404_on_every_id_route(bo_factory, bo_api):
    owner, r1, r2, c1 = await _tree(bo_factory)
    theirs = await _portal(r1, "R1 portal", "r1.example.com", status="active")
    for outsider in (r2, c1):
        api = await bo_api(await bo_factory.user(outsider))
        url = f"{API}/{theirs}"
        calls = [
            ("get", url, {}),
            ("patch", url, {"json": {"name": "Hijacked"}}),
            ("delete", url, {}),
            ("get", f"{url}/references", {}),
            ("post", f"{url}/check-domain", {}),
            (
                "put",
                f"{url}/certificate",
                {"json": {"certificate_pem": "x", "private_key_pem": "y"}},
            ),
            ("put", f"{url}/files/favicon", {"files": {"file": ("f.png", b"x", "image/png")}}),
            ("get", f"{url}/files/favicon", {}),
            ("delete", f"{url}/files/favicon", {}),
        ]
        for method, target, kwargs in calls:
            res = await getattr(api, method)(target, **kwargs)
            expected = 403 if outsider is c1 else 404  # issue 8: client users are refused
            assert res.status_code == expected, (outsider["name"], method, target, res.text)
        if outsider is not c1:
            assert (await api.get(API)).json()["items"] == []
    assert await Portal.count().where(Portal.name == "R1 portal") == 1


async def test_list_filters_sorting_and_paging(bo_factory, bo_api):
    owner, r1, r2, c1 = await _tree(bo_factory)
    await _portal(r1, "Alpha", "alpha.example.com", status="draft")
    await _portal(c1, "Beta", "beta.example.com", status="active")
    await _portal(r1, "Gamma", "gamma.example.org", status="error")
    await _portal(r2, "Foreign", "foreign.example.com")
    grandchild = await bo_factory.company(c1, "client", name="Grandchild")
    await _portal(grandchild, "Too deep", "deep.example.com")
    api = await bo_api(await bo_factory.user(r1))

    async def names(query: str) -> list[str]:
        res = await api.get(f"{API}?{query}")
        assert res.status_code == 200, res.text
        return [p["name"] for p in res.json()["items"]]

    assert await names("sort=name&order=asc") == ["Alpha", "Beta", "Gamma"]
    assert await names(f"company_id={c1['id']}") == ["Beta"]
    assert await names("status=error") == ["Gamma"]
    assert await names("q=EXAMPLE.ORG") == ["Gamma"]
    assert await names("q=alp") == ["Alpha"]
    assert await names("sort=fqdn&order=desc") == ["Gamma", "Beta", "Alpha"]
    assert await names("sort=company&order=asc&page_size=1&page=1") == ["Beta"]
    page = (await api.get(f"{API}?page_size=2")).json()
    assert page["total"] == 3 and page["pages"] == 2 and len(page["items"]) == 2
    assert (await api.get(f"{API}?status=gone")).status_code == 422
    assert (await api.get(f"{API}?sort=intercom_secret")).status_code == 422


async def test_themes_list(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.get("/api/v1/themes")
    assert res.status_code == 200
    assert {"name": "default", "label": "Default"} in [
        {"name": t["name"], "label": t["label"]} for t in res.json()
    ] or any(t["name"] == "default" for t in res.json())


async def test_bo_redirects_to_the_start_page(bo_client):
    res = await bo_client.get("/bo")
    assert res.status_code == 302 and res.headers["location"] == "/"


async def test_delete_unlinks_legal_entities_and_companies(bo_factory, bo_api):
    owner, r1, r2, c1 = await _tree(bo_factory)
    portal_id = await _portal(r1, "In use", "used.example.com")
    entity = LegalEntity(company=r1["id"], name="E", legal_name="E", country="DE", portal=portal_id)
    await entity.save()
    await Company.update({Company.portal: portal_id}).where(Company.id == c1["id"])
    api = await bo_api(await bo_factory.user(r1))
    res = await api.get(f"{API}/{portal_id}/references")
    assert res.json() == {"legal_entities": 1, "companies": 1}
    assert (await api.delete(f"{API}/{portal_id}")).status_code == 204
    row = await LegalEntity.select(LegalEntity.portal).where(LegalEntity.id == entity.id).first()
    assert row["portal"] is None
    company = await Company.select(Company.portal).where(Company.id == c1["id"]).first()
    assert company["portal"] is None


async def test_domain_check_outcomes_and_status(bo_factory, bo_api, dns, public_addresses):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    portal = (await api.post(API, json=_body(status="active"))).json()
    check = f"{API}/{portal['id']}/check-domain"

    public_addresses("")
    dns["portal.hooves.example"] = ["198.51.100.7"]
    res = (await api.post(check)).json()
    assert res["domain_status"] == "not_configured" and res["status"] == "active"
    assert "198.51.100.7" in res["domain_message"]
    assert "BACKOFFICE_PUBLIC_ADDRESSES" in res["domain_message"]

    public_addresses("203.0.113.10, 2001:db8::0001")
    res = (await api.post(check)).json()
    assert res["domain_status"] == "mismatch" and res["status"] == "error"
    assert "198.51.100.7" in res["domain_message"] and "203.0.113.10" in res["domain_message"]
    assert res["domain_checked_at"]

    dns["portal.hooves.example"] = ["203.0.113.10", "2001:db8::1"]
    res = (await api.post(check)).json()
    assert res["domain_status"] == "ok" and res["status"] == "draft"  # error cleared
    assert "203.0.113.10" in res["domain_message"]

    dns["portal.hooves.example"] = []
    res = (await api.post(check)).json()
    assert res["domain_status"] == "unresolved" and res["status"] == "error"
    assert "does not resolve" in res["domain_message"]
    assert dns["asked"] == ["portal.hooves.example"] * 4  # the resolver never saw a real DNS
    events = await AuditEvent.count().where(AuditEvent.action == "Portal domain checked")
    assert events == 4


async def test_domain_check_of_an_ip_literal_needs_no_dns(
    bo_factory, bo_api, dns, public_addresses
):
    public_addresses("127.0.0.1")
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    portal = (await api.post(API, json=_body(fqdn="127.0.0.1:8000"))).json()
    res = (await api.post(f"{API}/{portal['id']}/check-domain")).json()
    assert res["domain_status"] == "ok" and dns["asked"] == []


def test_public_addresses_setting_is_validated():
    from core.settings import SettingsError, load_settings

    settings = load_settings({"BACKOFFICE_PUBLIC_ADDRESSES": " 203.0.113.1,2001:DB8::1,, "})
    assert settings.public_addresses == ("203.0.113.1", "2001:db8::1")
    with pytest.raises(SettingsError, match=r"PUBLIC_ADDRESSES.*'example\.com'"):
        load_settings({"BACKOFFICE_PUBLIC_ADDRESSES": "203.0.113.1,example.com"})


async def test_the_real_resolver_answers_sorted_addresses_or_nothing(monkeypatch):
    import asyncio
    import socket

    loop = asyncio.get_running_loop()

    async def fake(host, port, type):
        if host == "missing.example":
            raise socket.gaierror("no such name")
        return [
            (socket.AF_INET6, type, 6, "", ("2001:db8::5", 0, 0, 0)),
            (socket.AF_INET, type, 6, "", ("192.0.2.9", 0)),
            (socket.AF_INET, type, 6, "", ("192.0.2.9", 0)),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", fake)
    assert await domain.resolve_addresses("ok.example") == ["192.0.2.9", "2001:db8::5"]
    assert await domain.resolve_addresses("missing.example") == []
