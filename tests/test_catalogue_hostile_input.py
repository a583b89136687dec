"""Hostile input against the catalogue's endpoints (scopes, trees, nodes, evaluate, enabled
services): wrong types, huge and negative numbers, NUL bytes, invalid UTF-8, deep nesting, a
body past the limit, other tenants' ids, a view-only role and a client user. None of it may
cost a 500: each answers a 4xx that says what is wrong, and nothing is written."""

from __future__ import annotations

import pytest
from agreement_helpers import agreement_between

from core.catalogue.enabled.models import EnabledService
from core.catalogue.scopes.models import ServiceScope
from core.catalogue.trees.models import RateNode

FROM = "2030-01-01T00:00:00"
HOSTILE = [
    "x",
    "",
    "a\x00b",
    "\u202e\u0000",
    " " * 3,
    "z" * 10_000,
    -1,
    0,
    2**31,
    2**63,
    -(2**63) - 1,
    10**40,
    1.5,
    1e308,
    -1e308,
    True,
    False,
    None,
    [],
    [1, "a"],
    {},
    {"a": {"b": []}},
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00",
    "2030-13-45T99:99:99",
    "2030-03-29T02:30:00",
]
BAD_IDS = ["0", "-1", "2147483648", str(2**63), "99999999999999999999999", "abc", "1.5", "%00"]


class World:
    async def build(self, bo_factory, bo_api):
        owner = await bo_factory.owner()
        self.reseller = await bo_factory.company(owner, "reseller", name="Reseller")
        self.client = await bo_factory.company(self.reseller, "client", name="Client Ltd")
        self.agreement = await agreement_between(self.client, self.reseller)
        self.api = await bo_api(await bo_factory.user(self.reseller))
        body = {"name": "Retail", "type": "pay_as_you_go", "currency": "EUR"}
        self.service = (await self.api.post("/api/v1/services", json=body)).json()["id"]
        res = await self.api.post(
            f"/api/v1/services/{self.service}/scopes",
            json={"effective_from": FROM, "timezone": "UTC"},
        )
        self.scope = res.json()["id"]
        doc = {
            "format": 1,
            "domains": [
                {
                    "domain": "sms",
                    "resources": [
                        {
                            "resource": "sms_message",
                            "rate": {
                                "depends_on": "country",
                                "children": [
                                    {"value": "ES", "rate": {"type": "flat", "price": "0.05"}}
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        assert (
            await self.api.put(f"/api/v1/scopes/{self.scope}/tree", json=doc)
        ).status_code == 200
        self.node = (await RateNode.select(RateNode.id).where(RateNode.key == "ES").first())["id"]
        res = await self.api.post(
            "/api/v1/enabled-services",
            json={
                "agreement_id": self.agreement,
                "service_id": self.service,
                "effective_from": FROM,
                "timezone": "UTC",
            },
        )
        assert res.status_code == 201, res.text
        self.enabled = res.json()["id"]
        return self

    def writes(self) -> list[tuple[str, str, dict]]:
        """Each write with a valid body, to be spoiled one field at a time."""
        enabled = {
            "agreement_id": self.agreement,
            "service_id": self.service,
            "effective_from": FROM,
            "effective_till": None,
            "timezone": "UTC",
            "hidden_from_client": False,
        }
        return [
            (
                "post",
                f"/api/v1/services/{self.service}/scopes",
                {
                    "effective_from": FROM,
                    "effective_till": None,
                    "timezone": "UTC",
                    "draft": True,
                    "copy_from_scope_id": self.scope,
                },
            ),
            ("patch", f"/api/v1/scopes/{self.scope}", {"effective_till": "2031-01-01T00:00:00"}),
            ("patch", f"/api/v1/scopes/{self.scope}", {"draft": False, "timezone": "UTC"}),
            (
                "post",
                f"/api/v1/scopes/{self.scope}/nodes",
                {
                    "parent_id": self.node,
                    "key": "FR",
                    "rate": {"type": "flat", "price": "0.1"},
                    "billing_rule": None,
                    "quantity_rule": None,
                },
            ),
            (
                "patch",
                f"/api/v1/nodes/{self.node}",
                {"key": "PT", "rate": {"type": "flat", "price": "0.2"}},
            ),
            (
                "post",
                f"/api/v1/services/{self.service}/evaluate",
                {
                    "at": "2030-06-01T00:00:00Z",
                    "domain": "sms",
                    "resource": "sms_message",
                    "attributes": {"country": "ES"},
                },
            ),
            ("post", "/api/v1/enabled-services", enabled),
            ("patch", f"/api/v1/enabled-services/{self.enabled}", {"hidden_from_client": True}),
            ("post", "/api/v1/enabled-packs", {**enabled, "billing": "free"}),
            ("post", "/api/v1/enabled-bundle-packs", {**enabled, "auto_extend": True}),
        ]

    def reads(self) -> list[str]:
        return [
            f"/api/v1/services/{self.service}/scopes",
            f"/api/v1/scopes/{self.scope}",
            f"/api/v1/scopes/{self.scope}/tree",
            f"/api/v1/scopes/{self.scope}/nodes",
            f"/api/v1/nodes/{self.node}",
            "/api/v1/enabled-services",
            f"/api/v1/enabled-services/{self.enabled}",
            "/api/v1/enabled-packs",
        ]


@pytest.fixture
async def world(bo_factory, bo_api):
    return await World().build(bo_factory, bo_api)


def _spoiled(body: dict):
    for key in body:
        for value in HOSTILE:
            yield key, {**body, key: value}
    yield "(unknown)", {**body, "surprise": 1}


async def test_every_field_of_every_write_spoiled_is_a_4xx(world):
    failures = []
    for method, path, body in world.writes():
        for key, spoiled in _spoiled(body):
            res = await getattr(world.api, method)(path, json=spoiled)
            value = spoiled.get(key)
            nul = isinstance(value, str) and "\x00" in value
            if res.status_code >= 500 or (nul and res.status_code < 400):
                failures.append((method, path, key, repr(value)[:60], res.status_code))
    assert failures == []


RATE = {
    "type": "scale",
    "scale": "tier",
    "tiers": [{"up_to": 10, "price": "0.1"}, {"price": "0.05"}],
    "counter_group": ["country"],
    "price": "0.1",
    "depends_on": "country",
    "billing_rule": "submitted",
    "quantity_rule": "messages",
}


async def test_nested_rates_attributes_and_tiers_spoiled_are_a_4xx(world):
    failures = []
    node_paths = [
        ("post", f"/api/v1/scopes/{world.scope}/nodes"),
        ("patch", f"/api/v1/nodes/{world.node}"),
    ]
    for key, rate in _spoiled(RATE):
        for method, path in node_paths:
            body = {"rate": rate} | (
                {"parent_id": world.node, "key": "IT"} if method == "post" else {}
            )
            res = await getattr(world.api, method)(path, json=body)
            if res.status_code >= 500:
                failures.append((method, path, key, repr(rate.get(key))[:60], res.status_code))
    for value in HOSTILE:
        tiers = [{"up_to": value, "price": value}, {"price": value}]
        res = await world.api.patch(
            f"/api/v1/nodes/{world.node}", json={"rate": {**RATE, "tiers": tiers}}
        )
        if res.status_code >= 500:
            failures.append(("tiers", repr(value)[:60], res.status_code))
        event = {
            "at": "2030-06-01T00:00:00Z",
            "domain": "sms",
            "resource": "sms_message",
            "attributes": {"country": value, str(value)[:50]: value},
        }
        res = await world.api.post(f"/api/v1/services/{world.service}/evaluate", json=event)
        if res.status_code >= 500:
            failures.append(("attributes", repr(value)[:60], res.status_code))
    assert failures == []


async def test_bad_ids_in_paths_and_queries_are_a_4xx(world):
    failures = []
    templates = [
        ("get", "/api/v1/services/{}/scopes"),
        ("post", "/api/v1/services/{}/scopes"),
        ("get", "/api/v1/scopes/{}"),
        ("patch", "/api/v1/scopes/{}"),
        ("delete", "/api/v1/scopes/{}"),
        ("get", "/api/v1/scopes/{}/tree"),
        ("put", "/api/v1/scopes/{}/tree"),
        ("get", "/api/v1/scopes/{}/nodes"),
        ("post", "/api/v1/scopes/{}/nodes"),
        ("get", "/api/v1/nodes/{}"),
        ("patch", "/api/v1/nodes/{}"),
        ("delete", "/api/v1/nodes/{}"),
        ("post", "/api/v1/services/{}/evaluate"),
        ("get", "/api/v1/enabled-services/{}"),
        ("patch", "/api/v1/enabled-services/{}"),
        ("delete", "/api/v1/enabled-packs/{}"),
    ]
    for method, template in templates:
        for bad in BAD_IDS:
            kwargs = {} if method in ("get", "delete") else {"json": {}}
            res = await getattr(world.api, method)(template.format(bad), **kwargs)
            if res.status_code >= 500 or res.status_code < 400:
                failures.append((method, template, bad, res.status_code))
    queries = [
        f"/api/v1/services/{world.service}/scopes",
        f"/api/v1/scopes/{world.scope}/nodes",
        "/api/v1/enabled-services",
        "/api/v1/enabled-bundle-packs",
    ]
    params = [
        "parent_id",
        "agreement_id",
        "service_id",
        "limit",
        "cursor",
        "sort",
        "order",
        "draft",
        "active",
        "hidden",
        "in_force_at",
        "format",
        "q",
        "offset",
        "parent",
        "after",
        "page_size",
        "page",
    ]
    for path in queries:
        for name in params:
            for bad in [*BAD_IDS, "\x00", "é" * 300, "2030-02-30T00:00:00", "true,false"]:
                res = await world.api.get(path, params={name: bad})
                if res.status_code >= 500:
                    failures.append(("query", path, name, bad[:20], res.status_code))
    assert failures == []


async def test_bodies_that_are_not_json_nested_or_too_big_are_a_4xx(world):
    writes = [(m, p) for m, p, _ in world.writes()] + [
        ("put", f"/api/v1/scopes/{world.scope}/tree")
    ]
    deep = "[" * 10_000 + "]" * 10_000
    deep_object = '{"a":' * 10_000 + "1" + "}" * 10_000
    bodies = [
        b"\xff\xfe\xfa",
        b'{"format": 1, "domains": "\xc3\x28"}',
        b"\x00",
        b"{",
        b"null",
        b"[]",
        b"1e999999",
        deep.encode(),
        deep_object.encode(),
        _deep_document(10_000),
    ]
    failures = []
    for method, path in writes:
        for body in bodies:
            res = await getattr(world.api, method)(
                path, content=body, headers={"Content-Type": "application/json"}
            )
            if not 400 <= res.status_code < 500:
                failures.append((method, path, body[:20], res.status_code))
    assert failures == []
    assert await RateNode.count() == 3 and await ServiceScope.count() == 1


def _deep_document(levels: int) -> bytes:
    """A tree document 10,000 branches deep (written as text: json.dumps would recurse)."""
    open_ = '{"depends_on": "country", "children": [{"value": "ES", "rate": ' * levels
    close = "}]}" * levels
    rate = open_ + '{"type": "flat", "price": "1"}' + close
    head = '{"format": 1, "domains": [{"domain": "sms", "resources": [{"resource": "sms_message", '
    return (head + f'"rate": {rate}}}]}}]}}').encode()


async def test_the_tree_put_names_what_is_wrong_with_a_body_it_cannot_decode(world):
    """Regression: invalid UTF-8 inside a string and nesting past the decoder's depth were
    500s (UnicodeDecodeError, RecursionError out of the JSON decoder)."""
    path = f"/api/v1/scopes/{world.scope}/tree"
    headers = {"Content-Type": "application/json"}
    res = await world.api.put(
        path, content=b'{"format": 1, "domains": "\xc3\x28"}', headers=headers
    )
    assert res.status_code == 400
    assert "not valid JSON" in res.json()["detail"] and "UTF-8" in res.json()["detail"]
    res = await world.api.put(path, content=_deep_document(10_000), headers=headers)
    assert res.status_code == 400
    assert res.json()["detail"] == "the body is not a rate tree: its JSON nests too deeply"
    assert await RateNode.count() == 3


async def test_a_60_mb_body_is_refused_without_a_crash(world):
    big = b'{"format": 1, "domains": [{"domain": "' + b"s" * (60 * 1024 * 1024) + b'"}]}'
    headers = {"Content-Type": "application/json"}
    res = await world.api.put(f"/api/v1/scopes/{world.scope}/tree", content=big, headers=headers)
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "domains[0].domain"
    assert len(res.content) < 10_000  # the message names the value by its size, not in full
    for method, path, _ in world.writes()[:4]:
        res = await getattr(world.api, method)(path, content=big, headers=headers)
        assert res.status_code == 413, (method, path, res.status_code)
    assert await RateNode.count() == 3


async def test_another_tenants_ids_answer_404_and_lower_roles_are_refused(
    world, bo_factory, bo_api
):
    from core.access.testing import role_id, user_with_role

    sibling = await bo_factory.company(await bo_factory.owner(), "reseller", name="Sibling")
    theirs = await bo_api(await bo_factory.user(sibling))
    client = await bo_api(await bo_factory.user(world.client))
    # Finance manager: services and account management at view level
    role = await role_id("backoffice", "Finance manager")
    viewer = await bo_api(await user_with_role(bo_factory, world.reseller, "backoffice", role))
    counts = (await ServiceScope.count(), await RateNode.count(), await EnabledService.count())
    for method, path, body in world.writes():
        res = await getattr(theirs, method)(path, json=body)
        if path.startswith("/api/v1/enabled-") and method == "post":
            assert res.status_code == 422, (path, res.status_code)  # another's ids in a body
        else:
            assert res.status_code == 404, (method, path, res.status_code)
        res = await getattr(client, method)(path, json=body)
        assert res.status_code == 403, (method, path, res.status_code)
        if not path.endswith("/evaluate"):
            res = await getattr(viewer, method)(path, json=body)
            assert res.status_code == 403, (method, path, res.status_code)
    for path in world.reads():
        if path.rstrip("s").endswith(("enabled-service", "enabled-pack")):
            # a list: theirs is empty, not a 404
            assert (await theirs.get(path)).json()["total"] == 0, path
        else:
            assert (await theirs.get(path)).status_code == 404, path
        assert (await viewer.get(path)).status_code == 200, path
        assert (await client.get(path)).status_code == 403, path
    for path in (
        f"/api/v1/scopes/{world.scope}",
        f"/api/v1/nodes/{world.node}",
        f"/api/v1/enabled-services/{world.enabled}",
    ):
        assert (await theirs.delete(path)).status_code == 404, path
        assert (await client.delete(path)).status_code == 403, path
        assert (await viewer.delete(path)).status_code == 403, path
    assert counts == (
        await ServiceScope.count(),
        await RateNode.count(),
        await EnabledService.count(),
    )


EDGES = [
    ("9999-12-31T23:59:59", "Pacific/Kiritimati"),
    ("0001-01-01T00:00:00", "Pacific/Kiritimati"),
    ("0001-01-01T00:00:00", "America/Adak"),
    ("9999-12-31T23:59:59", "Etc/GMT+12"),
    ("9999-12-31T23:59:59+14:00", "UTC"),
    ("0001-01-01T00:00:00-12:00", "UTC"),
    ("2030-01-01T00:00:00", "../../etc/passwd"),
    ("2030-01-01T00:00:00", "Europe/Berlin\x00"),
]


async def test_instants_at_the_ends_of_the_calendar_are_a_4xx_or_kept(world):
    """Wall times that fall off the calendar once moved to UTC, zones that are paths."""
    failures = []
    body = {"name": "Bare", "type": "pay_as_you_go", "currency": "EUR"}
    bare = (await world.api.post("/api/v1/services", json=body)).json()["id"]
    enabled = {"agreement_id": world.agreement, "service_id": bare}
    for start, zone in EDGES:
        for path, body in (
            (f"/api/v1/services/{world.service}/scopes", {"draft": True}),
            ("/api/v1/enabled-services", enabled),
        ):
            for field in ("effective_from", "effective_till"):
                sent = {**body, "effective_from": "2029-01-01T00:00:00", field: start}
                res = await world.api.post(path, json={**sent, "timezone": zone})
                if res.status_code < 300:
                    created = res.json()["id"]
                    show = path.split("/api/v1/")[1].split("/")[0]
                    show = "scopes" if show == "services" else show
                    shown = await world.api.get(f"/api/v1/{show}/{created}")
                    if shown.status_code != 200:
                        failures.append(("shown", path, start, zone, shown.status_code))
                if res.status_code >= 500:
                    failures.append((path, field, start, zone, res.status_code))
        event = {"at": start, "domain": "sms", "resource": "sms_message", "attributes": {}}
        res = await world.api.post(f"/api/v1/services/{world.service}/evaluate", json=event)
        if res.status_code >= 500:
            failures.append(("evaluate", start, res.status_code))
        for path in (
            "/api/v1/enabled-services",
            f"/api/v1/services/{world.service}/scopes",
            f"/api/v1/services/{bare}/scopes",
        ):
            for params in ({"in_force_at": start, "format": "csv"}, {"sort": "-effective_till"}):
                res = await world.api.get(path, params=params)
                if res.status_code >= 500:
                    failures.append((path, start, res.status_code))
    # the rows kept at the ends of the calendar list, sort and export
    for path in ("/api/v1/enabled-services", f"/api/v1/services/{bare}/scopes"):
        res = await world.api.get(path, params={"format": "csv"})
        if res.status_code != 200:
            failures.append(("csv", path, res.status_code))
        for sort in ("effective_from", "effective_till"):
            for order in ("asc", "desc"):
                params = {"sort": sort, "order": order, "page_size": 1}
                seen: list[int] = []
                while len(seen) < 30:
                    res = await world.api.get(path, params=params)
                    if res.status_code != 200:
                        failures.append(("list", path, params, res.status_code))
                        break
                    seen += [item["id"] for item in res.json()["items"]]
                    if not res.json()["next"]:
                        break
                    params = {**params, "cursor": res.json()["next"]}
                if len(seen) != len(set(seen)) or len(seen) != res.json()["total"]:
                    failures.append(("paging", path, sort, order, seen))
    assert failures == []


async def test_another_tenants_ids_inside_a_request_reveal_nothing(world, bo_factory, bo_api):
    """Their node as a parent, their scope as a copy source, their service and agreement in an
    enabled row: each answers as an id that does not exist, and nothing is written."""
    sibling = await bo_factory.company(await bo_factory.owner(), "reseller", name="Sibling")
    theirs = await bo_api(await bo_factory.user(sibling))
    body = {"name": "Theirs", "type": "pay_as_you_go", "currency": "EUR"}
    their_service = (await theirs.post("/api/v1/services", json=body)).json()["id"]
    res = await theirs.post(
        f"/api/v1/services/{their_service}/scopes", json={"effective_from": FROM}
    )
    their_scope = res.json()["id"]
    res = await theirs.post(f"/api/v1/scopes/{their_scope}/nodes", json={"key": "viber"})
    their_node = res.json()["id"]
    other_client = await bo_factory.company(sibling, "client", name="Their client")
    their_agreement = await agreement_between(other_client, sibling, "T-1")
    counts = (await ServiceScope.count(), await RateNode.count(), await EnabledService.count())

    res = await world.api.get(f"/api/v1/scopes/{world.scope}/nodes", params={"parent": their_node})
    assert res.status_code == 404, res.text
    res = await world.api.post(
        f"/api/v1/scopes/{world.scope}/nodes",
        json={"parent_id": their_node, "key": "viber_message"},
    )
    assert res.status_code == 404, res.text
    assert "viber" not in res.text
    res = await world.api.post(
        f"/api/v1/services/{world.service}/scopes",
        json={"effective_from": FROM, "draft": True, "copy_from_scope_id": their_scope},
    )
    assert res.status_code == 422
    assert res.json()["errors"] == [
        {"field": "copy_from_scope_id", "message": f"no scope {their_scope} among your services"}
    ]
    for field, value in (("service_id", their_service), ("agreement_id", their_agreement)):
        res = await world.api.post(
            "/api/v1/enabled-services",
            json={
                "agreement_id": world.agreement,
                "service_id": world.service,
                "effective_from": "2031-01-01T00:00:00",
                "timezone": "UTC",
                field: value,
            },
        )
        assert res.status_code == 422 and res.json()["errors"][0]["field"] == field
    assert counts == (
        await ServiceScope.count(),
        await RateNode.count(),
        await EnabledService.count(),
    )
