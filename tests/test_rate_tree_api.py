"""Rate trees over the API: the guide's worked examples (§7.3.3 to 7.3.5) put as documents,
read back and evaluated with the guide's prices; a broken document changes nothing and names
its JSON paths; a new tree is evaluated at once (the compiled-tree cache follows
``tree_version``); owner-only access."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from core.audit.models import AuditChange, AuditEvent
from core.catalogue.domains.service import registered
from core.catalogue.scopes import service as scopes
from core.catalogue.trees import document, evaluation, examples, store
from core.catalogue.trees.models import RateNode

PAYG = {"name": "Retail", "type": "pay_as_you_go", "currency": "EUR"}
FROM = "2026-01-01T00:00:00"
AT = "2026-06-01T12:00:00Z"


def _flat(price: str) -> dict:
    rate = {"type": "flat", "price": price}
    resource = {"resource": "sms_message", "rate": rate}
    return {"format": 1, "domains": [{"domain": "sms", "resources": [resource]}]}


async def _api(bo_factory, bo_api, kind: str = "reseller"):
    company = await bo_factory.company(await bo_factory.owner(), kind)
    return company, await bo_api(await bo_factory.user(company))


async def _service_with_scope(api, **service) -> tuple[int, int]:
    res = await api.post("/api/v1/services", json={**PAYG, **service})
    assert res.status_code == 201, res.text
    sid = res.json()["id"]
    res = await api.post(
        f"/api/v1/services/{sid}/scopes", json={"effective_from": FROM, "timezone": "UTC"}
    )
    assert res.status_code == 201, res.text
    return sid, res.json()["id"]


async def _put(api, scope_id: int, doc: dict) -> dict:
    res = await api.put(f"/api/v1/scopes/{scope_id}/tree", json=doc)
    assert res.status_code == 200, res.text
    return res.json()


async def _evaluate(api, sid: int, domain: str, resource: str, at: str = AT, **attributes):
    body = {"at": at, "domain": domain, "resource": resource, "attributes": attributes}
    res = await api.post(f"/api/v1/services/{sid}/evaluate", json=body)
    assert res.status_code == 200, res.text
    return res.json()


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
async def test_each_worked_example_reads_back_as_its_canonical_document(bo_factory, bo_api, name):
    _, api = await _api(bo_factory, bo_api)
    _, scope_id = await _service_with_scope(api)
    doc = examples.EXAMPLES[name]()
    done = await _put(api, scope_id, doc)
    assert done["tree_version"] == 1 and done["scope_id"] == scope_id
    assert done["nodes"] == await RateNode.count().where(RateNode.scope == scope_id)
    res = await api.get(f"/api/v1/scopes/{scope_id}/tree")
    assert res.status_code == 200
    assert res.json() == document.dump(document.parse(doc, "pay_as_you_go", registered()))
    again = await _put(api, scope_id, res.json())  # the read document is a valid document
    assert again["tree_version"] == 2 and again["nodes"] == done["nodes"]
    assert (await api.get(f"/api/v1/scopes/{scope_id}")).json()["tree_version"] == 2


async def test_rules_on_a_resource_and_below_it_read_back_exactly_as_put(bo_factory, bo_api):
    """GET after PUT is the canonical dump of what was PUT, rules included; rules on the
    resource's top-level rate are refused (the resource holds them) and change nothing."""
    _, api = await _api(bo_factory, bo_api)
    _, scope_id = await _service_with_scope(api)
    leaf = {"type": "flat", "price": "0.05", "billing_rule": "delivered"}
    top = {"depends_on": "country", "children": [{"value": "ES", "rate": leaf}]}
    resource = {"resource": "sms_message", "billing_rule": "submitted", "quantity_rule": "segments"}
    doc = {"format": 1, "domains": [{"domain": "sms", "resources": [{**resource, "rate": top}]}]}
    await _put(api, scope_id, doc)
    read = (await api.get(f"/api/v1/scopes/{scope_id}/tree")).json()
    assert read == document.dump(document.parse(doc, "pay_as_you_go", registered())) == doc
    both = {**top, "quantity_rule": "messages"}
    res = await api.put(
        f"/api/v1/scopes/{scope_id}/tree",
        json={
            "format": 1,
            "domains": [{"domain": "sms", "resources": [{**resource, "rate": both}]}],
        },
    )
    assert res.status_code == 422
    assert res.json()["errors"] == [
        {
            "field": "domains[0].resources[0].rate.quantity_rule",
            "message": "set the rules on the resource, not on its top-level rate, at "
            "sms / sms_message",
        }
    ]
    assert (await api.get(f"/api/v1/scopes/{scope_id}/tree")).json() == doc


async def test_sms_example_evaluated_with_the_guides_prices(bo_factory, bo_api):
    _, api = await _api(bo_factory, bo_api)
    sid, scope_id = await _service_with_scope(api)
    await _put(api, scope_id, examples.sms())

    mo = await _evaluate(api, sid, "sms", "sms_message", direction="MO", country="ES")
    assert mo == {
        "result": "free",
        "path": ["sms", "sms_message", "MO"],
        "price_type": "free",
        "billing_rule": "submitted",
        "quantity_rule": "segments",
        "scope_id": scope_id,
    }
    vodafone = await _evaluate(
        api, sid, "sms", "sms_message", direction="MT", country="ES", network="21401"
    )
    assert (vodafone["result"], vodafone["price_type"], vodafone["price"]) == (
        "price",
        "flat",
        "0.04",
    )
    assert "scale" not in vodafone
    digi = await _evaluate(
        api, sid, "sms", "sms_message", direction="MT", country="ES", network="21422"
    )
    assert digi["price_type"] == "scale" and "price" not in digi
    assert digi["scale"] == {
        "scale": "tier",
        "tiers": [{"up_to": 1000, "price": "0.005"}, {"price": "0.004"}],
        "counter_group": ["sender_id"],
    }
    orange = await _evaluate(
        api, sid, "sms", "sms_message", direction="MT", country="ES", network="21403"
    )
    assert (orange["price"], orange["path"][-1]) == ("0.08", "*")
    france = await _evaluate(api, sid, "sms", "sms_message", direction="MT", country="FR")
    assert [t["price"] for t in france["scale"]["tiers"]] == ["0.05", "0.04", "0.03"]
    setup = await _evaluate(api, sid, "sms", "sender_id_setup_fee", network="21401")
    assert (setup["price"], setup["quantity_rule"]) == ("50", "messages")
    usage = await _evaluate(api, sid, "sms", "sender_id_usage_fee", network="21422")
    assert (usage["price"], usage["quantity_rule"]) == ("15", "full_period")
    nowhere = await _evaluate(api, sid, "sms", "sms_message", country="ES")
    assert nowhere["result"] == "not_found" and nowhere["path"] == ["sms", "sms_message"]
    assert "sms / sms_message" in nowhere["reason"]


async def test_whatsapp_and_rcs_examples_evaluated_with_the_guides_prices(bo_factory, bo_api):
    _, api = await _api(bo_factory, bo_api)
    wa_sid, wa_scope = await _service_with_scope(api, name="WhatsApp")
    await _put(api, wa_scope, examples.whatsapp())
    rcs_sid, rcs_scope = await _service_with_scope(api, name="RCS")
    await _put(api, rcs_scope, examples.rcs())

    async def whatsapp(region, category, pricing_type="regular"):
        return await _evaluate(
            api,
            wa_sid,
            "whatsapp",
            "whatsapp_message",
            whatsapp_region=region,
            pricing_category=category,
            pricing_type=pricing_type,
        )

    auth = await whatsapp("argentina", "authentication")
    assert auth["scale"]["tiers"][0] == {"up_to": 120000, "price": "0.0289"}
    assert auth["scale"]["tiers"][-1] == {"price": "0.0217"}
    assert (await whatsapp("argentina", "marketing"))["price"] == "0.0618"
    assert (await whatsapp("egypt", "marketing"))["price"] == "0.1073"
    assert (await whatsapp("egypt", "service"))["result"] == "free"
    assert (await whatsapp("brazil", "marketing"))["result"] == "not_found"

    for event, prices in examples.RCS_PRICES.items():
        for country, price in prices.items():
            found = await _evaluate(
                api, rcs_sid, "rcs", "rcs_message", billing_event=event, country=country
            )
            assert (found["price"], found["billing_rule"]) == (price, "delivered")
    other = await _evaluate(
        api, rcs_sid, "rcs", "rcs_message", billing_event="p2a_conversation", country="ES"
    )
    assert (other["price"], other["path"]) == (examples.RCS_OTHERS, ["rcs", "rcs_message", "*"])


async def test_a_broken_document_changes_nothing_and_names_its_paths(bo_factory, bo_api):
    _, api = await _api(bo_factory, bo_api)
    sid, scope_id = await _service_with_scope(api)
    await _put(api, scope_id, examples.sms())
    before = (await api.get(f"/api/v1/scopes/{scope_id}/tree")).json()

    broken = examples.sms()
    mt = broken["domains"][0]["resources"][0]["rate"]["children"][1]["rate"]
    mt["children"][0]["rate"]["children"][0]["rate"]["price"] = "-0.04"
    mt["children"].append({"value": "ES", "rate": {"type": "free"}})
    res = await api.put(f"/api/v1/scopes/{scope_id}/tree", json=broken)
    assert res.status_code == 422, res.text
    fields = {e["field"] for e in res.json()["errors"]}
    base = "domains[0].resources[0].rate.children[1].rate"
    assert f"{base}.children[0].rate.children[0].rate.price" in fields
    assert any(f.startswith(f"{base}.children[") for f in fields - {f"{base}.children[0]"})
    assert (await api.get(f"/api/v1/scopes/{scope_id}/tree")).json() == before
    assert (await api.get(f"/api/v1/scopes/{scope_id}")).json()["tree_version"] == 1

    res = await api.put(f"/api/v1/scopes/{scope_id}/tree", json=_flat("0.1234567"))
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "domains[0].resources[0].rate.price"
    res = await api.put(
        f"/api/v1/scopes/{scope_id}/tree", json={"format": 1, "domains": [{"domain": "nope"}]}
    )
    assert res.json()["errors"][0]["field"] == "domains[0].domain"
    for body in (b"", b"{", b"[1", b'"x\x00"'):
        res = await api.put(f"/api/v1/scopes/{scope_id}/tree", content=body)
        assert res.status_code == 400, (body, res.text)
    for raw in ([], "tree", 5, {"format": 2, "domains": []}):
        res = await api.put(f"/api/v1/scopes/{scope_id}/tree", json=raw)
        assert res.status_code == 422, (raw, res.text)
    assert (await api.get(f"/api/v1/scopes/{scope_id}/tree")).json() == before

    # a pack's tree says what it covers, never a price
    pack = {"name": "Pack", "type": "unit_pack", "currency": None, "size": "100"}
    _, pack_scope = await _service_with_scope(api, **pack)
    res = await api.put(f"/api/v1/scopes/{pack_scope}/tree", json=_flat("0.1"))
    assert res.status_code == 422
    assert "not allowed for a unit_pack" in res.json()["errors"][0]["message"]


async def test_put_is_audited_once_with_node_counts(bo_factory, bo_api):
    company, api = await _api(bo_factory, bo_api)
    _, scope_id = await _service_with_scope(api)
    done = await _put(api, scope_id, examples.sms())
    await _put(api, scope_id, _flat("0.1"))
    events = await AuditEvent.select(AuditEvent.id).where(AuditEvent.action == "Rate tree replaced")
    assert len(events) == 2
    changes = (
        await AuditChange.select()
        .where(AuditChange.event.is_in([e["id"] for e in events]))
        .order_by(AuditChange.id)
    )
    assert [json.loads(c["new_values"]) for c in changes] == [
        {"nodes": done["nodes"], "tree_version": 1},
        {"nodes": 2, "tree_version": 2},
    ]
    assert json.loads(changes[1]["old_values"]) == {"nodes": done["nodes"], "tree_version": 1}
    assert all(c["object_company_id"] == company["id"] for c in changes)


async def test_evaluation_uses_the_scope_in_force_and_follows_tree_changes(
    bo_factory, bo_api, monkeypatch
):
    _, api = await _api(bo_factory, bo_api)
    sid, first = await _service_with_scope(api)
    await _put(api, first, _flat("0.10"))
    res = await api.post(
        f"/api/v1/services/{sid}/scopes",
        json={"effective_from": "2027-01-01T00:00:00", "copy_from_scope_id": first},
    )
    second = res.json()["id"]
    await _put(api, second, _flat("0.20"))
    # the first scope runs indefinitely and was created first: it stays in force
    assert (await _evaluate(api, sid, "sms", "sms_message", at="2027-06-01T00:00:00Z"))[
        "price"
    ] == "0.1"
    await api.patch(f"/api/v1/scopes/{first}", json={"effective_till": "2027-01-01T00:00:00"})
    later = await _evaluate(api, sid, "sms", "sms_message", at="2027-06-01T00:00:00Z")
    assert (later["price"], later["scope_id"]) == ("0.2", second)
    before = await _evaluate(api, sid, "sms", "sms_message", at="2025-06-01T00:00:00+02:00")
    assert before["result"] == "not_found" and before["path"] == []
    assert "no scope of service" in before["reason"] and before["scope_id"] is None
    assert before["price_type"] is None and before["billing_rule"] is None

    reads = []
    real = store.read_tree

    async def counted(scope_id):
        reads.append(scope_id)
        return await real(scope_id)

    monkeypatch.setattr(store, "read_tree", counted)
    evaluation.clear_cache()
    for _ in range(3):
        assert (await _evaluate(api, sid, "sms", "sms_message"))["price"] == "0.1"
    assert reads == [first]  # compiled once, then served from the cache
    evaluation.clear_cache()
    row = await scopes.in_force(sid, datetime.now(UTC))
    together = await asyncio.gather(*(evaluation.compiled_for(row) for _ in range(5)))
    assert len({id(t) for t in together}) == 1 and reads == [first, first]  # one read for all
    await _put(api, first, _flat("0.15"))
    assert (await _evaluate(api, sid, "sms", "sms_message"))["price"] == "0.15"
    assert reads == [first, first, first]


@pytest.mark.parametrize(
    "body",
    [
        {"at": "2026-06-01T12:00:00", "domain": "sms", "resource": "sms_message"},
        {"at": "yesterday", "domain": "sms", "resource": "sms_message"},
        {"at": "0001-01-01T00:00:00+05:00", "domain": "sms", "resource": "sms_message"},
        {"domain": "sms", "resource": "sms_message", "attributes": {"country": 5}},
        {"domain": "sms", "resource": "sms_message", "attributes": ["ES"]},
        {"domain": "sms", "resource": "x" * 201},
        {"domain": "sms"},
        {"domain": "sms", "resource": "sms_message", "extra": 1},
        {"domain": "sms\x00", "resource": "sms_message"},
    ],
)
async def test_wrong_evaluation_input_is_4xx(bo_factory, bo_api, body):
    _, api = await _api(bo_factory, bo_api)
    sid, _ = await _service_with_scope(api)
    res = await api.post(f"/api/v1/services/{sid}/evaluate", json=body)
    assert 400 <= res.status_code < 500, res.text


async def test_trees_answer_404_to_a_sibling_and_403_to_a_client(bo_factory, bo_api):
    from core.access.testing import role_id, user_with_role

    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller")
    r2 = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(r1, "client")
    api1 = await bo_api(await bo_factory.user(r1))
    sid, scope_id = await _service_with_scope(api1)
    await _put(api1, scope_id, _flat("0.1"))
    body = {"domain": "sms", "resource": "sms_message"}
    sibling = await bo_api(await bo_factory.user(r2))
    for api, status in ((sibling, 404), (await bo_api(await bo_factory.user(client)), 403)):
        assert (await api.get(f"/api/v1/scopes/{scope_id}/tree")).status_code == status
        res = await api.put(f"/api/v1/scopes/{scope_id}/tree", json=_flat("0"))
        assert res.status_code == status
        res = await api.post(f"/api/v1/services/{sid}/evaluate", json=body)
        assert res.status_code == status
    role = await role_id("backoffice", "Finance manager")  # services: view
    finance = await bo_api(await user_with_role(bo_factory, r1, "backoffice", role))
    assert (await finance.get(f"/api/v1/scopes/{scope_id}/tree")).status_code == 200
    assert (await finance.post(f"/api/v1/services/{sid}/evaluate", json=body)).status_code == 200
    res = await finance.put(f"/api/v1/scopes/{scope_id}/tree", json=_flat("0"))
    assert res.status_code == 403
    assert (await api1.get(f"/api/v1/scopes/{scope_id}/tree")).json() == _flat("0.1")
