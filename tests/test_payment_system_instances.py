"""A payment system and its plugin instance are one thing (issue 11): the service writes both
rows in one transaction, so name and enabled stay equal; deleting one deletes the other; the
event logs both rows with every secret masked; a refused write leaves neither row behind."""

from __future__ import annotations

from test_payment_systems_api import PS, SECRET, body, fakepay  # noqa: F401  (fixture)

from core.audit.models import AuditChange, AuditEvent
from core.payments.models import PaymentSystemConfig
from core.plugins.instance_models import PluginInstance


async def _pairs() -> list[tuple]:
    systems = await PaymentSystemConfig.select(
        PaymentSystemConfig.name, PaymentSystemConfig.enabled, PaymentSystemConfig.instance
    ).order_by(PaymentSystemConfig.id)
    instances = {
        r["id"]: r
        for r in await PluginInstance.select(
            PluginInstance.id, PluginInstance.name, PluginInstance.enabled, PluginInstance.plugin
        )
    }
    return [
        (
            (s["name"], s["enabled"]),
            (instances[s["instance"]]["name"], instances[s["instance"]]["enabled"]),
        )
        for s in systems
    ]


async def test_name_and_enabled_stay_equal_on_both_rows(fakepay, bo_factory, bo_api):  # noqa: F811
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller")
    api = await bo_api(await bo_factory.user(reseller))
    created = (await api.post(PS, json=body(name="Cards"))).json()
    await api.post(PS, json=body(name="Wire", enabled=False))
    url = f"{PS}/{created['id']}"
    assert await _pairs() == [(("Cards", True),) * 2, (("Wire", False),) * 2]

    assert (await api.patch(url, json={"name": "Card gateway"})).status_code == 200
    assert (await api.patch(url, json={"enabled": False})).status_code == 200
    assert await _pairs() == [(("Card gateway", False),) * 2, (("Wire", False),) * 2]
    res = await api.patch(url, json={"name": "  Cards 2 ", "enabled": True, "internal_fee": "1"})
    assert res.status_code == 422  # a client-pays fee: nothing of the change is written
    assert await _pairs() == [(("Card gateway", False),) * 2, (("Wire", False),) * 2]
    res = await api.patch(url, json={"name": "  Cards 2 ", "enabled": True})
    assert res.status_code == 200 and res.json()["name"] == "Cards 2"
    assert await _pairs() == [(("Cards 2", True),) * 2, (("Wire", False),) * 2]

    # the instance's name is unique per company whatever its case: a clear 409, nothing written
    res = await api.patch(url, json={"name": "WIRE"})
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "name"
    res = await api.post(PS, json=body(name="wire"))
    assert res.status_code == 409
    assert await PaymentSystemConfig.count() == 2 and await PluginInstance.count() == 2

    # another company may use the same name; its rows stay its own
    other = await bo_api(await bo_factory.user(await bo_factory.company(owner, "reseller")))
    assert (await other.post(PS, json=body(name="Wire"))).status_code == 201
    assert (await other.get(url)).status_code == 404
    assert (await other.delete(url)).status_code == 404

    assert (await api.delete(url)).status_code == 204
    assert await PaymentSystemConfig.count() == 2 and await PluginInstance.count() == 2
    assert [p[0][0] for p in await _pairs()] == ["Wire", "Wire"]


async def test_each_event_logs_both_rows_with_secrets_masked(fakepay, bo_factory, bo_api):  # noqa: F811
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller")
    api = await bo_api(await bo_factory.user(reseller))
    created = (await api.post(PS, json=body())).json()
    url = f"{PS}/{created['id']}"
    await api.patch(url, json={"settings": {"account": "acct-1", "api_key": "sk_new_key_4321"}})
    await api.patch(url, json={"internal_fee": None})  # no change at all: no event
    await api.delete(url)
    events = await AuditEvent.select(AuditEvent.id, AuditEvent.action).order_by(AuditEvent.id)
    events = [e for e in events if e["action"].startswith("Payment system")]
    assert [e["action"] for e in events] == [
        "Payment system created",
        "Payment system updated",
        "Payment system deleted",
    ]
    for event in events:
        changes = await AuditChange.select().where(AuditChange.event == event["id"])
        assert sorted(c["table_name"] for c in changes) == ["payment_systems", "plugin_instances"]
        text = "".join(c["old_values"] + c["new_values"] for c in changes)
        assert SECRET not in text and "sk_new_key_4321" not in text and "4321" not in text
    changes = await AuditChange.select().where(AuditChange.table_name == "plugin_instances")
    assert '"api_key": "(secret)"' in changes[0]["new_values"]
    assert '"account": "acct-1"' in changes[0]["new_values"]  # a plain setting stays readable
