"""The enabled-services overlap rule kept true from the trees' side: each write that would make
an enabled pay-as-you-go service price a domain another overlapping enabled service on the same
agreement prices is refused (409, nothing written, the conflict named); writes that add no
domain, drafts, services enabled nowhere and non-overlapping periods pass.

World: agreement A-1 enables "SMS retail" (prices sms) from 1 March 2030 to 1 June 2030 (UTC)
and "SMS promo" (prices viber) from 1 May 2030 on; they overlap in May 2030."""

from __future__ import annotations

import asyncio

import pytest
from agreement_helpers import agreement_between

from core.audit.models import AuditEvent
from core.catalogue.scopes.models import ServiceScope
from core.catalogue.trees import store
from core.catalogue.trees.models import RateNode

FROM = "2026-01-01T00:00:00"
OVERLAP = "2030-05-01 00:00 UTC to 2030-06-01 00:00 UTC"


def _doc(*domains: str) -> dict:
    return {"format": 1, "domains": [{"domain": d} for d in domains]}


class World:
    async def build(self, bo_factory, bo_api):
        owner = await bo_factory.owner()
        self.reseller = await bo_factory.company(owner, "reseller", name="Reseller")
        self.client = await bo_factory.company(self.reseller, "client", name="Client Ltd")
        self.agreement = await agreement_between(self.client, self.reseller, "A-1")
        self.api = await bo_api(await bo_factory.user(self.reseller))
        self.retail, self.retail_scope = await self.service("SMS retail", "sms")
        self.promo, self.promo_scope = await self.service("SMS promo", "viber")
        self.retail_row = await self.enable(
            self.retail, "2030-03-01T00:00:00", "2030-06-01T00:00:00"
        )
        self.promo_row = await self.enable(self.promo, "2030-05-01T00:00:00")
        return self

    async def service(self, name: str, *domains: str) -> tuple[int, int]:
        body = {"name": name, "type": "pay_as_you_go", "currency": "EUR"}
        res = await self.api.post("/api/v1/services", json=body)
        assert res.status_code == 201, res.text
        sid = res.json()["id"]
        scope_id = await self.scope(sid)
        await self.put(scope_id, _doc(*domains))
        return sid, scope_id

    async def scope(self, sid: int, **body) -> int:
        body = {"effective_from": FROM, "timezone": "UTC", **body}
        res = await self.api.post(f"/api/v1/services/{sid}/scopes", json=body)
        assert res.status_code == 201, res.text
        return res.json()["id"]

    async def put(self, scope_id: int, doc: dict, status: int = 200):
        res = await self.api.put(f"/api/v1/scopes/{scope_id}/tree", json=doc)
        assert res.status_code == status, res.text
        return res.json()

    async def enable(self, sid: int, start: str, till: str | None = None, agreement=None):
        body = {
            "agreement_id": agreement or self.agreement,
            "service_id": sid,
            "effective_from": start,
            "effective_till": till,
            "timezone": "UTC",
        }
        res = await self.api.post("/api/v1/enabled-services", json=body)
        assert res.status_code == 201, res.text
        return res.json()

    def refusal(self, field: str) -> tuple[str, list]:
        """The 409 the world's conflict answers: promo would price sms, which retail prices on
        A-1 during May 2030."""
        retail = f"enabled service {self.retail_row['id']} (“SMS retail”)"
        detail = (
            "the service would price sms, but on agreement A-1, where it is enabled "
            f"(enabled service {self.promo_row['id']}), {retail} is in force for the domain sms "
            f"from {OVERLAP}; two pay-as-you-go services may not be in force for the same "
            "domain at the same time on one agreement"
        )
        errors = [
            {
                "field": field,
                "message": f"adds sms, which {retail} prices on agreement A-1 from {OVERLAP}",
            }
        ]
        return detail, errors


@pytest.fixture
async def world(bo_factory, bo_api):
    return await World().build(bo_factory, bo_api)


async def _events(action: str) -> int:
    return await AuditEvent.count().where(AuditEvent.action == action)


async def test_replacing_a_tree_with_a_conflicting_domain_is_refused_and_writes_nothing(world):
    before = await store.read_tree(world.promo_scope)
    version = (await world.api.get(f"/api/v1/scopes/{world.promo_scope}")).json()["tree_version"]
    replaced = await _events("Rate tree replaced")
    res = await world.api.put(f"/api/v1/scopes/{world.promo_scope}/tree", json=_doc("viber", "sms"))
    assert res.status_code == 409, res.text
    detail, errors = world.refusal("domains")
    assert res.json()["detail"] == detail and res.json()["errors"] == errors
    assert await store.read_tree(world.promo_scope) == before
    scope = (await world.api.get(f"/api/v1/scopes/{world.promo_scope}")).json()
    assert scope["tree_version"] == version
    assert await _events("Rate tree replaced") == replaced
    # a tree adding no domain the service prices elsewhere passes; so does a new, free one
    assert (await world.put(world.promo_scope, _doc("viber", "email")))["nodes"] == 2
    # the rule holds both ways: retail may not add viber, which promo prices in May on A-1
    res = await world.api.put(
        f"/api/v1/scopes/{world.retail_scope}/tree", json=_doc("sms", "viber")
    )
    assert res.status_code == 409 and "viber" in res.json()["detail"]
    assert await store.scope_domains(world.retail_scope) == {"sms"}


async def test_a_domain_node_that_conflicts_is_refused_others_pass(world):
    nodes_before = await RateNode.count()
    added = await _events("Rate node added")
    body = {"parent_id": None, "key": "sms"}
    res = await world.api.post(f"/api/v1/scopes/{world.promo_scope}/nodes", json=body)
    assert res.status_code == 409, res.text
    detail, errors = world.refusal("key")
    assert res.json()["detail"] == detail and res.json()["errors"] == errors
    assert await RateNode.count() == nodes_before and await _events("Rate node added") == added
    res = await world.api.post(
        f"/api/v1/scopes/{world.promo_scope}/nodes", json={"parent_id": None, "key": "email"}
    )
    assert res.status_code == 201, res.text
    # deleting a domain only takes one away: never a conflict
    sms_node = (
        await RateNode.select(RateNode.id)
        .where(RateNode.scope == world.retail_scope, RateNode.parent.is_null())
        .first()
    )
    assert (await world.api.delete(f"/api/v1/nodes/{sms_node['id']}")).status_code == 204
    # with retail no longer pricing sms, promo may now
    res = await world.api.post(f"/api/v1/scopes/{world.promo_scope}/nodes", json=body)
    assert res.status_code == 201, res.text


async def test_a_live_scope_copying_a_conflicting_tree_is_refused_a_draft_copy_is_not(world):
    scopes = await ServiceScope.count()
    created = await _events("Service scope created")
    body = {"effective_from": FROM, "timezone": "UTC", "copy_from_scope_id": world.retail_scope}
    res = await world.api.post(f"/api/v1/services/{world.promo}/scopes", json=body)
    assert res.status_code == 409, res.text
    detail, errors = world.refusal("copy_from_scope_id")
    assert res.json()["detail"] == detail and res.json()["errors"] == errors
    assert (
        await ServiceScope.count() == scopes and await _events("Service scope created") == created
    )
    draft = await world.scope(world.promo, draft=True, copy_from_scope_id=world.retail_scope)
    assert await store.scope_domains(draft) == {"sms"}
    # making that draft live is the same conflict, and it stays a draft
    res = await world.api.patch(f"/api/v1/scopes/{draft}", json={"draft": False})
    assert res.status_code == 409, res.text
    detail, errors = world.refusal("draft")
    assert res.json()["detail"] == detail and res.json()["errors"] == errors
    assert (await world.api.get(f"/api/v1/scopes/{draft}")).json()["draft"] is True
    # a draft's tree prices nothing: a PUT into it passes
    await world.put(draft, _doc("sms", "viber"))
    # other changes of the draft (and deleting a live scope) pass
    res = await world.api.patch(f"/api/v1/scopes/{draft}", json={"timezone": "Europe/Berlin"})
    assert res.status_code == 200, res.text
    assert (await world.api.delete(f"/api/v1/scopes/{world.retail_scope}")).status_code == 204
    res = await world.api.patch(f"/api/v1/scopes/{draft}", json={"draft": False})
    assert res.status_code == 200 and res.json()["draft"] is False


async def test_periods_that_do_not_overlap_and_services_enabled_nowhere_pass(world):
    # promo's row moved to start when retail ends: no instant shared
    res = await world.api.patch(
        f"/api/v1/enabled-services/{world.promo_row['id']}",
        json={"effective_from": "2030-06-01T00:00:00"},
    )
    assert res.status_code == 200, res.text
    await world.put(world.promo_scope, _doc("viber", "sms"))
    # a service enabled on no agreement may price anything
    lone, lone_scope = await world.service("Lone", "sms")
    await world.put(lone_scope, _doc("sms", "viber", "email"))


async def test_the_conflict_on_another_agreement_is_named(world, bo_factory):
    other = await agreement_between(world.client, world.reseller, "B-2")
    # on A-1 promo starts after retail ends; on B-2 they overlap from 1 July 2030
    await world.api.patch(
        f"/api/v1/enabled-services/{world.promo_row['id']}",
        json={"effective_from": "2030-06-01T00:00:00"},
    )
    retail_b = await world.enable(world.retail, "2030-07-01T00:00:00", agreement=other)
    promo_b = await world.enable(world.promo, "2030-01-01T00:00:00", "2030-08-01T00:00:00", other)
    res = await world.api.put(f"/api/v1/scopes/{world.promo_scope}/tree", json=_doc("sms"))
    assert res.status_code == 409, res.text
    assert res.json()["detail"] == (
        "the service would price sms, but on agreement B-2, where it is enabled "
        f"(enabled service {promo_b['id']}), enabled service {retail_b['id']} (“SMS retail”) "
        "is in force for the domain sms from 2030-07-01 00:00 UTC to 2030-08-01 00:00 UTC; "
        "two pay-as-you-go services may not be in force for the same domain at the same time "
        "on one agreement"
    )


async def test_one_service_enabled_twice_at_once_may_not_gain_a_domain(world):
    """Enabled twice over one period while it priced nothing, a service that gains a domain
    would price it twice on the agreement: the same rule."""
    empty, empty_scope = await world.service("Empty")
    first = await world.enable(empty, "2031-01-01T00:00:00")
    second = await world.enable(empty, "2031-02-01T00:00:00")
    res = await world.api.put(f"/api/v1/scopes/{empty_scope}/tree", json=_doc("email"))
    assert res.status_code == 409, res.text
    detail = res.json()["detail"]
    assert f"(enabled service {first['id']}), enabled service {second['id']} (“Empty”)" in detail
    assert "from 2031-02-01 00:00 UTC to indefinitely" in detail


async def test_the_guarded_writes_stay_the_owners(world, bo_factory, bo_api):
    sibling = await bo_factory.company(await bo_factory.owner(), "reseller", name="Sibling")
    theirs = await bo_api(await bo_factory.user(sibling))
    res = await theirs.put(f"/api/v1/scopes/{world.promo_scope}/tree", json=_doc("sms"))
    assert res.status_code == 404
    res = await theirs.patch(f"/api/v1/scopes/{world.promo_scope}", json={"draft": False})
    assert res.status_code == 404
    client = await bo_api(await bo_factory.user(world.client))
    res = await client.put(f"/api/v1/scopes/{world.promo_scope}/tree", json=_doc("sms"))
    assert res.status_code in (403, 404)
    assert await store.scope_domains(world.promo_scope) == {"viber"}


async def test_an_enable_and_a_tree_write_racing_never_both_pass(world):
    """On PostgreSQL each side locks the service row, then the agreement rows: whichever
    commits first, the other sees it and is refused (SQLite lets one writer in at a time)."""
    for round_ in range(4):
        # the same service: enabled while its tree gains sms
        same, same_scope = await world.service(f"Same {round_}")
        enable = world.api.post(
            "/api/v1/enabled-services",
            json={
                "agreement_id": world.agreement,
                "service_id": same,
                "effective_from": "2030-04-01T00:00:00",
                "timezone": "UTC",
            },
        )
        put = world.api.put(f"/api/v1/scopes/{same_scope}/tree", json=_doc("sms"))
        answers = await asyncio.gather(enable, put)
        assert sorted(a.status_code for a in answers) in ([200, 409], [201, 409]), [
            a.text for a in answers
        ]
        # two services: one gains sms while the other, pricing sms, is enabled
        gaining, gaining_scope = await world.service(f"Gaining {round_}", "email")
        row = await world.enable(gaining, "2032-01-01T00:00:00", "2032-02-01T00:00:00")
        pricing, _ = await world.service(f"Pricing {round_}", "sms", "tts")
        enable = world.api.post(
            "/api/v1/enabled-services",
            json={
                "agreement_id": world.agreement,
                "service_id": pricing,
                "effective_from": "2032-01-15T00:00:00",
                "effective_till": "2032-01-16T00:00:00",
                "timezone": "UTC",
            },
        )
        put = world.api.put(f"/api/v1/scopes/{gaining_scope}/tree", json=_doc("email", "sms"))
        answers = await asyncio.gather(enable, put)
        assert sorted(a.status_code for a in answers) in ([200, 409], [201, 409]), [
            a.text for a in answers
        ]
        # leave 2032 free for the next round
        await world.api.delete(f"/api/v1/enabled-services/{row['id']}")
        for answer in answers:
            if answer.status_code == 201:
                await world.api.delete(f"/api/v1/enabled-services/{answer.json()['id']}")
