"""Service scopes over the API (guide §7.3.1): local dates in a zone, drafts, which scope is in
force when scopes overlap, copying a tree, the audit trail, service delete and clone carrying
scopes, and owner-only access (a sibling gets 404, a client is refused)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.audit.models import AuditChange, AuditEvent
from core.catalogue.scopes import service as scopes
from core.catalogue.scopes.models import ServiceScope
from core.catalogue.trees import nodes, store
from core.catalogue.trees.models import RateNode

PAYG = {"name": "SMS retail", "type": "pay_as_you_go", "currency": "EUR"}
FLAT = nodes.Tree(
    [
        nodes.DomainTree(
            "sms",
            [nodes.ResourceTree("sms_message", nodes.Rate(nodes.FLAT, price=Decimal("0.05")))],
        )
    ]
)


async def _owner_api(bo_factory, bo_api, kind: str = "reseller"):
    owner = await bo_factory.owner()
    company = await bo_factory.company(owner, kind)
    return company, await bo_api(await bo_factory.user(company))


async def _service(api, **fields) -> int:
    res = await api.post("/api/v1/services", json={**PAYG, **fields})
    assert res.status_code == 201, res.text
    return res.json()["id"]


async def _scope(api, service_id: int, **body) -> dict:
    res = await api.post(f"/api/v1/services/{service_id}/scopes", json=body)
    assert res.status_code == 201, res.text
    return res.json()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_local_dates_in_a_zone_read_back_as_entered(bo_factory, bo_api):
    _, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    made = await _scope(
        api,
        sid,
        effective_from="2026-01-01T00:00:00",
        effective_till="2026-07-01T00:00:00",
        timezone="Europe/Berlin",
    )
    assert made["effective_from"].startswith("2025-12-31T23:00:00")  # CET is UTC+1
    assert made["effective_till"].startswith("2026-06-30T22:00:00")  # CEST is UTC+2
    assert made["effective_from_local"] == "2026-01-01T00:00:00"
    assert made["effective_till_local"] == "2026-07-01T00:00:00"
    assert (made["timezone"], made["draft"], made["tree_version"]) == ("Europe/Berlin", False, 0)
    assert made["service_id"] == sid

    # a new zone alone keeps the wall times and moves the instants
    res = await api.patch(f"/api/v1/scopes/{made['id']}", json={"timezone": "Europe/Madrid"})
    assert res.status_code == 200, res.text
    assert res.json()["effective_from_local"] == "2026-01-01T00:00:00"
    res = await api.patch(f"/api/v1/scopes/{made['id']}", json={"timezone": "UTC"})
    assert res.json()["effective_from"].startswith("2026-01-01T00:00:00")


async def test_the_earliest_created_non_draft_scope_is_in_force(bo_factory, bo_api):
    """The guide's note: a scope saved over the current one leaves the original current until
    its dates change or it becomes a draft."""
    _, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    first = await _scope(api, sid, effective_from="2026-01-01T00:00:00")  # indefinitely
    second = await _scope(
        api, sid, effective_from="2026-03-01T00:00:00", effective_till="2026-06-01T00:00:00"
    )
    draft = await _scope(api, sid, effective_from="2025-01-01T00:00:00", draft=True)

    async def in_force_at(text: str) -> int | None:
        row = await scopes.in_force(sid, at(text))
        return row and row["id"]

    assert await in_force_at("2025-06-01T00:00:00") is None  # only the draft holds it
    assert await in_force_at("2026-04-01T00:00:00") == first["id"]  # overlap: the older wins
    assert await in_force_at("2025-12-31T23:59:59") is None
    assert await in_force_at("2026-01-01T00:00:00") == first["id"]  # [from, till)

    res = await api.patch(f"/api/v1/scopes/{first['id']}", json={"draft": True})
    assert res.status_code == 200 and res.json()["status"] == "draft"
    assert await in_force_at("2026-04-01T00:00:00") == second["id"]
    assert await in_force_at("2026-06-01T00:00:00") is None  # the second ended
    res = await api.patch(f"/api/v1/scopes/{draft['id']}", json={"draft": False})
    assert res.json()["status"] in ("current", "past", "upcoming")
    assert await in_force_at("2025-06-01T00:00:00") == draft["id"]
    assert await in_force_at("2026-04-01T00:00:00") == second["id"]  # created before "draft"


async def test_list_shows_status_and_the_scope_in_force_now(bo_factory, bo_api):
    _, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    past = await _scope(
        api,
        sid,
        effective_from=(now - timedelta(days=30)).isoformat(),
        effective_till=(now - timedelta(days=10)).isoformat(),
    )
    current = await _scope(api, sid, effective_from=(now - timedelta(days=10)).isoformat())
    overlapping = await _scope(api, sid, effective_from=(now - timedelta(days=1)).isoformat())
    upcoming = await _scope(api, sid, effective_from=(now + timedelta(days=5)).isoformat())
    draft = await _scope(api, sid, draft=True)  # a draft may leave its dates for later
    assert draft["effective_from"] is None and draft["status"] == "draft"

    page = (await api.get(f"/api/v1/services/{sid}/scopes")).json()
    assert page["total"] == 5
    rows = {r["id"]: (r["status"], r["in_force"]) for r in page["items"]}
    assert rows == {
        past["id"]: ("past", False),
        current["id"]: ("current", True),
        overlapping["id"]: ("current", False),
        upcoming["id"]: ("upcoming", False),
        draft["id"]: ("draft", False),
    }
    drafts = (await api.get(f"/api/v1/services/{sid}/scopes?draft=true")).json()["items"]
    assert [r["id"] for r in drafts] == [draft["id"]]
    res = await api.get(
        f"/api/v1/services/{sid}/scopes?draft=false&sort=effective_from&order=desc&page_size=2"
    )
    assert res.status_code == 200, res.text
    assert [r["id"] for r in res.json()["items"]] == [upcoming["id"], overlapping["id"]]
    res = await api.get(f"/api/v1/services/{sid}/scopes?format=csv")
    assert res.status_code == 200
    lines = res.text.strip().splitlines()
    assert len(lines) == 6 and "in_force" in lines[0]
    assert (await api.get(f"/api/v1/services/{sid}/scopes?sort=nope")).status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"effective_from": "2026-01-01T00:00:00", "timezone": "Mars/Olympus"}, "timezone"),
        (
            {"effective_from": "2026-03-29T02:30:00", "timezone": "Europe/Berlin"},
            "effective_from",
        ),
        (
            {"effective_from": "2026-02-01T00:00:00", "effective_till": "2026-01-01T00:00:00"},
            "effective_till",
        ),
        ({}, "effective_from"),
        ({"draft": True, "effective_till": "2026-01-01T00:00:00"}, "effective_from"),
        ({"effective_from": "2026-01-01T00:00:00", "copy_from_scope_id": 999999}, None),
    ],
)
async def test_broken_scopes_are_422_naming_the_field(bo_factory, bo_api, body, field):
    _, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    res = await api.post(f"/api/v1/services/{sid}/scopes", json=body)
    assert res.status_code == 422, res.text
    fields = {e["field"] for e in res.json()["errors"]}
    assert (field or "copy_from_scope_id") in fields
    assert await ServiceScope.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"effective_from": "yesterday"},
        {"draft": "yes", "effective_from": "2026-01-01T00:00:00"},
        {"effective_from": "2026-01-01T00:00:00", "timezone": "UTC\x00"},
        {"effective_from": "2026-01-01T00:00:00", "copy_from_scope_id": -1},
        {"effective_from": "2026-01-01T00:00:00", "copy_from_scope_id": 2**70},
        {"effective_from": "2026-01-01T00:00:00", "surprise": 1},
        {"effective_from": "10000-01-01T00:00:00"},
    ],
)
async def test_wrong_types_and_values_are_4xx_not_500(bo_factory, bo_api, body):
    _, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    res = await api.post(f"/api/v1/services/{sid}/scopes", json=body)
    assert 400 <= res.status_code < 500, res.text
    assert await ServiceScope.count() == 0


async def test_copy_from_takes_a_tree_of_the_same_company_only(bo_factory, bo_api):
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller")
    theirs = await bo_factory.company(owner, "reseller")
    api = await bo_api(await bo_factory.user(mine))
    other_api = await bo_api(await bo_factory.user(theirs))
    source_service = await _service(api, name="Source")
    source = await _scope(api, source_service, effective_from="2026-01-01T00:00:00")
    await store.write_tree(source["id"], FLAT)
    foreign = await _scope(other_api, await _service(other_api), draft=True)
    await store.write_tree(foreign["id"], FLAT)

    target_service = await _service(api, name="Target")
    copy = await _scope(
        api, target_service, effective_from="2026-01-01T00:00:00", copy_from_scope_id=source["id"]
    )
    assert await store.read_tree(copy["id"]) == FLAT
    res = await api.post(
        f"/api/v1/services/{target_service}/scopes",
        json={"draft": True, "copy_from_scope_id": foreign["id"]},
    )
    assert res.status_code == 422
    assert res.json()["errors"] == [
        {"field": "copy_from_scope_id", "message": f"no scope {foreign['id']} among your services"}
    ]
    change = (
        await AuditChange.select(AuditChange.new_values)
        .where(AuditChange.table_name == "service_scopes", AuditChange.object_id == copy["id"])
        .first()
    )
    assert json.loads(change["new_values"])["copied_from_scope"] == source["id"]
    assert json.loads(change["new_values"])["nodes"] == 2


async def test_every_write_is_audited_and_delete_removes_the_tree(bo_factory, bo_api):
    company, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    made = await _scope(api, sid, effective_from="2026-01-01T00:00:00")
    await store.write_tree(made["id"], FLAT)
    res = await api.patch(
        f"/api/v1/scopes/{made['id']}", json={"effective_till": "2027-01-01T00:00:00"}
    )
    assert res.status_code == 200 and res.json()["effective_till_local"] == "2027-01-01T00:00:00"
    same = await api.patch(f"/api/v1/scopes/{made['id']}", json={"draft": False})
    assert same.status_code == 200  # nothing changed: no event
    bad = await api.patch(f"/api/v1/scopes/{made['id']}", json={"effective_from": None})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "effective_from"
    assert (await api.delete(f"/api/v1/scopes/{made['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/scopes/{made['id']}")).status_code == 404
    assert await RateNode.count() == 0

    events = (
        await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.action.like("Service scope%"))
        .order_by(AuditEvent.id)
    )
    assert [e["action"] for e in events] == [
        "Service scope created",
        "Service scope updated",
        "Service scope deleted",
    ]
    changes = (
        await AuditChange.select()
        .where(AuditChange.table_name == "service_scopes")
        .order_by(AuditChange.id)
    )
    assert json.loads(changes[1]["new_values"]) == {"effective_till": "2027-01-01T00:00:00+00:00"}
    assert json.loads(changes[2]["old_values"])["nodes"] == 2
    assert all(c["object_company_id"] == company["id"] for c in changes)


async def test_service_delete_takes_its_scopes_and_clone_copies_them(bo_factory, bo_api):
    _, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    first = await _scope(api, sid, effective_from="2026-01-01T00:00:00")
    second = await _scope(api, sid, draft=True)
    await store.write_tree(first["id"], FLAT)

    res = await api.post(f"/api/v1/services/{sid}/clone", json={"name": "Copy"})
    assert res.status_code == 201, res.text
    clone_id = res.json()["id"]
    copies = (await api.get(f"/api/v1/services/{clone_id}/scopes")).json()["items"]
    assert [(c["effective_from_local"], c["draft"]) for c in copies] == [
        ("2026-01-01T00:00:00", False),
        (None, True),
    ]
    assert await store.read_tree(copies[0]["id"]) == FLAT
    assert await store.read_tree(copies[1]["id"]) == nodes.Tree()
    cloned = await AuditEvent.select(AuditEvent.id).where(
        AuditEvent.action == "Service scopes cloned"
    )
    new_values = await AuditChange.select(AuditChange.new_values).where(
        AuditChange.event == cloned[0]["id"]
    )
    assert sorted(json.loads(v["new_values"])["copied_from_scope"] for v in new_values) == [
        first["id"],
        second["id"],
    ]

    assert (await api.delete(f"/api/v1/services/{sid}")).status_code == 204
    assert not await ServiceScope.exists().where(ServiceScope.id.is_in([first["id"], second["id"]]))
    assert await RateNode.count() == 2  # the clone's tree stays
    event = await AuditEvent.select(AuditEvent.id).where(AuditEvent.action == "Service deleted")
    tables = await AuditChange.select(AuditChange.table_name).where(
        AuditChange.event == event[0]["id"]
    )
    assert sorted(t["table_name"] for t in tables) == [
        "service_scopes",
        "service_scopes",
        "services",
    ]


async def test_a_sibling_gets_404_for_scopes(bo_factory, bo_api):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller")
    r2 = await bo_factory.company(owner, "reseller")
    sub = await bo_factory.company(r1, "reseller")
    api1 = await bo_api(await bo_factory.user(r1))
    sid = await _service(api1)
    made = await _scope(api1, sid, effective_from="2026-01-01T00:00:00")
    body = {"effective_from": "2026-01-01T00:00:00"}
    for company in (r2, sub, owner):
        api = await bo_api(await bo_factory.user(company))
        assert (await api.get(f"/api/v1/services/{sid}/scopes")).status_code == 404
        assert (await api.post(f"/api/v1/services/{sid}/scopes", json=body)).status_code == 404
        assert (await api.get(f"/api/v1/scopes/{made['id']}")).status_code == 404
        res = await api.patch(f"/api/v1/scopes/{made['id']}", json={"draft": True})
        assert res.status_code == 404
        assert (await api.delete(f"/api/v1/scopes/{made['id']}")).status_code == 404
    assert (await api1.get(f"/api/v1/scopes/{2**62}")).status_code == 404
    assert (await api1.get(f"/api/v1/scopes/{2**70}")).status_code in (400, 404)
    assert await ServiceScope.count() == 1
    assert (await ServiceScope.select(ServiceScope.draft).first())["draft"] is False


async def test_a_client_and_a_viewer_cannot_change_scopes(bo_factory, bo_api):
    from core.access.testing import role_id, user_with_role

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(reseller, "client")
    manager = await bo_api(await bo_factory.user(reseller))
    sid = await _service(manager)
    made = await _scope(manager, sid, effective_from="2026-01-01T00:00:00")
    api = await bo_api(await bo_factory.user(client))
    assert (await api.get(f"/api/v1/services/{sid}/scopes")).status_code == 403
    assert (await api.get(f"/api/v1/scopes/{made['id']}")).status_code == 403
    assert (
        await api.post(f"/api/v1/services/{sid}/scopes", json={"draft": True})
    ).status_code == 403
    assert (await api.delete(f"/api/v1/scopes/{made['id']}")).status_code == 403

    role = await role_id("backoffice", "Finance manager")  # services: view
    finance = await bo_api(await user_with_role(bo_factory, reseller, "backoffice", role))
    assert (await finance.get(f"/api/v1/scopes/{made['id']}")).status_code == 200
    res = await finance.patch(f"/api/v1/scopes/{made['id']}", json={"draft": True})
    assert res.status_code == 403
    assert (await finance.delete(f"/api/v1/scopes/{made['id']}")).status_code == 403
    assert await ServiceScope.count() == 1


async def test_a_service_whose_scopes_hold_a_tree_keeps_its_type(bo_factory, bo_api):
    _, api = await _owner_api(bo_factory, bo_api)
    sid = await _service(api)
    made = await _scope(api, sid, effective_from="2026-01-01T00:00:00")
    retype = {"type": "bundle_initiator"}
    res = await api.patch(f"/api/v1/services/{sid}", json=retype)
    assert res.status_code == 200, res.text  # an empty scope holds no prices yet
    await store.write_tree(made["id"], FLAT)
    res = await api.patch(f"/api/v1/services/{sid}", json={"type": "pay_as_you_go"})
    assert res.status_code == 409
    assert res.json()["errors"][0]["field"] == "type"
    assert (await api.get(f"/api/v1/services/{sid}")).json()["type"] == "bundle_initiator"
    res = await api.patch(f"/api/v1/services/{sid}", json={"name": "Renamed"})
    assert res.status_code == 200  # other fields still change
