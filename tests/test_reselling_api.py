"""Reselling associations: the tenant associates a reseller's legal entity with that reseller's
agreement; periods of one pair never overlap; the reseller reads its own, nothing more."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ledger_helpers import set_balance
from test_agreements_api import AG, entity, make, world

from core.accounts.reselling import service as reselling
from core.accounts.reselling.models import ResellingAssociation
from core.audit.models import AuditChange, AuditEvent


def tenant_url(entity_id: int) -> str:
    return f"/api/v1/legal-entities/{entity_id}/reselling-agreements"


def own_url(entity_id: int) -> str:
    return f"/api/v1/own-legal-entities/{entity_id}/reselling-agreements"


async def _reseller_agreement(api, w, code="RS-1", **extra) -> dict:
    return await make(
        api,
        w,
        code=code,
        company_id=w["rr"]["id"],
        legal_entity_id=w["rr_le"],
        bank_account_id=None,
        **extra,
    )


async def test_tenant_manages_associations_with_audit(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await _reseller_agreement(api, w, credit_limit="250")
    url = tenant_url(w["rr_le"])
    res = await api.post(
        url,
        json={
            "agreement_id": agreement["id"],
            "effective_from": "2025-01-01T01:00:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert res.status_code == 201, res.text
    item = res.json()
    assert item["agreement_code"] == "RS-1" and item["currency"] == "EUR"
    assert item["balance"] == "0.000000" and item["credit_limit"] == "250.000000"
    assert item["effective_from"].startswith("2025-01-01T00:00:00")  # 01:00 Berlin in winter
    assert item["status"] == "current" and item["effective_till"] is None
    assert (await api.get(url)).json()["items"] == [item]
    assert (await api.get(f"{url}/{item['id']}")).json() == item

    res = await api.patch(f"{url}/{item['id']}", json={"effective_till": "2030-01-01T00:00:00"})
    # read in the zone the association was entered in: midnight in Berlin
    assert res.status_code == 200 and res.json()["effective_till_local"] == "2030-01-01T00:00:00"
    assert res.json()["effective_till"].startswith("2029-12-31T23:00:00")
    assert res.json()["timezone"] == "Europe/Berlin"
    res = await api.patch(f"{url}/{item['id']}", json={"effective_from": "2025-06-01T00:00:00"})
    assert res.status_code == 409 and "cannot be moved" in res.json()["detail"]
    # the same agreement again: only after the first period; another agreement may overlap
    again = {"agreement_id": agreement["id"], "effective_from": "2029-12-31T00:00:00"}
    res = await api.post(url, json=again)
    assert res.status_code == 409 and "overlaps" in res.json()["detail"]
    assert (
        await api.post(url, json={**again, "effective_from": "2030-01-01T00:00:00"})
    ).status_code == 201
    second = await _reseller_agreement(api, w, code="RS-2")
    both = await api.post(
        url, json={"agreement_id": second["id"], "effective_from": "2025-02-01T00:00:00"}
    )
    assert both.status_code == 201
    at = datetime(2026, 1, 1, tzinfo=UTC)
    in_force = await reselling.reselling_agreements_in_force(w["rr_le"], at)
    assert [r["agreement"] for r in in_force] == [agreement["id"], second["id"]]
    first = await reselling.reselling_agreement_in_force(w["rr_le"], at)
    assert first["id"] == item["id"]
    assert (
        await reselling.reselling_agreement_in_force(w["rr_le"], datetime(2024, 1, 1, tzinfo=UTC))
        is None
    )

    # an agreement in use cannot be deleted; removing the associations frees it
    assert (await api.delete(f"{AG}/{second['id']}")).status_code == 409
    assert (await api.delete(f"{url}/{both.json()['id']}")).status_code == 204
    assert (await api.delete(f"{AG}/{second['id']}")).status_code == 204

    actions = [
        e["action"]
        for e in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)
        if "eselling" in e["action"]
    ]
    assert actions == [
        "Reselling agreement added",
        "Reselling agreement updated",
        "Reselling agreement added",
        "Reselling agreement added",
        "Reselling agreement deleted",
    ]
    change = (
        await AuditChange.select()
        .where(
            AuditChange.table_name == "reselling_associations", AuditChange.operation == "update"
        )
        .first()
    )
    assert json.loads(change["new_values"]) == {"effective_till": "2029-12-31T23:00:00+00:00"}
    assert change["object_company_id"] == w["rr"]["id"]


async def test_rules_on_entity_agreement_and_period(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    client_agreement = await make(api, w, code="CL")
    agreement = await _reseller_agreement(api, w)
    # a client company's entity is not a reseller's
    res = await api.post(
        tenant_url(w["c1_le"]),
        json={"agreement_id": client_agreement["id"], "effective_from": "2025-01-01T00:00:00"},
    )
    assert res.status_code == 409 and "client company" in res.json()["detail"]
    url = tenant_url(w["rr_le"])
    cases = [
        ({"agreement_id": client_agreement["id"]}, "agreement_id"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"effective_till": "2024-01-01T00:00:00"}, "effective_till"),
    ]
    for extra, field in cases:
        payload = {"agreement_id": agreement["id"], "effective_from": "2025-01-01T00:00:00"}
        res = await api.post(url, json={**payload, **extra})
        assert res.status_code == 422 and res.json()["errors"][0]["field"] == field, res.text
    # another legal entity of the same reseller may use the agreement; an own one of the
    # tenant may not (it is not an entity of a company the tenant created)
    second_le = await entity(w["rr"], "Second reseller entity")
    res = await api.post(
        tenant_url(second_le),
        json={"agreement_id": agreement["id"], "effective_from": "2025-01-01T00:00:00"},
    )
    assert res.status_code == 201
    res = await api.post(
        tenant_url(w["own_le"]),
        json={"agreement_id": agreement["id"], "effective_from": "2025-01-01T00:00:00"},
    )
    assert res.status_code == 404
    assert await ResellingAssociation.count() == 1


async def test_reseller_reads_its_own_and_nothing_else(bo_factory, bo_api):
    w = await world(bo_factory)
    tenant = await bo_api(w["user"])
    agreement = await _reseller_agreement(tenant, w, credit_limit="")
    other_agreement = await make(tenant, w, code="NOT-YOURS")
    res = await tenant.post(
        tenant_url(w["rr_le"]),
        json={"agreement_id": agreement["id"], "effective_from": "2025-01-01T00:00:00"},
    )
    item = res.json()
    await set_balance(agreement["id"], 12_340_000)
    reseller = await bo_api(w["sub_user"])
    listed = (await reseller.get(own_url(w["rr_le"]))).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    assert listed["items"][0]["balance"] == "12.340000"
    assert listed["items"][0]["credit_limit"] is None
    # read-only: no writes on the reseller side, and the tenant's objects stay invisible
    res = await reseller.post(own_url(w["rr_le"]), json={"agreement_id": agreement["id"]})
    assert res.status_code in (404, 405)
    assert (await reseller.delete(f"{own_url(w['rr_le'])}/{item['id']}")).status_code in (404, 405)
    assert (await reseller.get(tenant_url(w["rr_le"]))).status_code == 404
    assert (await reseller.get(f"{AG}/{agreement['id']}")).status_code == 404
    assert (await reseller.get(f"{AG}/{other_agreement['id']}")).status_code == 404
    assert (await reseller.get(AG)).json()["total"] == 0
    # the tenant's own entity is not the reseller's, nor is a sibling's
    assert (await reseller.get(own_url(w["own_le"]))).status_code == 404
    assert (await reseller.get(own_url(w["r2_le"]))).status_code == 404


async def test_foreign_ids_answer_404(bo_factory, bo_api):
    w = await world(bo_factory)
    tenant = await bo_api(w["user"])
    agreement = await _reseller_agreement(tenant, w)
    res = await tenant.post(
        tenant_url(w["rr_le"]),
        json={"agreement_id": agreement["id"], "effective_from": "2025-01-01T00:00:00"},
    )
    item_url = f"{tenant_url(w['rr_le'])}/{res.json()['id']}"
    for user in ("sibling_user", "client_user", "sub_user"):
        api = await bo_api(w[user])
        expected = 403 if user == "client_user" else 404  # issue 8: client users are refused
        assert (await api.get(tenant_url(w["rr_le"]))).status_code == expected
        res = await api.post(
            tenant_url(w["rr_le"]),
            json={"agreement_id": agreement["id"], "effective_from": "2026-01-01T00:00:00"},
        )
        assert res.status_code == expected
        assert (await api.get(item_url)).status_code == expected
        res = await api.patch(item_url, json={"effective_till": "2031-01-01T00:00:00"})
        assert res.status_code == expected
        assert (await api.delete(item_url)).status_code == expected
    for user in ("sibling_user", "client_user"):
        api = await bo_api(w[user])
        expected = 403 if user == "client_user" else 404
        assert (await api.get(own_url(w["rr_le"]))).status_code == expected
    assert await ResellingAssociation.count() == 1
    stored = await ResellingAssociation.select().first()
    assert stored["effective_till"] is None
    # the sibling cannot point its own association at the tenant's agreement either
    sibling = await bo_api(w["sibling_user"])
    their_reseller = await bo_factory.company(w["r2"], "reseller", name="Their reseller")
    their_le = await entity(their_reseller, "Their reseller entity")
    res = await sibling.post(
        tenant_url(their_le),
        json={"agreement_id": agreement["id"], "effective_from": "2026-01-01T00:00:00"},
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "agreement_id"


async def test_zone_is_stored_by_its_name_and_dates_out_of_range_answer_422(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await _reseller_agreement(api, w)
    url = tenant_url(w["rr_le"])
    payload = {"agreement_id": agreement["id"], "effective_from": "9999-12-31T23:00:00"}
    res = await api.post(url, json={**payload, "timezone": "America/New_York"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "effective_from"
    res = await api.post(
        url,
        json={**payload, "effective_from": "2025-01-01T01:00:00", "timezone": " Europe/Berlin "},
    )
    assert res.status_code == 201, res.text
    item = res.json()
    assert item["timezone"] == "Europe/Berlin"
    assert item["effective_from_local"] == "2025-01-01T01:00:00"
    assert (await ResellingAssociation.select().first())["timezone"] == "Europe/Berlin"
