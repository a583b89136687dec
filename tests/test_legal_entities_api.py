"""Legal entities over the API: both resources, the one-default rule, validation, scope, audit."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.accounts.legal_entities.models import LegalEntity
from tenants.models import Portal

LE = "/api/v1/legal-entities"
OWN = "/api/v1/own-legal-entities"


def _body(**extra) -> dict:
    return {"name": "Hooves", "legal_name": "Hooves, Inc.", "country": "CA", **extra}


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Reseller One")
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    c2 = await bo_factory.company(r2, "client", name="Client of Two")
    return owner, r1, r2, c1, c2


async def _entity(company: dict, name: str, **fields) -> int:
    fields = {"legal_name": name, "country": "DE", **fields}
    row = LegalEntity(company=company["id"], name=name, **fields)
    await row.save()
    return row.id


async def _defaults(company: dict) -> list[str]:
    rows = await LegalEntity.select(LegalEntity.name).where(
        LegalEntity.company == company["id"], LegalEntity.is_default.eq(True)
    )
    return [r["name"] for r in rows]


async def test_crud_with_audit_and_first_entity_becomes_default(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    res = await api.post(
        LE,
        json=_body(
            company_id=c1["id"],
            country="can",
            tax_id="123",
            notification_emails=[" Billing@Hoho.com ", "billing@hoho.com", "ops@hoho.com"],
        ),
    )
    assert res.status_code == 201, res.text
    entity = res.json()
    assert entity["company_id"] == c1["id"] and entity["company_name"] == "Client of One"
    assert entity["country"] == "CA" and entity["country_name"] == "Canada"
    assert entity["notification_emails"] == ["Billing@Hoho.com", "ops@hoho.com"]
    assert entity["is_default"] is True  # the company's first entity

    url = f"{LE}/{entity['id']}"
    assert (await api.get(url)).json() == entity
    res = await api.patch(url, json={"vat_id": "EU77", "notification_emails": []})
    assert res.status_code == 200, res.text
    assert res.json()["vat_id"] == "EU77" and res.json()["notification_emails"] == []
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404

    from core.audit.models import AuditChange, AuditEvent

    events = await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)
    assert [e["action"] for e in events if "egal entity" in e["action"]] == [
        "Legal entity created",
        "Legal entity updated",
        "Legal entity deleted",
    ]
    update = await AuditChange.select().where(AuditChange.operation == "update").first()
    assert update["table_name"] == "legal_entities" and update["object_company_id"] == c1["id"]
    assert json.loads(update["old_values"]) == {
        "vat_id": "",
        "notification_emails": ["Billing@Hoho.com", "ops@hoho.com"],
    }
    assert json.loads(update["new_values"]) == {"vat_id": "EU77", "notification_emails": []}


async def test_own_resource_uses_the_callers_company(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.post(OWN, json=_body(country="DEU"))
    assert res.status_code == 201, res.text
    own = res.json()
    assert own["company_id"] == owner["id"] and own["country"] == "DE" and own["is_default"]
    res = await api.post(OWN, json=_body(company_id=owner["id"]))
    assert res.status_code == 400 and res.json()["errors"][0]["field"] == "company_id"
    assert [e["id"] for e in (await api.get(OWN)).json()["items"]] == [own["id"]]
    assert (await api.get(LE)).json()["items"] == []
    # an own entity is not reachable through the client resource and the other way round
    for method in ("get", "delete"):
        assert (await getattr(api, method)(f"{LE}/{own['id']}")).status_code == 404
    assert (await api.patch(f"{LE}/{own['id']}", json={"name": "X"})).status_code == 404
    reseller = await bo_factory.company(owner, "reseller")
    client_entity = await _entity(reseller, "Theirs")
    assert (await api.get(f"{OWN}/{client_entity}")).status_code == 404
    assert (await api.delete(f"{OWN}/{client_entity}")).status_code == 404
    assert (await api.get(f"{LE}/{client_entity}")).status_code == 200

    from core.audit.models import AuditEvent

    assert await AuditEvent.exists().where(AuditEvent.action == "Own legal entity created")


async def test_one_default_per_company(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    first = (await api.post(LE, json=_body(company_id=c1["id"], name="First"))).json()
    second = (await api.post(LE, json=_body(company_id=c1["id"], name="Second"))).json()
    assert first["is_default"] and not second["is_default"]
    third = (
        await api.post(LE, json=_body(company_id=c1["id"], name="Third", is_default=True))
    ).json()
    assert third["is_default"] and await _defaults(c1) == ["Third"]
    other = await _entity(c2, "Elsewhere", is_default=True)  # another company is untouched
    res = await api.patch(f"{LE}/{first['id']}", json={"is_default": True})
    assert res.status_code == 200 and await _defaults(c1) == ["First"]
    assert await LegalEntity.exists().where(
        LegalEntity.id == other, LegalEntity.is_default.eq(True)
    )

    from core.audit.models import AuditChange, AuditEvent

    last = await AuditEvent.select().order_by(AuditEvent.id, ascending=False).first()
    changes = await AuditChange.select().where(AuditChange.event == last["id"])
    assert {(c["object_id"], c["new_values"]) for c in changes} == {
        (first["id"], '{"is_default": true}'),
        (third["id"], '{"is_default": false}'),
    }
    # clearing the flag leaves the company without a default; deleting promotes none
    res = await api.patch(f"{LE}/{first['id']}", json={"is_default": False})
    assert res.status_code == 200 and await _defaults(c1) == []
    await api.patch(f"{LE}/{second['id']}", json={"is_default": True})
    assert (await api.delete(f"{LE}/{second['id']}")).status_code == 204
    assert await _defaults(c1) == []


async def test_concurrent_default_changes_leave_one_default(bo_factory):
    from core.accounts.legal_entities import service
    from core.accounts.legal_entities.schemas import LegalEntityUpdate, OwnLegalEntityCreate
    from core.audit.recorder import AuditContext
    from tenants.scope import Scope

    owner = await bo_factory.owner()
    scope = Scope.of(owner)
    ctx = AuditContext(company_id=owner["id"], user_id=None, user_label="test", ip="")
    creates = [
        service.create_legal_entity(
            ctx, scope, "own", OwnLegalEntityCreate(**_body(name=f"E{i}", is_default=True))
        )
        for i in range(6)
    ]
    created = await asyncio.gather(*creates)
    assert len(await _defaults(owner)) == 1
    updates = [
        service.update_legal_entity(ctx, scope, "own", e.id, LegalEntityUpdate(is_default=True))
        for e in created
    ]
    await asyncio.gather(*updates)
    assert len(await _defaults(owner)) == 1


async def test_default_change_rolls_back_with_its_transaction(bo_factory):
    from core.accounts.legal_entities import service
    from core.accounts.legal_entities.schemas import LegalEntityUpdate
    from core.audit.recorder import AuditContext
    from core.db.engine import transaction
    from tenants.scope import Scope

    owner = await bo_factory.owner()
    old = await _entity(owner, "Old", is_default=True)
    new = await _entity(owner, "New")
    ctx = AuditContext(company_id=owner["id"], user_id=None, user_label="test", ip="")
    with pytest.raises(RuntimeError):
        async with transaction():
            await service.update_legal_entity(
                ctx, Scope.of(owner), "own", new, LegalEntityUpdate(is_default=True)
            )
            assert await _defaults(owner) == ["New"]
            raise RuntimeError("abort")
    assert await _defaults(owner) == ["Old"]
    assert await LegalEntity.exists().where(LegalEntity.id == old, LegalEntity.is_default.eq(True))


async def test_validation_errors_name_the_field(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    mine = Portal(company=r1["id"], name="Mine", fqdn="mine.example.test")
    theirs = Portal(company=r2["id"], name="Theirs", fqdn="theirs.example.test")
    # A portal of another of r1's clients: only the caller's or the entity's company's portals fit.
    clients = Portal(company=c2["id"], name="Client's", fqdn="client.example.test")
    for portal in (mine, theirs, clients):
        await portal.save()
    api = await bo_api(await bo_factory.user(r1))
    cases = [
        ({"country": "XX"}, 422, "country"),
        ({"country": "Canada"}, 400, "country"),
        ({"portal_id": theirs.id}, 422, "portal_id"),
        ({"portal_id": clients.id}, 422, "portal_id"),
        ({"company_id": c2["id"]}, 422, "company_id"),
        ({"company_id": r1["id"]}, 422, "company_id"),
        ({"company_id": r2["id"]}, 422, "company_id"),
        ({"name": "   "}, 422, "name"),
        ({"name": ""}, 400, "name"),
        ({"colour": "red"}, 400, "colour"),
        ({"notification_emails": "a@b.co"}, 400, "notification_emails"),
    ]
    for extra, status, field in cases:
        res = await api.post(LE, json=_body(company_id=c1["id"]) | extra)
        assert res.status_code == status, (extra, res.text)
        assert res.json()["errors"][0]["field"].endswith(field), (extra, res.json())
    res = await api.post(
        LE, json=_body(company_id=c1["id"], notification_emails=["ok@x.io", "bad@", "a b@x.io"])
    )
    assert res.status_code == 422
    assert res.json()["errors"] == [
        {
            "field": "notification_emails",
            "message": "address 2 “bad@” is not a valid email address",
        },
        {
            "field": "notification_emails",
            "message": "address 3 “a b@x.io” is not a valid email address",
        },
    ]
    many = [f"user{i}@x.io" for i in range(21)]
    res = await api.post(LE, json=_body(company_id=c1["id"], notification_emails=many))
    assert res.status_code == 422 and "at most 20" in res.json()["errors"][0]["message"]
    # 21 spellings of 20 distinct addresses are fine: duplicates are dropped, ignoring case
    res = await api.post(
        LE, json=_body(company_id=c1["id"], notification_emails=[*many[:20], "USER0@X.IO"])
    )
    assert res.status_code == 201 and len(res.json()["notification_emails"]) == 20
    assert await LegalEntity.count() == 1
    res = await api.post(LE, json=_body(company_id=c1["id"], portal_id=mine.id))
    assert res.status_code == 201 and res.json()["portal_name"] == "Mine"
    res = await api.patch(f"{LE}/{res.json()['id']}", json={"portal_id": theirs.id})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "portal_id"


async def test_client_company_only_reads_its_legal_entities(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    kept = await _entity(c1, "Set up by the reseller")
    api = await bo_api(await bo_factory.user(c1))
    # issue 8: a client company's users are client-portal users, refused on every call
    assert (await api.get(f"{OWN}/{kept}")).status_code == 403
    res = await api.post(OWN, json=_body())
    assert res.status_code == 403 and "client-portal users" in res.json()["detail"]
    assert (await api.patch(f"{OWN}/{kept}", json={"name": "Mine now"})).status_code == 403
    assert (await api.delete(f"{OWN}/{kept}")).status_code == 403
    assert await LegalEntity.count() == 1
    assert not await LegalEntity.exists().where(LegalEntity.name == "Mine now")
    assert (await api.post(LE, json=_body(company_id=c1["id"]))).status_code == 403


async def test_other_tenants_get_404_on_both_resources(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    own = await _entity(r1, "R1 own")
    clients = await _entity(c1, "C1 entity")
    for outsider in (r2,):  # client users get 403 on every call (issue 8, tested above)
        api = await bo_api(await bo_factory.user(outsider))
        for base, entity in ((OWN, own), (LE, own), (LE, clients), (OWN, clients)):
            url = f"{base}/{entity}"
            assert (await api.get(url)).status_code == 404, (outsider["name"], url)
            assert (await api.patch(url, json={"name": "Hijacked"})).status_code == 404
            assert (await api.delete(url)).status_code == 404
        listed = [e["id"] for b in (OWN, LE) for e in (await api.get(b)).json()["items"]]
        assert own not in listed and (clients not in listed or outsider is c1)
    assert await LegalEntity.count().where(LegalEntity.id.is_in([own, clients])) == 2
    assert not await LegalEntity.exists().where(LegalEntity.name == "Hijacked")
    api = await bo_api(await bo_factory.user(c1))
    assert (await api.get(f"{OWN}/{clients}")).status_code == 403  # issue 8: portal user


async def test_list_filters_sorting_and_paging(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    other = await bo_factory.company(r1, "client", name="Another")
    await _entity(c1, "Alpha", is_default=True)
    await _entity(c1, "Beta", country="CA")
    await _entity(other, "Gamma", country="CA", legal_name="Gamma Holdings")
    await _entity(c2, "Foreign")
    api = await bo_api(await bo_factory.user(r1))

    async def names(query: str) -> list[str]:
        res = await api.get(f"{LE}?{query}")
        assert res.status_code == 200, res.text
        return [e["name"] for e in res.json()["items"]]

    assert await names("sort=name&order=asc") == ["Alpha", "Beta", "Gamma"]
    assert await names(f"company_id={c1['id']}&sort=name&order=asc") == ["Alpha", "Beta"]
    assert await names("country=CAN&sort=name&order=asc") == ["Beta", "Gamma"]
    assert await names("q=holdings") == ["Gamma"]
    assert await names("is_default=true") == ["Alpha"]
    assert await names("sort=company&order=asc&page_size=1&page=2") == ["Alpha"]
    page = (await api.get(f"{LE}?page_size=2")).json()
    assert page["total"] == 3 and page["pages"] == 2 and len(page["items"]) == 2
    assert (await api.get(f"{LE}?country=Atlantis")).status_code == 422
    assert (await api.get(f"{LE}?sort=tax_id")).status_code == 422
