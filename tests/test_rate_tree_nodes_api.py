"""The tree constructor's node API: each worked example (§7.3.3 to 7.3.5) built node by node
reads back as the same document; children come lazily with labels, inherited rules and
incomplete marks; each edit is checked by the document's rules naming the node, applies to
evaluation at once, and is audited; owner-only access."""

from __future__ import annotations

import json

import pytest

from core.audit.models import AuditChange, AuditEvent
from core.catalogue.domains.service import registered
from core.catalogue.trees import document, examples
from core.catalogue.trees.models import RateNode

PAYG = {"name": "Retail", "type": "pay_as_you_go", "currency": "EUR"}


async def _api(bo_factory, bo_api, kind: str = "reseller"):
    company = await bo_factory.company(await bo_factory.owner(), kind)
    return company, await bo_api(await bo_factory.user(company))


async def _scope(api, **service) -> tuple[int, int]:
    res = await api.post("/api/v1/services", json={**PAYG, **service})
    assert res.status_code == 201, res.text
    sid = res.json()["id"]
    res = await api.post(
        f"/api/v1/services/{sid}/scopes", json={"effective_from": "2026-01-01T00:00:00"}
    )
    return sid, res.json()["id"]


async def _add(api, scope_id: int, parent: int | None, key: str, **body) -> dict:
    res = await api.post(
        f"/api/v1/scopes/{scope_id}/nodes", json={"parent_id": parent, "key": key, **body}
    )
    assert res.status_code == 201, res.text
    return res.json()


def _own(rate: dict) -> dict:
    return {k: v for k, v in rate.items() if k != "children"}


async def _build(api, scope_id: int, doc: dict) -> None:
    """Every node of ``doc`` added through the node API, parents first."""
    for d in doc["domains"]:
        domain = await _add(api, scope_id, None, d["domain"])
        for r in d.get("resources", []):
            rules = {k: r[k] for k in ("billing_rule", "quantity_rule") if k in r}
            rate = r.get("rate")
            node = await _add(
                api, scope_id, domain["id"], r["resource"], rate=rate and _own(rate), **rules
            )
            stack = [(node["id"], rate)]
            while stack:
                parent, parent_rate = stack.pop()
                for child in (parent_rate or {}).get("children", []):
                    below = child.get("rate")
                    added = await _add(
                        api, scope_id, parent, child["value"], rate=below and _own(below)
                    )
                    stack.append((added["id"], below))


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
async def test_each_worked_example_built_node_by_node(bo_factory, bo_api, name):
    _, api = await _api(bo_factory, bo_api)
    sid, scope_id = await _scope(api)
    doc = examples.EXAMPLES[name]()
    await _build(api, scope_id, doc)
    res = await api.get(f"/api/v1/scopes/{scope_id}/tree")
    assert res.json() == document.dump(document.parse(doc, "pay_as_you_go", registered()))
    scope = (await api.get(f"/api/v1/scopes/{scope_id}")).json()
    assert scope["tree_version"] == await RateNode.count().where(RateNode.scope == scope_id)


async def test_sms_tree_from_the_constructor_evaluates_and_edits_apply_at_once(bo_factory, bo_api):
    _, api = await _api(bo_factory, bo_api)
    sid, scope_id = await _scope(api)
    await _build(api, scope_id, examples.sms())
    event = {
        "at": "2026-06-01T00:00:00Z",
        "domain": "sms",
        "resource": "sms_message",
        "attributes": {"direction": "MT", "country": "ES", "network": examples.VODAFONE_ES},
    }
    res = await api.post(f"/api/v1/services/{sid}/evaluate", json=event)
    assert res.json()["price"] == "0.04"

    vodafone = await RateNode.select(RateNode.id).where(
        RateNode.scope == scope_id, RateNode.key == examples.VODAFONE_ES
    )
    node_id = vodafone[0]["id"]
    res = await api.patch(
        f"/api/v1/nodes/{node_id}",
        json={"rate": {"type": "flat", "price": "0.045", "billing_rule": "delivered"}},
    )
    assert res.status_code == 200, res.text
    assert (res.json()["price"], res.json()["billing_rule_shown"]) == ("0.045", "delivered")
    res = await api.post(f"/api/v1/services/{sid}/evaluate", json=event)
    assert (res.json()["price"], res.json()["billing_rule"]) == ("0.045", "delivered")


async def test_children_come_lazily_with_labels_rules_and_marks(bo_factory, bo_api):
    _, api = await _api(bo_factory, bo_api)
    _, scope_id = await _scope(api)
    sms = await _add(api, scope_id, None, "sms")
    assert (sms["kind"], sms["label"], sms["incomplete"]) == ("domain", "SMS", False)
    message = await _add(
        api,
        scope_id,
        sms["id"],
        "sms_message",
        rate={"depends_on": "country"},
        billing_rule="delivered",
    )
    assert message["kind"] == "resource" and message["incomplete"] is True  # no children yet
    assert (message["billing_rule_shown"], message["quantity_rule_shown"]) == (
        "delivered",
        "Default (messages)",
    )
    spain = await _add(api, scope_id, message["id"], "es", rate={"type": "flat", "price": "0.08"})
    assert (spain["key"], spain["label"]) == ("ES", "Spain")
    assert spain["billing_rule_shown"] == "Default (delivered)"
    nowhere = await _add(api, scope_id, message["id"], "ZZ")
    assert (nowhere["label"], nowhere["incomplete"]) == ("Missed option: ZZ", True)
    others = await _add(api, scope_id, message["id"], "*", rate={"type": "blocked"})
    assert others["label"] == "Others"

    top = (await api.get(f"/api/v1/scopes/{scope_id}/nodes")).json()
    assert [(n["key"], n["has_children"]) for n in top["items"]] == [("sms", True)]
    res = await api.get(f"/api/v1/scopes/{scope_id}/nodes?parent={message['id']}&limit=2")
    page = res.json()
    assert [n["key"] for n in page["items"]] == ["ES", "ZZ"] and page["next_after"] == 1
    res = await api.get(
        f"/api/v1/scopes/{scope_id}/nodes?parent={message['id']}&after={page['next_after']}"
    )
    assert [n["key"] for n in res.json()["items"]] == ["*"] and res.json()["next_after"] is None
    message_now = (await api.get(f"/api/v1/nodes/{message['id']}")).json()
    assert message_now["incomplete"] is False and message_now["has_children"] is True
    for query in ("limit=0", "limit=5000", "after=-1", f"after={2**40}"):
        res = await api.get(f"/api/v1/scopes/{scope_id}/nodes?{query}")
        assert res.status_code == 422, (query, res.text)
    res = await api.get(f"/api/v1/scopes/{scope_id}/nodes?parent={2**62}")
    assert res.status_code == 404
    assert (await api.get(f"/api/v1/scopes/{scope_id}/nodes?parent=x")).status_code == 400


@pytest.mark.parametrize(
    ("where", "body", "field", "words"),
    [
        ("country", {"key": "ES"}, "key", "appears twice"),
        ("country", {"key": "es"}, "key", "appears twice"),
        ("country", {"key": " FR"}, "key", "space"),
        (
            "country",
            {"key": "FR", "rate": {"type": "flat", "price": "-1"}},
            "rate.price",
            "negative",
        ),
        (
            "country",
            {"key": "FR", "rate": {"type": "flat", "price": "0.1234567"}},
            "rate.price",
            "6",
        ),
        ("country", {"key": "FR", "rate": {"depends_on": "country"}}, "rate.depends_on", "already"),
        ("country", {"key": "FR", "rate": {"depends_on": "colour"}}, "rate.depends_on", "not an"),
        ("country", {"key": "FR", "rate": {"type": "free", "prise": 1}}, "rate.prise", "not a key"),
        (
            "country",
            {"key": "FR", "rate": {"depends_on": "network", "children": []}},
            "rate.children",
            "own",
        ),
        ("leaf", {"key": "21401"}, "parent_id", "depend on an attribute"),
        ("domain", {"key": "smoke_signals"}, "key", "not a resource"),
        ("domain", {"key": "sms_message"}, "key", "already"),
        ("top", {"key": "sms"}, "key", "already"),
        ("top", {"key": "pigeon"}, "key", "not a service domain"),
        (
            "country",
            {
                "key": "FR",
                "rate": {
                    "type": "scale",
                    "scale": "tier",
                    "tiers": [
                        {"up_to": 5, "price": "1"},
                        {"up_to": 3, "price": "1"},
                        {"price": "1"},
                    ],
                },
            },
            "rate.tiers[1].up_to",
            "increase",
        ),
    ],
)
async def test_a_node_edit_breaking_a_rule_is_422_naming_the_node(
    bo_factory, bo_api, where, body, field, words
):
    _, api = await _api(bo_factory, bo_api)
    _, scope_id = await _scope(api)
    sms = await _add(api, scope_id, None, "sms")
    message = await _add(api, scope_id, sms["id"], "sms_message", rate={"depends_on": "country"})
    spain = await _add(api, scope_id, message["id"], "ES", rate={"type": "flat", "price": "1"})
    parent = {"top": None, "domain": sms["id"], "country": message["id"], "leaf": spain["id"]}
    before = await RateNode.count()
    res = await api.post(
        f"/api/v1/scopes/{scope_id}/nodes", json={"parent_id": parent[where], **body}
    )
    assert res.status_code == 422, res.text
    errors = {e["field"]: e["message"] for e in res.json()["errors"]}
    assert field in errors and words in errors[field], errors
    assert await RateNode.count() == before


async def test_pack_types_and_changes_under_children_are_refused(bo_factory, bo_api):
    _, api = await _api(bo_factory, bo_api)
    _, pack_scope = await _scope(api, name="Pack", type="unit_pack", currency=None, size="100")
    sms = await _add(api, pack_scope, None, "sms")
    res = await api.post(
        f"/api/v1/scopes/{pack_scope}/nodes",
        json={"parent_id": sms["id"], "key": "sms_message", "rate": {"type": "flat", "price": "1"}},
    )
    assert res.status_code == 422 and "not allowed for a unit_pack" in res.text
    assert "sms / sms_message" in res.json()["errors"][0]["message"]

    _, scope_id = await _scope(api)
    sms = await _add(api, scope_id, None, "sms")
    message = await _add(api, scope_id, sms["id"], "sms_message", rate={"depends_on": "country"})
    spain = await _add(api, scope_id, message["id"], "ES", rate={"type": "free"})
    await _add(api, scope_id, message["id"], "FR", rate={"type": "free"})
    for body, field in (
        ({"rate": {"type": "free"}}, "rate.type"),
        ({"rate": {"depends_on": "direction"}}, "rate.depends_on"),
        ({"rate": None}, "rate"),
        ({"key": "x"}, "key"),
    ):
        res = await api.patch(f"/api/v1/nodes/{message['id']}", json=body)
        assert res.status_code == 422, (body, res.text)
        assert res.json()["errors"][0]["field"] == field
    res = await api.patch(f"/api/v1/nodes/{spain['id']}", json={"key": "fr"})
    assert res.status_code == 422 and "appears twice" in res.text
    res = await api.patch(f"/api/v1/nodes/{spain['id']}", json={"billing_rule": "delivered"})
    assert res.status_code == 422
    res = await api.patch(f"/api/v1/nodes/{sms['id']}", json={"key": "viber"})
    assert res.status_code == 422
    res = await api.patch(f"/api/v1/nodes/{spain['id']}", json={"key": "pt"})
    assert res.status_code == 200 and (res.json()["key"], res.json()["label"]) == ("PT", "Portugal")
    res = await api.patch(f"/api/v1/nodes/{message['id']}", json={"quantity_rule": "segments"})
    assert res.status_code == 200 and res.json()["price_type"] == "depends_on"
    assert res.json()["quantity_rule_shown"] == "segments"


async def test_delete_takes_the_subtree_and_every_edit_is_audited(bo_factory, bo_api):
    company, api = await _api(bo_factory, bo_api)
    sid, scope_id = await _scope(api)
    await _build(api, scope_id, examples.sms())
    total = await RateNode.count().where(RateNode.scope == scope_id)
    message = (
        await RateNode.select(RateNode.id)
        .where(RateNode.scope == scope_id, RateNode.key == "sms_message")
        .first()
    )
    below = (await api.get(f"/api/v1/scopes/{scope_id}/nodes?parent={message['id']}")).json()
    mt = next(n for n in below["items"] if n["key"] == "MT")
    assert (await api.delete(f"/api/v1/nodes/{mt['id']}")).status_code == 204
    left = await RateNode.count().where(RateNode.scope == scope_id)
    assert (await api.get(f"/api/v1/nodes/{mt['id']}")).status_code == 404
    event = {
        "at": "2026-06-01T00:00:00Z",
        "domain": "sms",
        "resource": "sms_message",
        "attributes": {"direction": "MT", "country": "ES"},
    }
    res = await api.post(f"/api/v1/services/{sid}/evaluate", json=event)
    assert res.json()["result"] == "not_found"

    deleted = (
        await AuditChange.select(AuditChange.old_values)
        .where(AuditChange.table_name == "rate_nodes", AuditChange.operation == "delete")
        .first()
    )
    old = json.loads(deleted["old_values"])
    assert old["path"] == "sms / sms_message / MT" and old["nodes"] == total - left
    actions = await AuditEvent.select(AuditEvent.action).where(AuditEvent.action.like("Rate node%"))
    assert {a["action"] for a in actions} == {"Rate node added", "Rate node deleted"}
    assert len(actions) == total + 1
    companies = await AuditChange.select(AuditChange.object_company_id).where(
        AuditChange.table_name == "rate_nodes"
    )
    assert {c["object_company_id"] for c in companies} == {company["id"]}


@pytest.mark.parametrize(
    "body",
    [
        {"parent_id": "x", "key": "ES"},
        {"key": 5},
        {"parent_id": 2**70, "key": "ES"},
        {"parent_id": -3, "key": "ES"},
        {"key": "s\x00ms"},
        {"key": "sms", "rate": "flat"},
        {"key": "x" * 500},
        {"key": "sms", "colour": "red"},
    ],
)
async def test_wrong_node_input_is_4xx(bo_factory, bo_api, body):
    _, api = await _api(bo_factory, bo_api)
    _, scope_id = await _scope(api)
    res = await api.post(f"/api/v1/scopes/{scope_id}/nodes", json=body)
    assert 400 <= res.status_code < 500, res.text
    assert await RateNode.count() == 0


async def test_nodes_answer_404_to_a_sibling_and_403_to_a_client(bo_factory, bo_api):
    from core.access.testing import role_id, user_with_role

    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller")
    r2 = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(r1, "client")
    api1 = await bo_api(await bo_factory.user(r1))
    _, scope_id = await _scope(api1)
    sms = await _add(api1, scope_id, None, "sms")
    sibling = await bo_api(await bo_factory.user(r2))
    _, foreign_scope = await _scope(sibling)
    res = await sibling.post(
        f"/api/v1/scopes/{foreign_scope}/nodes", json={"parent_id": sms["id"], "key": "sms_message"}
    )
    assert res.status_code == 404  # another company's node as a parent
    for api, status in ((sibling, 404), (await bo_api(await bo_factory.user(client)), 403)):
        assert (await api.get(f"/api/v1/scopes/{scope_id}/nodes")).status_code == status
        res = await api.post(f"/api/v1/scopes/{scope_id}/nodes", json={"key": "viber"})
        assert res.status_code == status
        assert (await api.get(f"/api/v1/nodes/{sms['id']}")).status_code == status
        res = await api.patch(f"/api/v1/nodes/{sms['id']}", json={"key": "x"})
        assert res.status_code == status
        assert (await api.delete(f"/api/v1/nodes/{sms['id']}")).status_code == status
    role = await role_id("backoffice", "Finance manager")  # services: view
    finance = await bo_api(await user_with_role(bo_factory, r1, "backoffice", role))
    assert (await finance.get(f"/api/v1/scopes/{scope_id}/nodes")).status_code == 200
    assert (await finance.delete(f"/api/v1/nodes/{sms['id']}")).status_code == 403
    assert await RateNode.count().where(RateNode.scope == scope_id) == 1


async def test_a_resources_rate_takes_no_rules_of_its_own(bo_factory, bo_api):
    """The resource holds the rules for everything below it; its rate giving others would not
    read back as sent (docs/rate-trees.md)."""
    _, api = await _api(bo_factory, bo_api)
    _, scope_id = await _scope(api)
    sms = await _add(api, scope_id, None, "sms")
    message = "set the rules on the resource, not on its top-level rate, at sms / sms_message"
    body = {
        "parent_id": sms["id"],
        "key": "sms_message",
        "rate": {"type": "flat", "price": "0.05", "billing_rule": "delivered"},
    }
    res = await api.post(f"/api/v1/scopes/{scope_id}/nodes", json=body)
    assert res.status_code == 422
    assert res.json()["errors"] == [{"field": "rate.billing_rule", "message": message}]
    assert await RateNode.count().where(RateNode.scope == scope_id) == 1
    resource = await _add(
        api, scope_id, sms["id"], "sms_message", rate={"type": "flat", "price": "0.05"}
    )
    res = await api.patch(
        f"/api/v1/nodes/{resource['id']}",
        json={"rate": {"type": "flat", "price": "0.06", "quantity_rule": "segments"}},
    )
    assert res.status_code == 422
    assert res.json()["errors"] == [{"field": "rate.quantity_rule", "message": message}]
    res = await api.patch(f"/api/v1/nodes/{resource['id']}", json={"quantity_rule": "segments"})
    assert res.status_code == 200 and res.json()["quantity_rule_shown"] == "segments"
    tree = (await api.get(f"/api/v1/scopes/{scope_id}/tree")).json()
    assert tree["domains"][0]["resources"][0] == {
        "resource": "sms_message",
        "quantity_rule": "segments",
        "rate": {"type": "flat", "price": "0.05"},
    }
