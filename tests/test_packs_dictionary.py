"""The ``packs`` dictionary: a company's own pack services as values (key the service id,
label its name), archived ones kept and marked, other tenants' packs never seen, and the core
domains' pack attributes naming it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from core.catalogue.domains import service as domains
from core.catalogue.services.models import Service

BASE = "/api/v1/dictionaries/packs"


async def _service(company: dict, name: str, kind: str, currency=None, size=None, archived=False):
    row = Service(
        company=company["id"],
        name=name,
        type=kind,
        currency=currency,
        size=size,
        archived_at=datetime(2026, 11, 1, tzinfo=UTC) if archived else None,
    )
    await row.save()
    return row.id


async def _two_resellers(bo_factory):
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller", name="Mine")
    theirs = await bo_factory.company(owner, "reseller", name="Theirs")
    ids = {
        "units": await _service(mine, "USA SMS & WA pack", "unit_pack", size=1000),
        "money": await _service(mine, "Top-up 250", "monetary_pack", "EUR", 250_500_000),
        "bundle": await _service(mine, "Bundle 1000", "bundle_pack", "EUR", 1000),
        "old": await _service(mine, "Old pack", "unit_pack", size=50, archived=True),
        "payg": await _service(mine, "SMS retail EUR", "pay_as_you_go", "EUR"),
        "initiator": await _service(mine, "Bundle initiator", "bundle_initiator", "EUR"),
        "theirs": await _service(theirs, "Their pack", "unit_pack", size=10),
    }
    return owner, mine, theirs, ids


async def test_a_reseller_reads_its_own_packs_only_with_type_currency_size_archived(
    bo_factory, bo_api
):
    _, mine, theirs, ids = await _two_resellers(bo_factory)
    api = await bo_api(await bo_factory.user(mine, is_admin=False))
    res = await api.get(BASE, params={"sort": "label"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["dictionary"] == "packs" and body["total"] == 4
    assert [(v["key"], v["label"]) for v in body["items"]] == [
        (str(ids["bundle"]), "Bundle 1000"),
        (str(ids["old"]), "Old pack"),
        (str(ids["money"]), "Top-up 250"),
        (str(ids["units"]), "USA SMS & WA pack"),
    ]
    extras = {v["label"]: v["extra"] for v in body["items"]}
    assert extras["Top-up 250"] == {
        "type": "monetary_pack",
        "currency": "EUR",
        "size": "250.500000",
        "archived": False,
    }
    assert extras["USA SMS & WA pack"] == {
        "type": "unit_pack",
        "currency": None,
        "size": "1000",
        "archived": False,
    }
    assert extras["Old pack"]["archived"] is True
    assert extras["Bundle 1000"]["size"] == "1000"

    # the sibling reseller sees its own pack and nothing of mine, by list, search or key
    other = await bo_api(await bo_factory.user(theirs, is_admin=False))
    listed = (await other.get(BASE)).json()
    assert [v["label"] for v in listed["items"]] == ["Their pack"]
    assert (await other.get(BASE, params={"q": "USA"})).json()["items"] == []
    stolen = (await other.get(f"{BASE}/{ids['units']}")).json()
    assert stolen == {
        "key": str(ids["units"]),
        "label": str(ids["units"]),
        "extra": {},
        "missed": True,
    }
    mine_seen = (await api.get(f"{BASE}/{ids['theirs']}")).json()
    assert mine_seen["missed"] is True

    sizes = {i["key"]: i["size"] for i in (await api.get("/api/v1/dictionaries")).json()["items"]}
    assert sizes["packs"] == 4
    sizes = {i["key"]: i["size"] for i in (await other.get("/api/v1/dictionaries")).json()["items"]}
    assert sizes["packs"] == 1


async def test_the_platform_owner_sees_its_own_packs_not_its_resellers(bo_factory, bo_api):
    owner, _, _, _ = await _two_resellers(bo_factory)
    own = await _service(owner, "Owner pack", "unit_pack", size=5)
    api = await bo_api(await bo_factory.user(owner))
    body = (await api.get(BASE)).json()
    assert [(v["key"], v["label"]) for v in body["items"]] == [(str(own), "Owner pack")]


async def test_search_paging_lookup_and_csv(bo_factory, bo_api):
    _, mine, _, ids = await _two_resellers(bo_factory)
    api = await bo_api(await bo_factory.user(mine))
    found = (await api.get(BASE, params={"q": "usa sms"})).json()
    assert [v["key"] for v in found["items"]] == [str(ids["units"])]
    # type and currency are searched too
    by_type = (await api.get(BASE, params={"q": "monetary", "sort": "label"})).json()
    assert [v["label"] for v in by_type["items"]] == ["Top-up 250"]
    by_currency = (await api.get(BASE, params={"q": "eur", "sort": "label"})).json()
    assert [v["label"] for v in by_currency["items"]] == ["Bundle 1000", "Top-up 250"]
    # archived packs are found as well: marked, not hidden
    assert (await api.get(BASE, params={"q": "old"})).json()["items"][0]["extra"]["archived"]

    first = (await api.get(BASE, params={"sort": "label", "page_size": 3})).json()
    assert first["pages"] == 2 and len(first["items"]) == 3 and first["next"] == "p2"
    second = (
        await api.get(BASE, params={"sort": "label", "page_size": 3, "cursor": first["next"]})
    ).json()
    assert [v["label"] for v in second["items"]] == ["USA SMS & WA pack"]
    desc = (await api.get(BASE, params={"sort": "label", "order": "desc"})).json()
    assert desc["items"][0]["label"] == "USA SMS & WA pack"

    one = (await api.get(f"{BASE}/{ids['old']}")).json()
    assert one["label"] == "Old pack" and one["missed"] is False and one["extra"]["archived"]
    # a pay-as-you-go service is no pack; a deleted pack and nonsense are missed options
    for key in (str(ids["payg"]), str(ids["initiator"]), "999999999", "not-an-id"):
        res = await api.get(f"{BASE}/{key}")
        assert res.status_code == 200, res.text
        assert res.json()["missed"] is True and res.json()["label"] == key
    await Service.delete().where(Service.id == ids["money"])
    assert (await api.get(f"{BASE}/{ids['money']}")).json()["missed"] is True

    res = await api.get(BASE, params={"format": "csv", "sort": "label"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(res.text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["key", "label"]
    assert [r[1] for r in rows[1:]] == ["Bundle 1000", "Old pack", "USA SMS & WA pack"]

    for params in ({"sort": "size"}, {"cursor": "nope"}):
        assert (await api.get(BASE, params=params)).status_code == 422, params
    for params in ({"page": 0}, {"page_size": 501}, {"q": "x" * 101}, {"page": "x"}):
        assert (await api.get(BASE, params=params)).status_code == 400, params
    assert (await api.get(f"{BASE}/{'9' * 201}")).status_code == 400
    res = await api.get(f"{BASE}/%00")
    assert res.status_code == 400 and "NUL" in res.json()["errors"][0]["message"]
    for hostile in ("-1", "99999999999999999999999"):
        assert (await api.get(f"{BASE}/{hostile}")).json()["missed"] is True


async def test_a_client_company_is_refused_and_would_hold_no_packs(bo_factory, bo_api):
    from core.catalogue.dictionaries.data.packs import Packs
    from tenants.scope import Scope

    _, mine, _, _ = await _two_resellers(bo_factory)
    client = await bo_factory.company(mine, "client")
    api = await bo_api(await bo_factory.user(client))
    for path in (BASE, f"{BASE}/1"):
        res = await api.get(path)
        assert res.status_code == 403 and "client-portal users" in res.json()["detail"]
    # and were it asked directly, a client company owns no services
    assert await Packs.entries_for(Scope.of(client)) == []


def test_the_core_pack_attributes_name_the_packs_dictionary():
    registered = domains.registered()
    purchase = registered["service_purchase"].declaration
    for resource in purchase.resources:
        assert [(a.name, a.dictionary) for a in resource.attributes] == [("pack", "packs")]
    (member,) = registered["bundle_grouping"].declaration.resources
    assert [(a.name, a.dictionary) for a in member.attributes] == [("bundle_pack", "packs")]


async def test_the_domains_api_points_the_pack_attributes_at_the_packs_values(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    items = {d["key"]: d for d in (await api.get("/api/v1/catalogue/domains")).json()["items"]}
    (member,) = items["bundle_grouping"]["resources"]
    (attribute,) = member["attributes"]
    assert attribute["dictionary"] == "packs" and attribute["values"] == BASE
