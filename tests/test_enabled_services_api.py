"""Enabled services, packs, bundle initiators and bundle packs over the API (guide §6.4): each
kind's life with its audit, the type, owner, archive and currency rules, the pay-as-you-go
overlap rule with its message, the started rules, the list's filters, paging and CSV, the
seller-only scope and the roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from agreement_helpers import agreement_between

from core.audit.models import AuditChange, AuditEvent
from core.catalogue.enabled import overlap, pricing
from core.catalogue.enabled.models import EnabledService
from core.catalogue.trees import nodes, store

FUTURE = "2030-03-01T00:00:00"
PATHS = {
    "service": "/api/v1/enabled-services",
    "pack": "/api/v1/enabled-packs",
    "bundle_initiator": "/api/v1/enabled-bundle-initiators",
    "bundle_pack": "/api/v1/enabled-bundle-packs",
}
SERVICES = {
    "payg": {"name": "SMS retail", "type": "pay_as_you_go", "currency": "EUR"},
    "payg2": {"name": "SMS promo", "type": "pay_as_you_go", "currency": "EUR"},
    "usd": {"name": "SMS dollars", "type": "pay_as_you_go", "currency": "USD"},
    "unit": {"name": "1000 SMS", "type": "unit_pack", "size": "1000"},
    "money": {"name": "EUR 500", "type": "monetary_pack", "currency": "EUR", "size": "500"},
    "initiator": {"name": "Bundle start", "type": "bundle_initiator", "currency": "EUR"},
    "bundle": {"name": "Bundle 1000", "type": "bundle_pack", "currency": "EUR", "size": "1000"},
}


class World:
    """A reseller selling to a client under an EUR agreement, with one service of each type."""

    async def build(self, bo_factory, bo_api):
        self.owner = await bo_factory.owner()
        self.reseller = await bo_factory.company(self.owner, "reseller", name="Reseller")
        self.client = await bo_factory.company(self.reseller, "client", name="Client Ltd")
        self.agreement = await agreement_between(self.client, self.reseller)
        self.api = await bo_api(await bo_factory.user(self.reseller))
        self.services = {}
        for key, body in SERVICES.items():
            res = await self.api.post("/api/v1/services", json=body)
            assert res.status_code == 201, res.text
            self.services[key] = res.json()["id"]
        return self

    def body(self, service: str, **fields) -> dict:
        return {
            "agreement_id": self.agreement,
            "service_id": self.services[service],
            "effective_from": FUTURE,
            "timezone": "Europe/Berlin",
            **fields,
        }

    async def enable(self, kind: str, service: str, **fields) -> dict:
        res = await self.api.post(PATHS[kind], json=self.body(service, **fields))
        assert res.status_code == 201, res.text
        return res.json()


@pytest.fixture
async def world(bo_factory, bo_api):
    return await World().build(bo_factory, bo_api)


CASES = [
    ("service", "payg", {}, {"hidden_from_client": True}),
    ("pack", "unit", {"billing": "free"}, {"billing": "charge"}),
    ("pack", "money", {"billing": "charge"}, {"effective_till": "2031-01-01T00:00:00"}),
    ("bundle_initiator", "initiator", {}, {"timezone": "UTC"}),
    ("bundle_pack", "bundle", {"auto_extend": True}, {"auto_extend": False}),
]


@pytest.mark.parametrize(("kind", "service", "extra", "change"), CASES)
async def test_each_kind_is_created_read_changed_and_deleted_with_audit(
    world, kind, service, extra, change
):
    created = await world.enable(kind, service, **extra)
    assert created["kind"] == kind and created["agreement_code"] == "A-1"
    assert created["company_name"] == "Client Ltd" and created["currency"] == "EUR"
    assert created["service_id"] == world.services[service]
    assert created["service_name"] == SERVICES[service]["name"]
    # 1 March 2030 00:00 in Berlin is 23:00 UTC the day before, shown back as typed
    assert created["effective_from"].startswith("2030-02-28T23:00:00")
    assert created["effective_from_local"] == FUTURE and created["timezone"] == "Europe/Berlin"
    assert created["effective_till"] is None and created["status"] == "upcoming"
    assert created["hidden_from_client"] is False
    assert created["billing"] == extra.get("billing")
    assert created["auto_extend"] == (True if kind == "bundle_pack" else None)
    assert created["used"] == (0 if kind == "bundle_pack" else None)
    path = f"{PATHS[kind]}/{created['id']}"
    assert (await world.api.get(path)).json() == created

    res = await world.api.patch(path, json=change)
    assert res.status_code == 200, res.text
    changed = res.json()
    for key, value in change.items():
        if key == "effective_till":
            assert changed["effective_till_local"] == value
        else:
            assert changed[key] == value
    if "timezone" in change:  # the instant stays; only how it is shown changes
        assert changed["effective_from"] == created["effective_from"]
        assert changed["effective_from_local"] == "2030-02-28T23:00:00"

    assert (await world.api.delete(path)).status_code == 204
    assert (await world.api.get(path)).status_code == 404
    assert await EnabledService.count() == 0

    label = {
        "service": "Enabled service",
        "pack": "Enabled pack",
        "bundle_initiator": "Enabled bundle initiator",
        "bundle_pack": "Enabled bundle pack",
    }[kind]
    events = (
        await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.action.like("Enabled %"))
        .order_by(AuditEvent.id)
    )
    assert [e["action"] for e in events] == [
        f"{label} {w}" for w in ("created", "updated", "deleted")
    ]
    changes = (
        await AuditChange.select()
        .where(AuditChange.table_name == "enabled_services")
        .order_by(AuditChange.id)
    )
    inserted = json.loads(changes[0]["new_values"])
    assert inserted["agreement"] == world.agreement and inserted["kind"] == kind
    assert set(json.loads(changes[1]["new_values"])) <= {*change, "effective_from"}
    assert all(c["object_company_id"] == world.reseller["id"] for c in changes)


@pytest.mark.parametrize(
    ("kind", "service", "extra", "field", "words"),
    [
        ("service", "unit", {}, "service_id", "Unit pack service; an enabled service takes"),
        ("pack", "payg", {"billing": "free"}, "service_id", "Monetary pack or Unit pack"),
        ("bundle_initiator", "bundle", {}, "service_id", "Bundle initiator"),
        ("bundle_pack", "initiator", {}, "service_id", "Bundle pack"),
        ("service", "usd", {}, "service_id", "priced in USD, the agreement A-1 in EUR"),
        ("pack", "unit", {}, "billing", "must be one of: free, charge"),
        ("pack", "unit", {"billing": "gratis"}, "billing", "must be one of"),
        ("service", "payg", {"billing": "free"}, "billing", "only enabled packs"),
        ("pack", "unit", {"billing": "free", "auto_extend": True}, "auto_extend", "only"),
        ("service", "payg", {"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ("service", "payg", {"effective_till": "2030-02-01T00:00:00"}, "effective_till", "later"),
        ("service", "payg", {"effective_till": FUTURE}, "effective_till", "later"),
        (
            "service",
            "payg",
            {"effective_from": "2030-03-31T02:30:00"},
            "effective_from",
            "does not exist in Europe/Berlin",
        ),
    ],
)
async def test_a_broken_rule_is_a_422_naming_the_field(world, kind, service, extra, field, words):
    res = await world.api.post(PATHS[kind], json=world.body(service, **extra))
    assert res.status_code == 422, res.text
    errors = res.json()["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    assert await EnabledService.count() == 0


async def test_a_unit_pack_has_no_currency_and_fits_a_usd_agreement(world):
    usd = await agreement_between(world.client, world.reseller, "A-USD", "USD")
    made = await world.enable("pack", "unit", billing="free", agreement_id=usd)
    assert made["currency"] == "USD" and made["cost_note"] == pricing.FREE
    res = await world.api.post(
        PATHS["pack"], json=world.body("money", billing="free", agreement_id=usd)
    )
    assert res.status_code == 422 and "priced in EUR" in res.json()["errors"][0]["message"]


async def test_archived_other_companys_and_missing_ids_are_refused(world, bo_factory, bo_api):
    await world.api.post(f"/api/v1/services/{world.services['payg']}/archive")
    res = await world.api.post(PATHS["service"], json=world.body("payg"))
    assert res.status_code == 422 and "archived" in res.json()["errors"][0]["message"]
    sibling = await bo_factory.company(world.owner, "reseller")
    theirs = await bo_api(await bo_factory.user(sibling))
    their_service = (await theirs.post("/api/v1/services", json=SERVICES["payg2"])).json()["id"]
    their_client = await bo_factory.company(sibling, "client")
    their_agreement = await agreement_between(their_client, sibling, "THEIRS")
    body = world.body("payg2", service_id=their_service, agreement_id=their_agreement)
    res = await world.api.post(PATHS["service"], json=body)
    assert res.status_code == 422, res.text
    fields = {e["field"]: e["message"] for e in res.json()["errors"]}
    assert fields["agreement_id"].startswith("no such agreement")
    assert fields["service_id"].startswith("no such service")
    for bad in ({"agreement_id": 2**63 + 5}, {"service_id": -1}, {"agreement_id": "x"}):
        res = await world.api.post(PATHS["service"], json={**world.body("payg2"), **bad})
        assert res.status_code in (400, 422), res.text
        assert res.json()["errors"], res.text
    res = await world.api.post(
        PATHS["service"], json=world.body("payg2", timezone="Europe/Ber\x00lin")
    )
    assert res.status_code in (400, 422)
    assert await EnabledService.count() == 0


async def test_overlapping_pay_as_you_go_services_for_one_domain_are_refused(world, monkeypatch):
    """Worked example: "SMS retail" prices sms and viber, "SMS promo" prices sms. Retail runs
    from 1 March 2030 (Berlin) to 1 June 2030; promo asked from 1 May 2030 (UTC) on overlaps it
    for sms in May; from 1 June on it fits, and a service pricing only email fits any time."""
    priced = {
        world.services["payg"]: {"sms", "viber"},
        world.services["payg2"]: {"sms"},
    }

    async def domains_of(ids):
        return {i: priced[i] for i in ids if i in priced}

    monkeypatch.setattr(overlap, "domains_of", domains_of)
    retail = await world.enable("service", "payg", effective_till="2030-06-01T00:00:00")
    body = world.body("payg2", effective_from="2030-05-01T00:00:00", timezone="UTC")
    res = await world.api.post(PATHS["service"], json=body)
    assert res.status_code == 409, res.text
    detail = res.json()["detail"]
    assert detail == (
        f"enabled service {retail['id']} (“SMS retail”) is in force for the domain sms from "
        "2030-05-01 00:00 UTC to 2030-05-31 22:00 UTC; two pay-as-you-go services may not be "
        "in force for the same domain at the same time on one agreement"
    )
    assert res.json()["errors"][0]["field"] == "service_id"
    # from the end of retail on (half-open periods: it ends where promo starts)
    res = await world.api.post(
        PATHS["service"], json={**body, "effective_from": "2030-05-31T22:00:00"}
    )
    assert res.status_code == 201, res.text
    promo = res.json()
    # moving promo back into retail's period is the same conflict
    res = await world.api.patch(
        f"{PATHS['service']}/{promo['id']}", json={"effective_from": "2030-05-30T00:00:00"}
    )
    assert res.status_code == 409 and f"enabled service {retail['id']}" in res.json()["detail"]
    # a service that prices another domain is no conflict
    assert (await world.api.delete(f"{PATHS['service']}/{promo['id']}")).status_code == 204
    priced[world.services["payg2"]] = {"email"}
    res = await world.api.post(PATHS["service"], json=body)
    assert res.status_code == 201, res.text
    # packs are not pay-as-you-go: never refused for overlapping
    await world.enable("pack", "unit", billing="free")
    await world.enable("pack", "unit", billing="free")


async def test_services_without_a_priced_scope_overlap_freely(world):
    """A service with no non-draft scope prices no domain yet, so two may overlap."""
    await world.enable("service", "payg")
    await world.enable("service", "payg2")
    assert await overlap.domains_of([world.services["payg"]]) == {world.services["payg"]: set()}


async def test_started_rows_keep_their_start_end_no_earlier_than_now_and_stay(world):
    now = datetime.now(UTC)
    started = await world.enable(
        "service",
        "payg",
        effective_from=(now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S"),
        timezone="UTC",
    )
    assert started["status"] == "current"
    path = f"{PATHS['service']}/{started['id']}"
    res = await world.api.patch(path, json={"effective_from": "2020-01-01T00:00:00"})
    assert res.status_code == 409 and "its start cannot be moved" in res.json()["detail"]
    res = await world.api.patch(path, json={"effective_till": "2020-01-01T00:00:00"})
    assert res.status_code == 422  # before the start: the period rule speaks first
    yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    res = await world.api.patch(path, json={"effective_till": yesterday})
    assert res.status_code == 409 and res.json()["errors"][0]["field"] == "effective_till"
    tomorrow = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    res = await world.api.patch(path, json={"effective_till": tomorrow, "hidden_from_client": True})
    assert res.status_code == 200 and res.json()["effective_till_local"] == tomorrow
    res = await world.api.delete(path)
    assert res.status_code == 409 and "cannot be deleted" in res.json()["detail"]
    assert await EnabledService.count() == 1


async def test_the_list_filters_sorts_pages_and_exports(world):
    other = await agreement_between(world.client, world.reseller, "A-2")
    now = datetime.now(UTC)
    past = (now - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S")
    a = await world.enable("service", "payg", effective_from=past, timezone="UTC")
    b = await world.enable("service", "payg2", hidden_from_client=True)
    c = await world.enable("service", "payg", agreement_id=other)
    await world.enable("pack", "unit", billing="free")  # another kind: never in this list

    async def ids(query: str) -> list[int]:
        res = await world.api.get(f"{PATHS['service']}?{query}")
        assert res.status_code == 200, res.text
        return [i["id"] for i in res.json()["items"]]

    assert await ids("") == [c["id"], b["id"], a["id"]]
    assert await ids(f"agreement_id={other}") == [c["id"]]
    assert await ids(f"service_id={world.services['payg2']}") == [b["id"]]
    assert await ids("active=true") == [a["id"]]
    assert await ids("active=false") == [c["id"], b["id"]]
    assert await ids("hidden=true") == [b["id"]]
    assert await ids("in_force_at=2030-03-02T00:00:00Z&sort=id&order=asc") == [
        a["id"],
        b["id"],
        c["id"],
    ]
    assert (await ids("sort=effective_from&order=asc"))[0] == a["id"]
    for order in ("asc", "desc"):  # NULL (indefinitely) tills page like any value
        first = (
            await world.api.get(f"{PATHS['service']}?page_size=2&sort=effective_till&order={order}")
        ).json()
        more = await ids(f"page_size=2&sort=effective_till&order={order}&cursor={first['next']}")
        assert sorted([i["id"] for i in first["items"]] + more) == [a["id"], b["id"], c["id"]]
    page = (await world.api.get(f"{PATHS['service']}?page_size=2&sort=id&order=asc")).json()
    assert page["total"] == 3 and page["next"]
    rest = await ids(f"page_size=2&sort=id&order=asc&cursor={page['next']}")
    assert [i["id"] for i in page["items"]] + rest == [a["id"], b["id"], c["id"]]
    for query, field in [("sort=service", "sort"), ("agreement_id=x", "agreement_id")]:
        res = await world.api.get(f"{PATHS['service']}?{query}")
        assert res.status_code in (400, 422), res.text
        assert field in res.text
    res = await world.api.get(f"{PATHS['service']}?format=csv&sort=id&order=asc")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    lines = res.text.lstrip("\ufeff").strip().splitlines()
    header = lines[0].split(",")
    assert {"id", "agreement_code", "service_name", "effective_from"} <= set(header)
    assert [int(line.split(",")[header.index("id")]) for line in lines[1:]] == [
        a["id"],
        b["id"],
        c["id"],
    ]


async def test_a_sibling_and_the_tenant_above_get_404(world, bo_factory, bo_api):
    made = {kind: await world.enable(kind, s, **x) for kind, s, x, _ in CASES[1:]}
    made["service"] = await world.enable("service", "payg")
    sibling = await bo_factory.company(world.owner, "reseller")
    for company in (sibling, world.owner):
        api = await bo_api(await bo_factory.user(company))
        for kind, row in made.items():
            path = f"{PATHS[kind]}/{row['id']}"
            assert (await api.get(path)).status_code == 404
            assert (await api.patch(path, json={"hidden_from_client": True})).status_code == 404
            assert (await api.delete(path)).status_code == 404
            assert (await api.get(PATHS[kind])).json()["items"] == []
        res = await api.post(PATHS["service"], json=world.body("payg2"))
        assert res.status_code == 422
    assert await EnabledService.count() == len(CASES)
    assert await EnabledService.count().where(EnabledService.hidden_from_client.eq(True)) == 0


async def test_client_users_and_view_roles_cannot_write(world, bo_factory, bo_api):
    from core.access.testing import role_id, user_with_role

    made = await world.enable("service", "payg")
    path = f"{PATHS['service']}/{made['id']}"
    client = await bo_api(await bo_factory.user(world.client))
    assert (await client.get(PATHS["service"])).status_code == 403
    assert (await client.get(path)).status_code == 403
    assert (await client.post(PATHS["service"], json=world.body("payg2"))).status_code == 403
    role = await role_id("backoffice", "Finance manager")  # account management: view
    finance = await bo_api(await user_with_role(bo_factory, world.reseller, "backoffice", role))
    assert (await finance.get(path)).status_code == 200
    assert (await finance.get(PATHS["service"])).json()["total"] == 1
    assert (await finance.post(PATHS["service"], json=world.body("payg2"))).status_code == 403
    assert (await finance.patch(path, json={"hidden_from_client": True})).status_code == 403
    assert (await finance.delete(path)).status_code == 403
    assert await EnabledService.count() == 1


async def _priced(world, service: str, tree) -> None:
    """A non-draft scope in force since 2020 holding ``tree`` on one of the world's services."""
    sid = world.services[service]
    body = {"effective_from": "2020-01-01T00:00:00", "timezone": "UTC", "draft": False}
    res = await world.api.post(f"/api/v1/services/{sid}/scopes", json=body)
    assert res.status_code == 201, res.text
    await store.write_tree(res.json()["id"], tree)


def _flat(domain: str, resource: str, price: str) -> nodes.DomainTree:
    return nodes.DomainTree(
        domain, [nodes.ResourceTree(resource, nodes.Rate(nodes.FLAT, price=Decimal(price)))]
    )


def _purchase(pack_id: int, price: str) -> nodes.DomainTree:
    by_pack = nodes.Rate(
        nodes.DEPENDS_ON,
        depends_on="pack",
        children=[nodes.Child(str(pack_id), nodes.Rate(nodes.FLAT, price=Decimal(price)))],
    )
    return nodes.DomainTree("service_purchase", [nodes.ResourceTree("monetary_pack", by_pack)])


async def test_a_charged_pack_costs_its_service_purchase_price_or_says_rate_not_found(world):
    """The agreement's pay-as-you-go service in force now prices the monetary pack at 40 EUR
    in its "Service purchase" domain and the unit pack nowhere."""
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    tree = nodes.Tree(
        [_flat("sms", "sms_message", "0.05"), _purchase(world.services["money"], "40")]
    )
    await _priced(world, "payg", tree)
    money = await world.enable("pack", "money", billing="charge")
    assert money["cost"] is None and money["cost_note"] == pricing.RATE_NOT_FOUND  # no payg yet
    await world.enable("service", "payg", effective_from=past, timezone="UTC")
    unit = await world.enable("pack", "unit", billing="charge")
    free = await world.enable("pack", "unit", billing="free")
    items = {i["id"]: i for i in (await world.api.get(PATHS["pack"])).json()["items"]}
    assert (items[money["id"]]["cost"], items[money["id"]]["cost_note"]) == ("40.000000", None)
    assert items[unit["id"]]["cost"] is None and items[unit["id"]]["cost_note"] == "rate not found"
    assert items[free["id"]]["cost"] is None and items[free["id"]]["cost_note"] == "free of charge"
    one = (await world.api.get(f"{PATHS['pack']}/{money['id']}")).json()
    assert one["cost"] == "40.000000"


async def test_the_domains_come_from_the_services_rate_trees(world):
    """No stand-in: two pay-as-you-go services whose stored trees both price sms conflict; one
    pricing viber only does not."""
    await _priced(world, "payg", nodes.Tree([_flat("sms", "sms_message", "0.05")]))
    await _priced(world, "payg2", nodes.Tree([_flat("sms", "sms_message", "0.04")]))
    first = await world.enable("service", "payg")
    res = await world.api.post(PATHS["service"], json=world.body("payg2"))
    assert res.status_code == 409, res.text
    assert res.json()["detail"].startswith(
        f"enabled service {first['id']} (“SMS retail”) is in force for the domain sms from "
        "2030-02-28 23:00 UTC to indefinitely"
    )
    viber_only = {**SERVICES["payg2"], "name": "Viber"}
    viber = (await world.api.post("/api/v1/services", json=viber_only)).json()["id"]
    world.services["viber"] = viber
    await _priced(world, "viber", nodes.Tree([_flat("viber", "viber_message", "0.02")]))
    assert (await world.enable("service", "viber"))["service_name"] == "Viber"


async def test_a_used_service_cannot_be_deleted_and_an_agreement_with_rows_neither(world):
    await world.enable("service", "payg")
    res = await world.api.delete(f"/api/v1/services/{world.services['payg']}")
    assert res.status_code == 409, res.text
    assert res.json()["detail"] == (
        "service “SMS retail” is enabled on 1 agreement; archive it instead"
    )
    assert (
        await world.api.delete(f"/api/v1/services/{world.services['payg2']}")
    ).status_code == 204
    res = await world.api.delete(f"/api/v1/agreements/{world.agreement}")
    assert res.status_code == 409 and "1 enabled service" in res.json()["detail"], res.text


async def test_hostile_input_answers_a_clear_4xx(world):
    path = PATHS["service"]
    for query in (
        f"page={2**63 // 25 + 10}",
        "agreement_id=99999999999999999999",
        "service_id=-99999999999999999999",
        "in_force_at=yesterday",
        "active=perhaps",
        "page_size=100000",
        "cursor=" + "x" * 3000,
    ):
        res = await world.api.get(f"{path}?{query}")
        assert 400 <= res.status_code < 500, (query, res.text)
        assert res.json()["detail"], query
    assert (await world.api.get(f"{path}/99999999999999999999")).status_code in (400, 404)
    assert (await world.api.get(f"{path}/0")).status_code == 404
    for bad in (
        {"effective_from": "0001-01-01T00:00:00", "timezone": "Etc/GMT-14"},
        {"effective_from": "9999-12-31T23:59:59", "timezone": "Etc/GMT+12"},
        {"effective_from": "not a date"},
        {"timezone": "x" * 65},
        {"hidden_from_client": "yes"},
        {"billing": "free" * 10},
        {"effective_till": "9999-12-31T23:59:59", "timezone": "Etc/GMT+12"},
    ):
        res = await world.api.post(path, json={**world.body("payg"), **bad})
        assert res.status_code in (400, 422), (bad, res.text)
        assert res.json()["errors"], bad
    made = await world.enable("service", "payg")
    res = await world.api.patch(f"{path}/{made['id']}", json={"auto_extend": True})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "auto_extend"
    res = await world.api.patch(f"{path}/{made['id']}", json={"agreement_id": 1})
    assert res.status_code == 400  # fixed once enabled: not a field of a change


@pytest.mark.parametrize("kind", list(PATHS))
async def test_each_kinds_csv_holds_exactly_its_json_list(world, kind):
    from test_csv_matches_json import expected, parse

    from core.catalogue.enabled.schemas import EnabledOut

    service, extra = {
        "service": ("payg", {}),
        "pack": ("money", {"billing": "charge"}),
        "bundle_initiator": ("initiator", {}),
        "bundle_pack": ("bundle", {"auto_extend": True}),
    }[kind]
    await world.enable(kind, service, **extra)
    till = {"effective_till": "2031-01-01T00:00:00", "hidden_from_client": True}
    await world.enable(kind, service, **extra, **till)
    items = (await world.api.get(f"{PATHS[kind]}?sort=id&order=asc")).json()["items"]
    res = await world.api.get(f"{PATHS[kind]}?format=csv&sort=id&order=asc")
    assert parse(res) == expected(EnabledOut, items)
