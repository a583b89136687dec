"""Which payment systems an own legal entity offers: only the caller's own enabled ones,
replaced as a set, idempotent, audited as one event, invisible across companies."""

from __future__ import annotations

import json

import pytest
from test_payment_systems_api import PayPlugin, body

from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditChange, AuditEvent
from core.payments.models import LegalEntityPaymentSystem

PS = "/api/v1/payment-systems"


def url(entity_id: int) -> str:
    return f"/api/v1/own-legal-entities/{entity_id}/payment-systems"


@pytest.fixture
def fakepay(bo_register_plugin):
    bo_register_plugin(PayPlugin(), name="fakepay-assign-test")


async def _entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=name, country="DE")
    await row.save()
    return row.id


async def _world(bo_factory, bo_api):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Reseller One")
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    apis = {
        "tenant": await bo_api(await bo_factory.user(owner)),
        "mine": await bo_api(await bo_factory.user(r1)),
        "sibling": await bo_api(await bo_factory.user(r2)),
        "client": await bo_api(await bo_factory.user(c1)),
    }
    return (owner, r1, r2, c1), apis


async def _system(api, **extra) -> int:
    res = await api.post(PS, json=body(**extra))
    assert res.status_code == 201, res.text
    return res.json()["id"]


async def _events() -> list[dict]:
    return await AuditEvent.select().where(AuditEvent.action.like("Payment systems of%"))


async def test_assign_replace_idempotent_and_audited(fakepay, bo_factory, bo_api):
    (_, r1, _, _), apis = await _world(bo_factory, bo_api)
    api = apis["mine"]
    entity_id = await _entity(r1, "Own One")
    first = await _system(api, name="Beta cards")
    second = await _system(api, name="Alpha wallet")
    assert (await api.get(url(entity_id))).json()["payment_system_ids"] == []

    res = await api.put(url(entity_id), json={"payment_system_ids": [first, second, first]})
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["payment_system_ids"] == sorted([first, second])
    assert [s["name"] for s in out["payment_systems"]] == ["Alpha wallet", "Beta cards"]
    assert (await api.get(url(entity_id))).json() == out
    assert len(await _events()) == 1

    # the same set again changes nothing and records nothing
    res = await api.put(url(entity_id), json={"payment_system_ids": [second, first]})
    assert res.status_code == 200 and len(await _events()) == 1

    res = await api.put(url(entity_id), json={"payment_system_ids": [second]})
    assert res.json()["payment_system_ids"] == [second]
    events = await _events()
    assert len(events) == 2
    (change,) = await AuditChange.select().where(AuditChange.event == events[-1]["id"])
    assert change["object_id"] == entity_id and change["object_company_id"] == r1["id"]
    assert json.loads(change["old_values"]) == {"payment_system_ids": sorted([first, second])}
    assert json.loads(change["new_values"]) == {"payment_system_ids": [second]}

    # disabled after it was assigned: it may stay in the set, but cannot be added back
    assert (await api.patch(f"{PS}/{second}", json={"enabled": False})).status_code == 200
    res = await api.put(url(entity_id), json={"payment_system_ids": [second, first]})
    assert res.status_code == 200 and res.json()["payment_system_ids"] == sorted([first, second])
    assert (await api.put(url(entity_id), json={"payment_system_ids": []})).status_code == 200
    res = await api.put(url(entity_id), json={"payment_system_ids": [second]})
    assert res.status_code == 422
    assert (await api.patch(f"{PS}/{second}", json={"enabled": True})).status_code == 200
    assert (await api.put(url(entity_id), json={"payment_system_ids": [second]})).status_code == 200

    # an assigned system cannot be deleted; once unassigned it can
    assert (await api.delete(f"{PS}/{second}")).status_code == 409
    assert (await api.put(url(entity_id), json={"payment_system_ids": []})).status_code == 200
    assert await LegalEntityPaymentSystem.count() == 0
    assert (await api.delete(f"{PS}/{second}")).status_code == 204

    # deleting the entity drops what it offered, and the audit log names it
    assert (await api.put(url(entity_id), json={"payment_system_ids": [first]})).status_code == 200
    assert (await api.delete(f"/api/v1/own-legal-entities/{entity_id}")).status_code == 204
    assert await LegalEntityPaymentSystem.count() == 0
    gone = await AuditChange.select().where(
        AuditChange.table_name == "legal_entities", AuditChange.operation == "delete"
    )
    assert json.loads(gone[-1]["old_values"])["payment_system_ids"] == [first]


async def test_only_own_enabled_systems_may_be_assigned(fakepay, bo_factory, bo_api):
    (owner, r1, _, _), apis = await _world(bo_factory, bo_api)
    api = apis["mine"]
    entity_id = await _entity(r1, "Own One")
    good = await _system(api, name="Good")
    disabled = await _system(api, name="Off", enabled=False)
    tenants = await _system(apis["tenant"], name="Tenant's")
    siblings = await _system(apis["sibling"], name="Sibling's")
    for bad in (disabled, tenants, siblings, 999999):
        res = await api.put(url(entity_id), json={"payment_system_ids": [good, bad]})
        assert res.status_code == 422, res.text
        (error,) = res.json()["errors"]
        assert error["field"] == "payment_system_ids" and str(bad) in error["message"]
    assert await LegalEntityPaymentSystem.count() == 0 and await _events() == []
    # the tenant assigns its own systems to its own entity, never to the reseller's
    tenant_entity = await _entity(owner, "Tenant Own")
    res = await apis["tenant"].put(url(tenant_entity), json={"payment_system_ids": [tenants]})
    assert res.status_code == 200
    res = await api.put(url(entity_id), json={"payment_system_ids": "x"})
    assert res.status_code == 400


async def test_foreign_entities_answer_404(fakepay, bo_factory, bo_api):
    (_, r1, _, c1), apis = await _world(bo_factory, bo_api)
    entity_id = await _entity(r1, "Own One")
    client_entity = await _entity(c1, "Client's entity")
    for who, status in (("tenant", 404), ("sibling", 404), ("client", 403)):  # 403: issue 8
        other = apis[who]
        assert (await other.get(url(entity_id))).status_code == status
        res = await other.put(url(entity_id), json={"payment_system_ids": []})
        assert res.status_code == status
    # a client entity is not an own entity of the reseller that keeps it
    mine = apis["mine"]
    assert (await mine.get(url(client_entity))).status_code == 404
    assert (await mine.put(url(client_entity), json={"payment_system_ids": []})).status_code == 404
    # issue 8: the client's users are client-portal users, refused even on its own entity
    assert (await apis["client"].get(url(client_entity))).status_code == 403
    res = await apis["client"].put(url(client_entity), json={"payment_system_ids": []})
    assert res.status_code == 403
