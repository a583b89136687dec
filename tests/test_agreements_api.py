"""Agreements over the API: create with the first version, fixed fields, codes, balance rules,
listing, audit and tenant isolation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ledger_helpers import set_balance

from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditChange, AuditEvent

AG = "/api/v1/agreements"


async def entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=f"{name} Ltd", country="DE")
    await row.save()
    return row.id


async def account(company: dict, entity_id: int, name: str) -> int:
    bank = Bank(company=company["id"], name=f"Bank of {name}", country="DE", address="Main St 1")
    await bank.save()
    row = BankAccount(
        company=company["id"],
        legal_entity=entity_id,
        bank=bank.id,
        name=name,
        holder=name,
        number=f"DE{bank.id:08d}",
    )
    await row.save()
    return row.id


async def world(bo_factory) -> dict:
    """A tenant (r1) with a client and a reseller it created, a sibling tenant and users."""
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Tenant One")
    r2 = await bo_factory.company(owner, "reseller", name="Sibling Tenant")
    c1 = await bo_factory.company(r1, "client", name="Client Co")
    rr = await bo_factory.company(r1, "reseller", name="Sub Reseller")
    w = {"owner": owner, "r1": r1, "r2": r2, "c1": c1, "rr": rr}
    w["own_le"] = await entity(r1, "Tenant Entity")
    w["own_ba"] = await account(r1, w["own_le"], "Tenant account")
    w["c1_le"] = await entity(c1, "Client Entity")
    w["c1_ba"] = await account(c1, w["c1_le"], "Client account")
    w["rr_le"] = await entity(rr, "Reseller Entity")
    w["r2_le"] = await entity(r2, "Sibling Entity")
    w["user"] = await bo_factory.user(r1)
    w["sibling_user"] = await bo_factory.user(r2)
    w["client_user"] = await bo_factory.user(c1)
    w["sub_user"] = await bo_factory.user(rr)
    return w


def body(w: dict, **extra) -> dict:
    return {
        "company_id": w["c1"]["id"],
        "legal_entity_id": w["c1_le"],
        "own_legal_entity_id": w["own_le"],
        "bank_account_id": w["c1_ba"],
        "own_bank_account_id": w["own_ba"],
        "code": "AG-1",
        "agreement_date": "2025-01-15",
        "currency": "eur",
        "effective_from": "2025-02-01T00:00:00",
        "timezone": "Europe/Berlin",
        "credit_limit": "1500.50",
        "billing_timezone": "Europe/Berlin",
        "billing_period": "weekly",
        "billing_day": 1,
        "split_by_month": True,
        "days_for_payment": 14,
        "invoice_emails": ["Billing@client.test", "billing@client.test"],
        **extra,
    }


async def make(api, w, **extra) -> dict:
    res = await api.post(AG, json=body(w, **extra))
    assert res.status_code == 201, res.text
    return res.json()


async def test_create_with_first_version_read_update_delete_and_audit(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    created = await make(api, w)
    assert created["currency"] == "EUR" and created["balance"] == "0.000000"
    assert created["company_name"] == "Client Co" and created["direction"] == "client"
    assert created["own_bank_account_name"] == "Tenant account"
    version = created["current_version"]
    # Berlin midnight in February is 23:00 UTC the day before; the zone is kept for display
    assert version["effective_from"].startswith("2025-01-31T23:00:00")
    assert version["effective_from_local"] == "2025-02-01T00:00:00"
    assert version["effective_till"] is None and version["status"] == "current"
    assert created["credit_limit"] == "1500.500000" == version["credit_limit"]
    assert version["invoice_emails"] == ["Billing@client.test"]
    stored = await AgreementVersion.select().where(AgreementVersion.agreement == created["id"])
    assert len(stored) == 1 and stored[0]["credit_limit"] == 1_500_500_000

    url = f"{AG}/{created['id']}"
    assert (await api.get(url)).json() == created
    res = await api.patch(url, json={"code": "AG-1b", "bank_account_id": None})
    assert res.status_code == 200, res.text
    assert res.json()["code"] == "AG-1b" and res.json()["bank_account_id"] is None
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404
    assert not await AgreementVersion.exists().where(AgreementVersion.agreement == created["id"])

    events = await AuditEvent.select(AuditEvent.id, AuditEvent.action).order_by(AuditEvent.id)
    events = [e for e in events if e["action"].startswith("Agreement")]
    actions = [e["action"] for e in events]
    assert actions == ["Agreement created", "Agreement updated", "Agreement deleted"]
    first = await AuditChange.select().where(AuditChange.event == events[0]["id"])
    assert {c["table_name"] for c in first} == {"agreements", "agreement_versions"}
    update = await AuditChange.select().where(AuditChange.event == events[1]["id"]).first()
    assert json.loads(update["new_values"]) == {"code": "AG-1b", "bank_account": None}
    assert update["object_company_id"] == w["c1"]["id"]
    deleted = await AuditChange.select().where(AuditChange.event == events[2]["id"])
    assert sorted(c["table_name"] for c in deleted) == ["agreement_versions", "agreements"]


async def test_validation_messages_name_the_field(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    cases = [
        ({"direction": "vendor"}, "direction", "not supported"),
        ({"currency": "EUX"}, "currency", "ISO 4217"),
        ({"company_id": w["r2"]["id"]}, "company_id", "companies you created"),
        ({"legal_entity_id": w["rr_le"]}, "legal_entity_id", "chosen company"),
        ({"own_legal_entity_id": w["c1_le"]}, "own_legal_entity_id", "your own"),
        ({"bank_account_id": w["own_ba"]}, "bank_account_id", "legal entity"),
        ({"own_bank_account_id": w["c1_ba"]}, "own_bank_account_id", "own legal entity"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ({"billing_timezone": "CET1"}, "billing_timezone", "IANA"),
        ({"credit_limit": "-1"}, "credit_limit", "0 or more"),
        ({"credit_limit": "1.0000001"}, "credit_limit", "decimal places"),
        ({"billing_day": 8}, "billing_day", "7 (Sunday)"),
        ({"billing_period": "monthly", "billing_day": 32}, "billing_day", "1 to 31"),
        ({"billing_period": "daily", "billing_day": 3, "split_by_month": False}, "billing_day", ""),
        ({"billing_period": "monthly", "billing_day": 31}, "split_by_month", "daily and weekly"),
        ({"days_for_payment": 366}, "days_for_payment", "365"),
        ({"effective_till": "2025-01-01T00:00:00"}, "effective_till", "later than"),
        ({"account_emails": ["not-an-email"]}, "account_emails", "not a valid"),
        # 02:30 on the last Sunday of March does not exist in Berlin
        ({"effective_from": "2025-03-30T02:30:00"}, "effective_from", "does not exist"),
        ({"balance": "100"}, "balance", "cannot be set"),
    ]
    for extra, field, text in cases:
        res = await api.post(AG, json=body(w, **extra))
        assert res.status_code == 422, (extra, res.text)
        error = res.json()["errors"][0]
        assert error["field"] == field and text in error["message"], (extra, error)
    assert await Agreement.count() == 0 and await AgreementVersion.count() == 0
    res = await api.post(AG, json=body(w, billing_period="yearly"))
    assert res.status_code == 400 and res.json()["errors"][0]["field"] == "billing_period"
    # daily with an empty day and unlimited credit is fine
    created = await make(api, w, billing_period="daily", billing_day=None, credit_limit="")
    assert created["credit_limit"] is None and created["current_version"]["billing_day"] == 1


async def test_codes_are_unique_per_seller_ignoring_case(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    first = await make(api, w, code="Alpha-7")
    res = await api.post(AG, json=body(w, code="alpha-7"))
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "code"
    second = await make(api, w, code="Beta")
    res = await api.patch(f"{AG}/{second['id']}", json={"code": "ALPHA-7"})
    assert res.status_code == 409
    assert (await api.patch(f"{AG}/{first['id']}", json={"code": "ALPHA-7"})).status_code == 200
    # another seller may use the same code
    sibling_le = w["r2_le"]
    r2_client = await world_client(bo_factory, w["r2"])
    other = await bo_api(w["sibling_user"])
    res = await other.post(
        AG,
        json=body(
            w,
            company_id=r2_client["id"],
            legal_entity_id=await entity(r2_client, "Their client"),
            own_legal_entity_id=sibling_le,
            bank_account_id=None,
            own_bank_account_id=None,
            code="alpha-7",
        ),
    )
    assert res.status_code == 201, res.text


async def world_client(bo_factory, parent: dict) -> dict:
    return await bo_factory.company(parent, "client", name="Their Client")


async def test_fixed_fields_and_balance_cannot_change(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    created = await make(api, w)
    url = f"{AG}/{created['id']}"
    for change, field in (
        ({"company_id": w["rr"]["id"]}, "company_id"),
        ({"direction": "vendor"}, "direction"),
        ({"currency": "USD"}, "currency"),
        ({"balance": "5"}, "balance"),
    ):
        res = await api.patch(url, json=change)
        assert res.status_code == 422 and res.json()["errors"][0]["field"] == field, res.text
    # the same values are accepted (a client may send the whole object back)
    same = {"company_id": w["c1"]["id"], "direction": "client", "currency": "eur"}
    assert (await api.patch(url, json=same)).status_code == 200
    res = await api.patch(url, json={"legal_entity_id": await entity(w["c1"], "Second")})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "bank_account_id"


async def test_delete_refused_with_money_or_reselling_use(bo_factory, bo_api):
    from core.accounts.reselling.models import ResellingAssociation

    w = await world(bo_factory)
    api = await bo_api(w["user"])
    created = await make(api, w)
    await set_balance(created["id"], -2_500_000)
    res = await api.delete(f"{AG}/{created['id']}")
    assert res.status_code == 409 and "-2.500000 EUR" in res.json()["detail"]
    shown = (await api.get(f"{AG}/{created['id']}")).json()
    assert shown["balance"] == "-2.500000"

    sub = await make(
        api,
        w,
        code="SUB",
        company_id=w["rr"]["id"],
        legal_entity_id=w["rr_le"],
        bank_account_id=None,
    )
    await ResellingAssociation(
        legal_entity=w["rr_le"],
        agreement=sub["id"],
        effective_from=datetime(2025, 1, 1, tzinfo=UTC),
    ).save()
    res = await api.delete(f"{AG}/{sub['id']}")
    assert res.status_code == 409 and "reselling" in res.json()["detail"]
    assert await Agreement.count() == 2


async def test_list_filters_sorting_paging_and_version_in_force(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    await make(api, w, code="C-1", currency="EUR", credit_limit="10")
    await make(api, w, code="C-2", currency="USD", credit_limit=None)
    future = await make(api, w, code="F-3", effective_from="2090-01-01T00:00:00")
    items = (await api.get(AG, params={"sort": "code", "order": "asc"})).json()["items"]
    assert [a["code"] for a in items] == ["C-1", "C-2", "F-3"]
    assert [a["credit_limit"] for a in items] == ["10.000000", None, None]
    assert items[2]["current_version"] is None  # nothing in force yet
    assert [a["code"] for a in (await api.get(AG, params={"currency": "usd"})).json()["items"]] == [
        "C-2"
    ]
    res = await api.get(AG, params={"in_force_on": "2090-06-01", "q": "3"})
    assert [a["id"] for a in res.json()["items"]] == [future["id"]]
    res = await api.get(AG, params={"in_force_on": "2024-06-01"})
    assert res.json()["total"] == 0
    page = (await api.get(AG, params={"page_size": 2, "page": 2, "sort": "id"})).json()
    assert page["total"] == 3 and page["pages"] == 2 and len(page["items"]) == 1
    assert (await api.get(AG, params={"sort": "secret"})).status_code == 422
    assert (await api.get(AG, params={"direction": "sideways"})).status_code == 422
    for user in ("sibling_user", "sub_user"):
        other = await bo_api(w[user])
        assert (await other.get(AG)).json()["total"] == 0
    assert (await (await bo_api(w["client_user"])).get(AG)).status_code == 403  # issue 8


async def test_foreign_ids_answer_404(bo_factory, bo_api):
    w = await world(bo_factory)
    created = await make(await bo_api(w["user"]), w)
    url = f"{AG}/{created['id']}"
    version_id = created["current_version"]["id"]
    # the sub-reseller is the buyer, yet it is the client here, not the seller
    for user in ("sibling_user", "sub_user"):
        api = await bo_api(w[user])
        assert (await api.get(url)).status_code == 404
        assert (await api.patch(url, json={"code": "X"})).status_code == 404
        assert (await api.delete(url)).status_code == 404
        assert (await api.get(f"{url}/versions")).status_code == 404
        res = await api.post(f"{url}/versions", json={"effective_from": "2091-01-01T00:00:00"})
        assert res.status_code == 404
        assert (await api.get(f"{url}/versions/{version_id}")).status_code == 404
        res = await api.patch(f"{url}/versions/{version_id}", json={"days_for_payment": 1})
        assert res.status_code == 404
        assert (await api.delete(f"{url}/versions/{version_id}")).status_code == 404
    assert await Agreement.count() == 1 and await AgreementVersion.count() == 1
