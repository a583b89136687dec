"""Payment systems over the API: CRUD, settings validation, write-only secrets, fee rules,
audit without secrets, the types list, in-use deletes and strict per-company isolation."""

from __future__ import annotations

import json

import pytest
from payment_rows import settings_of

from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditChange, AuditEvent
from core.payments.models import LegalEntityPaymentSystem, PaymentSystemConfig
from core.plugins.declarations import PaymentSystem
from core.plugins.fields import Field
from core.plugins.hookspecs import hookimpl
from core.plugins.instance_models import PluginInstance

PS = "/api/v1/payment-systems"
SECRET = "sk_live_0123456789abcdef"


class FakePay(PaymentSystem):
    key = "fakepay"
    name = "FakePay"
    settings_fields = (
        Field("account", "string", "Account", required=True),
        Field("api_key", "secret", "API key", required=True),
        Field("mode", "choice", "Mode", choices=("test", "live"), default="test"),
        Field("max_amount", "decimal", "Largest amount"),
    )


class PayPlugin:
    @hookimpl
    def register_payment_systems(self):
        return [FakePay]


@pytest.fixture
def fakepay(bo_register_plugin):
    bo_register_plugin(PayPlugin(), name="fakepay-test")


def body(**extra) -> dict:
    settings = {"account": "acct-1", "api_key": SECRET}
    return {"name": "Main card gateway", "kind": "fakepay", "settings": settings, **extra}


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Reseller One")
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    return owner, r1, r2, c1


async def test_crud_redacts_secrets_and_audits_without_them(fakepay, bo_factory, bo_api):
    _, r1, _, _ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    res = await api.post(PS, json=body(fee_payer="owner", internal_fee="2.5"))
    assert res.status_code == 201, res.text
    created = res.json()
    assert created["kind"] == "fakepay" and created["kind_name"] == "FakePay"
    assert created["settings"] == {"account": "acct-1", "api_key": "****cdef", "mode": "test"}
    assert created["secrets_set"] == {"api_key": True}
    assert created["fee_payer"] == "owner" and created["internal_fee"] == "2.5000"
    assert created["enabled"] is True
    row = await PaymentSystemConfig.select().where(PaymentSystemConfig.id == created["id"]).first()
    assert "settings" not in row and row["internal_fee"] == 2_500_000
    instance = await PluginInstance.select().where(PluginInstance.id == row["instance"]).first()
    assert SECRET not in instance["settings"]
    assert (instance["name"], instance["plugin"], instance["category"]) == (
        "Main card gateway",
        "fakepay",
        "payment_system",
    )

    url = f"{PS}/{created['id']}"
    assert (await api.get(url)).json() == created
    # an update that leaves the secret out keeps it
    res = await api.patch(url, json={"name": "Cards", "settings": {"account": "acct-2"}})
    assert res.status_code == 200, res.text
    assert res.json()["settings"]["api_key"] == "****cdef"
    assert res.json()["settings"]["account"] == "acct-2" and res.json()["name"] == "Cards"
    stored = await settings_of(
        await PaymentSystemConfig.select().where(PaymentSystemConfig.id == created["id"]).first()
    )
    assert stored["api_key"] == SECRET
    # replacing the secret works too
    res = await api.patch(url, json={"settings": {"account": "acct-2", "api_key": "new-key-9999"}})
    assert res.status_code == 200 and res.json()["settings"]["api_key"] == "****9999"
    # an unchanged update records nothing
    before = await AuditEvent.count()
    assert (await api.patch(url, json={"name": "Cards"})).status_code == 200
    assert await AuditEvent.count() == before

    listed = (await api.get(PS)).json()
    assert [i["id"] for i in listed["items"]] == [created["id"]] and listed["total"] == 1
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).status_code == 404

    events = await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)
    assert [e["action"] for e in events if "Payment" in e["action"]] == [
        "Payment system created",
        "Payment system updated",
        "Payment system updated",
        "Payment system deleted",
    ]
    changes = await (
        AuditChange.select()
        .where(AuditChange.table_name == "payment_systems")
        .order_by(AuditChange.id)  # read back in writing order: a heap's order is not that
    )
    assert len(changes) == 4
    for change in changes:
        assert SECRET not in change["old_values"] + change["new_values"]
        assert "new-key-9999" not in change["old_values"] + change["new_values"]
        assert "acct-" not in change["old_values"] + change["new_values"]
        assert change["object_company_id"] == r1["id"]
    second = json.loads(changes[1]["new_values"])
    assert second == {"name": "Cards", "settings_fields": ["account"]}


async def test_validation_rules(fakepay, bo_factory, bo_api):
    _, r1, _, _ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))

    async def refused(payload, field, method="post", url=PS):
        res = await getattr(api, method)(url, json=payload)
        assert res.status_code == 422, res.text
        assert field in [e["field"] for e in res.json()["errors"]], res.json()

    await refused(body(kind="nope"), "kind")
    await refused(body(name="   "), "name")
    await refused(body(settings={"account": "a"}), "settings.api_key")
    await refused(body(settings={"account": "a", "api_key": "k", "mode": "x"}), "settings.mode")
    await refused(body(settings={"account": "a", "api_key": "k", "oops": 1}), "settings.oops")
    await refused(
        body(settings={"account": "a", "api_key": "k", "max_amount": 1.5}), "settings.max_amount"
    )
    await refused(body(fee_payer="owner", internal_fee="100.5"), "internal_fee")
    await refused(body(fee_payer="owner", internal_fee="-1"), "internal_fee")
    await refused(body(fee_payer="owner", internal_fee="1.00001"), "internal_fee")
    await refused(body(fee_payer="owner", internal_fee="abc"), "internal_fee")
    await refused(body(fee_payer="client", internal_fee="1"), "internal_fee")
    res = await api.post(PS, json=body(fee_payer="nobody"))
    assert res.status_code == 400
    assert await PaymentSystemConfig.count() == 0
    assert not await AuditEvent.exists().where(AuditEvent.action.like("Payment%"))

    res = await api.post(PS, json=body(fee_payer="owner", internal_fee="100"))
    assert res.status_code == 201 and res.json()["internal_fee"] == "100.0000"
    url = f"{PS}/{res.json()['id']}"
    await refused({"kind": "other"}, "kind", "patch", url)
    await refused({"internal_fee": "1", "fee_payer": "client"}, "internal_fee", "patch", url)
    # switching to "client pays" drops the owner's internal fee
    res = await api.patch(url, json={"fee_payer": "client"})
    assert res.status_code == 200 and res.json()["internal_fee"] == "0.0000"


async def test_types_list_and_filters(fakepay, bo_factory, bo_api):
    _, r1, _, _ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    res = await api.get("/api/v1/payment-system-types")
    assert res.status_code == 200
    (kind,) = [t for t in res.json() if t["key"] == "fakepay"]
    schema = kind["settings_schema"]
    assert kind["name"] == "FakePay" and schema["required"] == ["account", "api_key"]
    assert schema["properties"]["api_key"]["writeOnly"] is True
    for name, enabled in (("Alpha", True), ("Beta", False), ("Gamma", True)):
        assert (await api.post(PS, json=body(name=name, enabled=enabled))).status_code == 201

    async def names(query: str) -> list[str]:
        res = await api.get(PS + query)
        assert res.status_code == 200, res.text
        return [i["name"] for i in res.json()["items"]]

    assert await names("?sort=name&order=asc") == ["Alpha", "Beta", "Gamma"]
    assert await names("?enabled=false") == ["Beta"]
    assert await names("?q=amm") == ["Gamma"]
    assert await names("?kind=other") == []
    assert await names("?sort=name&order=asc&page=2&page_size=2") == ["Gamma"]
    assert (await api.get(PS + "?sort=settings")).status_code == 422


async def test_delete_in_use_is_refused(fakepay, bo_factory, bo_api):
    _, r1, _, _ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    system_id = (await api.post(PS, json=body())).json()["id"]
    entity = LegalEntity(company=r1["id"], name="Own", legal_name="Own Ltd", country="DE")
    await entity.save()
    await LegalEntityPaymentSystem(legal_entity=entity.id, payment_system=system_id).save()
    res = await api.delete(f"{PS}/{system_id}")
    assert res.status_code == 409
    assert "1 own legal entity" in res.json()["detail"]
    assert await PaymentSystemConfig.count() == 1


async def test_isolation_and_clients(fakepay, bo_factory, bo_api):
    owner, r1, r2, c1 = await _tree(bo_factory)
    tenant = await bo_api(await bo_factory.user(owner))
    mine = await bo_api(await bo_factory.user(r1))
    sibling = await bo_api(await bo_factory.user(r2))
    client = await bo_api(await bo_factory.user(c1))
    system_id = (await mine.post(PS, json=body())).json()["id"]
    url = f"{PS}/{system_id}"
    for other in (tenant, sibling):
        assert (await other.get(url)).status_code == 404
        assert (await other.patch(url, json={"name": "x"})).status_code == 404
        assert (await other.delete(url)).status_code == 404
        assert (await other.get(PS)).json()["total"] == 0
    # a client's users are client-portal users, refused on every call (issue 8)
    for res in (await client.get(url), await client.get(PS), await client.post(PS, json=body())):
        assert res.status_code == 403
    # the tenant's own systems stay invisible to its reseller
    tenant_id = (await tenant.post(PS, json=body(name="Tenant's"))).json()["id"]
    assert (await mine.get(f"{PS}/{tenant_id}")).status_code == 404
    assert [i["id"] for i in (await mine.get(PS)).json()["items"]] == [system_id]
    assert (await mine.get(url)).json()["name"] == "Main card gateway"
