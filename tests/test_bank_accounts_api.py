"""Bank accounts over the API: both resources, origins, number rules, scope and audit."""

from __future__ import annotations

import json

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity

BA = "/api/v1/bank-accounts"
OWN = "/api/v1/own-bank-accounts"
IBAN = "DE89 3704 0044 0532 0130 00"
IBAN_COMPACT = "DE89370400440532013000"


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Reseller One")
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    c2 = await bo_factory.company(r2, "client", name="Client of Two")
    return owner, r1, r2, c1, c2


async def _entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=name, country="DE")
    await row.save()
    return row.id


async def _bank(company: dict, name: str) -> int:
    row = Bank(company=company["id"], name=name, country="DE", address="Main street 1")
    await row.save()
    return row.id


async def _account(company: dict, entity: int, bank: int, name: str, **fields) -> int:
    fields = {"holder": f"{name} holder", "number": f"N{name.upper()}", **fields}
    row = BankAccount(company=company["id"], legal_entity=entity, bank=bank, name=name, **fields)
    await row.save()
    return row.id


def _body(entity: int, bank: int, **extra) -> dict:
    return {
        "name": "Main EUR",
        "legal_entity_id": entity,
        "bank_id": bank,
        "holder": "Hooves Inc.",
        "number": IBAN,
        **extra,
    }


async def test_crud_with_audit_and_normalised_number(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    entity = await _entity(c1, "C1 Ltd")
    bank = await _bank(owner, "Owner Bank")  # a tenant's bank is usable below it
    api = await bo_api(await bo_factory.user(r1))
    res = await api.post(BA, json=_body(entity, bank, number="de89 3704 0044 0532 0130 00"))
    assert res.status_code == 201, res.text
    account = res.json()
    assert account["number"] == IBAN_COMPACT and account["is_iban"] is True
    assert account["company_id"] == c1["id"] and account["company_name"] == "Client of One"
    assert account["legal_entity_name"] == "C1 Ltd" and account["bank_name"] == "Owner Bank"
    assert account["created_by_company_id"] == r1["id"]
    assert account["created_by_company_name"] == "Reseller One"
    assert account["assigned_by_tenant"] is True  # opened by the company's tenant

    url = f"{BA}/{account['id']}"
    assert (await api.get(url)).json() == account
    res = await api.patch(url, json={"name": "Renamed", "number": "12 345-678"})
    assert res.status_code == 200, res.text
    assert res.json()["name"] == "Renamed" and res.json()["number"] == "12345-678"
    assert res.json()["is_iban"] is False
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404

    from core.audit.models import AuditChange, AuditEvent

    events = await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)
    assert [e["action"] for e in events if "ank account" in e["action"]] == [
        "Bank account created",
        "Bank account updated",
        "Bank account deleted",
    ]
    update = await AuditChange.select().where(AuditChange.operation == "update").first()
    assert update["table_name"] == "bank_accounts" and update["object_company_id"] == c1["id"]
    assert json.loads(update["old_values"]) == {"name": "Main EUR", "number": IBAN_COMPACT}
    assert json.loads(update["new_values"]) == {"name": "Renamed", "number": "12345-678"}


async def test_own_accounts_show_those_the_tenant_opened(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    bank = await _bank(owner, "Owner Bank")
    r1_entity = await _entity(r1, "R1 Ltd")
    owner_entity = await _entity(owner, "Owner Ltd")
    owner_api = await bo_api(await bo_factory.user(owner))
    res = await owner_api.post(BA, json=_body(r1_entity, bank, name="From tenant"))
    assert res.status_code == 201, res.text
    assigned = res.json()["id"]
    res = await owner_api.post(
        OWN,
        json=_body(owner_entity, bank, name="Owner's own", number="GB82 WEST 1234 5698 7654 32"),
    )
    assert res.status_code == 201, res.text
    owners_own = res.json()
    assert owners_own["assigned_by_tenant"] is False and owners_own["company_id"] == owner["id"]

    api = await bo_api(await bo_factory.user(r1))
    res = await api.post(
        OWN, json=_body(r1_entity, bank, name="Self", number="DE02120300000000202051")
    )
    assert res.status_code == 201, res.text
    mine = res.json()["id"]
    listed = {a["name"]: a for a in (await api.get(f"{OWN}?sort=name&order=asc")).json()["items"]}
    assert list(listed) == ["From tenant", "Self"]
    assert listed["From tenant"]["assigned_by_tenant"] is True
    assert listed["From tenant"]["created_by_company_name"] == owner["name"]
    assert listed["Self"]["assigned_by_tenant"] is False
    # the reseller may configure what its tenant opened for it
    res = await api.patch(f"{OWN}/{assigned}", json={"holder": "R1 Treasury"})
    assert res.status_code == 200 and res.json()["holder"] == "R1 Treasury"
    # the tenant's own account stays invisible to the reseller
    assert (await api.get(BA)).json()["items"] == []
    for base in (BA, OWN):
        assert (await api.get(f"{base}/{owners_own['id']}")).status_code == 404
    # and the reseller's accounts are the tenant's client accounts, not its own
    names = [a["name"] for a in (await owner_api.get(f"{BA}?sort=name&order=asc")).json()["items"]]
    assert names == ["From tenant", "Self"]
    assert [a["id"] for a in (await owner_api.get(OWN)).json()["items"]] == [owners_own["id"]]
    assert (await owner_api.get(f"{OWN}/{mine}")).status_code == 404


async def test_validation_errors_name_the_field(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    entity = await _entity(c1, "C1 Ltd")
    other_entity = await _entity(await bo_factory.company(r1, "client"), "Other client")
    own_entity = await _entity(r1, "R1 Ltd")
    foreign_entity = await _entity(c2, "C2 Ltd")
    bank = await _bank(r1, "Mine")
    sibling_bank = await _bank(r2, "Sibling's")
    client_bank = await _bank(c1, "Client's")
    api = await bo_api(await bo_factory.user(r1))
    cases = [
        ({"legal_entity_id": foreign_entity}, 422, "legal_entity_id"),
        ({"legal_entity_id": own_entity}, 422, "legal_entity_id"),
        ({"legal_entity_id": 987654}, 422, "legal_entity_id"),
        ({"bank_id": sibling_bank}, 422, "bank_id"),
        ({"bank_id": client_bank}, 422, "bank_id"),
        ({"number": "DE89 3704 0044 0532 0130 01"}, 422, "number"),
        ({"number": "XX12 3456 7890 1234 5"}, 422, "number"),
        ({"number": "12#45"}, 422, "number"),
        ({"number": "   "}, 422, "number"),
        ({"number": "1" * 65}, 422, "number"),
        ({"name": "  "}, 422, "name"),
        ({"holder": ""}, 400, "holder"),
        ({"company_id": c1["id"]}, 400, "company_id"),
    ]
    for extra, status, field in cases:
        res = await api.post(BA, json=_body(entity, bank) | extra)
        assert res.status_code == status, (extra, res.text)
        assert res.json()["errors"][0]["field"].endswith(field), (extra, res.json())
    res = await api.post(BA, json=_body(entity, bank, number="DE89 3704 0044 0532 0130 01"))
    message = res.json()["errors"][0]["message"]
    assert "not a valid one: the check digits do not match" in message
    res = await api.post(OWN, json=_body(entity, bank))  # a client's entity is not own
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "legal_entity_id"
    assert await BankAccount.count() == 0

    res = await api.post(BA, json=_body(entity, bank))
    assert res.status_code == 201
    url = f"{BA}/{res.json()['id']}"
    res = await api.patch(url, json={"legal_entity_id": other_entity})  # another company
    assert res.status_code == 422 and "cannot move companies" in res.json()["detail"]
    res = await api.patch(url, json={"bank_id": sibling_bank})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "bank_id"
    assert (await api.get(url)).json()["bank_id"] == bank


async def test_number_is_unique_within_a_bank(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    entity = await _entity(c1, "C1 Ltd")
    bank, other_bank = await _bank(r1, "First"), await _bank(r1, "Second")
    api = await bo_api(await bo_factory.user(r1))
    assert (await api.post(BA, json=_body(entity, bank))).status_code == 201
    res = await api.post(BA, json=_body(entity, bank, name="Again", number=IBAN_COMPACT.lower()))
    assert res.status_code == 409
    assert res.json()["errors"] == [
        {"field": "number", "message": "this bank already has an account with this number"}
    ]
    res = await api.post(BA, json=_body(entity, other_bank, name="Elsewhere"))
    assert res.status_code == 201
    res = await api.patch(f"{BA}/{res.json()['id']}", json={"bank_id": bank})
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "number"
    assert await BankAccount.count().where(BankAccount.bank == bank) == 1


async def test_client_company_only_reads_its_accounts(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    bank = await _bank(r1, "R1 Bank")
    entity = await _entity(c1, "C1 Ltd")
    kept = await _account(c1, entity, bank, "Kept", created_by_company=r1["id"])
    api = await bo_api(await bo_factory.user(c1))
    # issue 8: a client company's users are client-portal users, refused on every call
    assert (await api.get(f"{OWN}/{kept}")).status_code == 403
    assert (await api.get(OWN)).status_code == 403
    assert (await api.post(OWN, json=_body(entity, bank, number="77"))).status_code == 403
    assert (await api.patch(f"{OWN}/{kept}", json={"name": "Mine now"})).status_code == 403
    assert (await api.delete(f"{OWN}/{kept}")).status_code == 403
    assert (await api.get(f"{BA}/{kept}")).status_code == 403
    assert (await api.post(BA, json=_body(entity, bank, number="77"))).status_code == 403
    assert await BankAccount.count() == 1
    assert not await BankAccount.exists().where(BankAccount.name == "Mine now")


async def test_outsiders_get_404_on_every_id_route(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    bank = await _bank(owner, "Shared")
    own = await _account(r1, await _entity(r1, "R1 Ltd"), bank, "R1 own")
    clients = await _account(c1, await _entity(c1, "C1 Ltd"), bank, "C1 account")
    for outsider in (r2,):  # client users get 403 on everything (issue 8, tested above)
        api = await bo_api(await bo_factory.user(outsider))
        for base in (BA, OWN):
            for account in (own, clients):
                url = f"{base}/{account}"
                assert (await api.get(url)).status_code == 404, (outsider["name"], url)
                assert (await api.patch(url, json={"name": "Hijacked"})).status_code == 404
                assert (await api.delete(url)).status_code == 404
        listed = [a["id"] for b in (BA, OWN) for a in (await api.get(b)).json()["items"]]
        assert own not in listed and (clients not in listed or outsider is c1)
    assert await BankAccount.count() == 2
    assert not await BankAccount.exists().where(BankAccount.name == "Hijacked")
    api = await bo_api(await bo_factory.user(r1))
    assert (await api.get(f"{OWN}/{own}")).status_code == 200
    assert (await api.get(f"{BA}/{clients}")).status_code == 200
    assert (await api.get(f"{BA}/{own}")).status_code == 404  # own is not a client account


async def test_list_filters_sorting_and_paging(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    other = await bo_factory.company(r1, "client", name="Another")
    first, second = await _bank(owner, "First Bank"), await _bank(r1, "Second Bank")
    e1, e2 = await _entity(c1, "C1 Ltd"), await _entity(other, "Another Ltd")
    await _account(c1, e1, first, "Alpha", holder="Alpha Holdings")
    await _account(c1, e1, second, "Beta", number="DE89370400440532013000")
    await _account(other, e2, first, "Gamma")
    await _account(c2, await _entity(c2, "C2 Ltd"), first, "Foreign")
    api = await bo_api(await bo_factory.user(r1))

    async def names(query: str) -> list[str]:
        res = await api.get(f"{BA}?{query}")
        assert res.status_code == 200, res.text
        return [a["name"] for a in res.json()["items"]]

    assert await names("sort=name&order=asc") == ["Alpha", "Beta", "Gamma"]
    assert await names(f"company_id={c1['id']}&sort=name&order=asc") == ["Alpha", "Beta"]
    assert await names(f"legal_entity_id={e2}") == ["Gamma"]
    assert await names(f"bank_id={second}") == ["Beta"]
    assert await names("q=holdings") == ["Alpha"]
    assert await names("q=de89 3704") == ["Beta"]  # spacing of a number does not matter
    assert await names("sort=bank&order=desc&page_size=1&page=3") == ["Alpha"]
    assert await names("sort=company&order=asc") == ["Gamma", "Alpha", "Beta"]
    page = (await api.get(f"{BA}?page_size=2")).json()
    assert page["total"] == 3 and page["pages"] == 2 and len(page["items"]) == 2
    assert (await api.get(f"{BA}?sort=secret")).status_code == 422
