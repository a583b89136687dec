"""Installed plugins over the API and their per-company switches: the owner switches the
platform, a reseller passes on only what it has, other tenants and lower roles are refused,
bad input is a 4xx, and a switched-off payment system's key is refused naming the plugin while
its existing rows stay readable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.access.testing import role_id, user_with_role
from core.audit.models import AuditEvent
from core.plugins.declarations import PaymentSystem
from core.plugins.fields import Field
from core.plugins.hookspecs import hookimpl
from core.plugins.models import CompanyPlugin

EXAMPLE_SRC = Path(__file__).resolve().parents[1] / "examples/backoffice-example-plugin/src"
PLUGINS = "/api/v1/plugins"
PLUGIN = "paykit-test"


class PayKit(PaymentSystem):
    key = "paykit"
    name = "PayKit"
    settings_fields = (Field("account", "string", "Account", required=True),)


class PayKitPlugin:
    BACKOFFICE_API = ">=1,<2"
    __version__ = "2.3.0"

    @hookimpl
    def register_payment_systems(self):
        return [PayKit]


@pytest.fixture
def paykit(bo_register_plugin):
    bo_register_plugin(PayKitPlugin(), name=PLUGIN)


def switch_url(company: dict, name: str = PLUGIN) -> str:
    return f"/api/v1/companies/{company['id']}/plugins/{name}"


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    a = await bo_factory.company(owner, "reseller", name="Reseller A")
    b = await bo_factory.company(owner, "reseller", name="Reseller B")
    a_child = await bo_factory.company(a, "client", name="Client of A")
    return owner, a, b, a_child


async def test_the_list_shows_package_version_kind_contributions_and_compatibility(
    paykit, bo_factory, bo_api
):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.get(PLUGINS, params={"page_size": 100})
    assert res.status_code == 200, res.text
    items = {i["name"]: i for i in res.json()["items"]}
    ours = items[PLUGIN]
    assert ours["kind"] == "registered" and ours["version"] == "2.3.0"
    assert ours["contributes"]["payment_systems"] == ["paykit"]
    assert ours["api_range"] == ">=1,<2" and ours["compatible"] and ours["status"] == "ok"
    assert ours["enabled"] is True and ours["always_on"] is False
    countries = items["core.catalogue.dictionaries.builtin"]
    assert countries["kind"] == "core" and countries["always_on"] and countries["enabled"]
    assert {"countries", "networks", "whatsapp_regions"} <= set(
        countries["contributes"]["dictionaries"]
    )
    # filters, sort and paging
    res = await api.get(PLUGINS, params={"contributes": "payment_systems"})
    assert [i["name"] for i in res.json()["items"]] == [PLUGIN]
    res = await api.get(PLUGINS, params={"kind": "core", "sort": "name", "order": "desc"})
    names = [i["name"] for i in res.json()["items"]]
    assert names == sorted(names, reverse=True) and set(names) >= {
        "core.catalogue.dictionaries.builtin"
    }
    res = await api.get(PLUGINS, params={"q": "PAYKIT"})
    assert [i["name"] for i in res.json()["items"]] == [PLUGIN]
    first = (await api.get(PLUGINS, params={"page_size": 1, "order": "asc"})).json()
    assert len(first["items"]) == 1 and first["next"] == "p2" and first["total"] >= 2
    second = (await api.get(PLUGINS, params={"page_size": 1, "cursor": first["next"]})).json()
    assert second["items"][0]["name"] != first["items"][0]["name"]
    one = await api.get(f"{PLUGINS}/{PLUGIN}")
    assert one.status_code == 200 and one.json() == ours


async def test_owner_switches_the_platform_and_everyone_below_follows(paykit, bo_factory, bo_api):
    owner, a, _, a_child = await _tree(bo_factory)
    boss = await bo_api(await bo_factory.user(owner))
    seller = await bo_api(await bo_factory.user(a))
    res = await boss.put(switch_url(owner), json={"enabled": False})
    assert res.status_code == 200, res.text
    assert res.json() == {
        "company_id": owner["id"],
        "plugin": PLUGIN,
        "setting": "off",
        "available": True,
        "enabled": False,
    }
    listed = (await seller.get(f"{PLUGINS}/{PLUGIN}")).json()
    assert listed["enabled"] is False
    states = (await seller.get(f"/api/v1/companies/{a_child['id']}/plugins")).json()
    mine = next(s for s in states["items"] if s["plugin"] == PLUGIN)
    assert mine["available"] is False and mine["enabled"] is False
    # the reseller cannot give its client what it does not have itself
    res = await seller.put(switch_url(a_child), json={"enabled": True})
    assert res.status_code == 422 and PLUGIN in res.text
    # nor switch its own company: that is the owner's decision
    res = await seller.put(switch_url(a), json={"enabled": True})
    assert res.status_code == 403
    # back on for the platform; the write is audited and idempotent
    assert (await boss.put(switch_url(owner), json={"enabled": True})).json()["enabled"]
    assert (await boss.put(switch_url(owner), json={"enabled": True})).status_code == 200
    rows = await CompanyPlugin.select().where(CompanyPlugin.plugin == PLUGIN)
    assert len(rows) == 1 and rows[0]["enabled"] is True
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action)]
    assert actions.count(f"Plugin disabled: {PLUGIN}") == 1
    assert actions.count(f"Plugin enabled: {PLUGIN}") == 1


async def test_reseller_switches_its_own_clients_and_siblings_get_404(paykit, bo_factory, bo_api):
    owner, a, b, a_child = await _tree(bo_factory)
    seller_a = await bo_api(await bo_factory.user(a))
    seller_b = await bo_api(await bo_factory.user(b))
    res = await seller_a.put(switch_url(a_child), json={"enabled": False})
    assert res.status_code == 200 and res.json()["setting"] == "off"
    child_user = await bo_api(await bo_factory.user(a_child))
    # the client's own view (its users are refused the BackOffice API; the row decides)
    from core.plugins.enablement import disabled_for

    assert PLUGIN in await disabled_for(a_child["path"])
    assert PLUGIN not in await disabled_for(a["path"])
    assert (await child_user.get(PLUGINS)).status_code in (403, 404)
    # reseller B sees neither A's client's switches nor may change them
    assert (await seller_b.get(f"/api/v1/companies/{a_child['id']}/plugins")).status_code == 404
    res = await seller_b.put(switch_url(a_child), json={"enabled": True})
    assert res.status_code == 404
    # the owner sees its own children only (A's client is a grandchild)
    boss = await bo_api(await bo_factory.user(owner))
    assert (await boss.get(f"/api/v1/companies/{a_child['id']}/plugins")).status_code == 404
    assert (await boss.get(f"/api/v1/companies/{a['id']}/plugins")).status_code == 200
    assert (await seller_a.put(switch_url(a_child), json={"enabled": True})).json()["enabled"]


async def test_lower_roles_are_refused(paykit, bo_factory, bo_api):
    _, a, _, a_child = await _tree(bo_factory)
    no_role = await bo_api(await user_with_role(bo_factory, a, "backoffice", None))
    assert (await no_role.get(PLUGINS)).status_code == 403
    rate = await bo_api(
        await user_with_role(
            bo_factory, a, "backoffice", await role_id("backoffice", "Rate manager")
        )
    )
    assert (await rate.get(PLUGINS)).status_code == 200  # settings: view
    assert (await rate.put(switch_url(a_child), json={"enabled": False})).status_code == 403
    client_manager = await bo_api(
        await user_with_role(
            bo_factory, a, "backoffice", await role_id("backoffice", "Client manager")
        )
    )
    assert (await client_manager.get(PLUGINS)).status_code == 403
    portal = await bo_api(
        await user_with_role(
            bo_factory, a_child, "portal", await role_id("portal", "Finance manager")
        )
    )
    assert (await portal.get(PLUGINS)).status_code == 403
    assert (await portal.put(switch_url(a_child), json={"enabled": True})).status_code == 403
    assert await CompanyPlugin.count() == 0


@pytest.mark.parametrize(
    ("path", "body", "statuses"),
    [
        ("{child}/plugins/no-such-plugin", {"enabled": True}, {404}),
        ("{child}/plugins/core.catalogue.dictionaries.builtin", {"enabled": False}, {422}),
        ("{child}/plugins/" + PLUGIN, {"enabled": "yes"}, {400}),
        ("{child}/plugins/" + PLUGIN, {"enabled": None}, {400}),
        ("{child}/plugins/" + PLUGIN, {}, {400}),
        ("{child}/plugins/" + PLUGIN, {"enabled": True, "extra": 1}, {400}),
        ("{child}/plugins/" + PLUGIN, [1, 2], {400}),
        ("{child}/plugins/pay%00kit", {"enabled": True}, {400, 404}),
        ("{child}/plugins/" + "x" * 300, {"enabled": True}, {400}),
        ("99999999999999999999/plugins/" + PLUGIN, {"enabled": True}, {400, 404}),
        ("2147483648/plugins/" + PLUGIN, {"enabled": True}, {404}),
        ("-1/plugins/" + PLUGIN, {"enabled": True}, {404}),
    ],
)
async def test_bad_input_is_a_4xx(paykit, bo_factory, bo_api, path, body, statuses):
    owner, a, _, _ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(owner))
    url = "/api/v1/companies/" + path.format(child=a["id"])
    res = await api.put(url, json=body)
    assert res.status_code in statuses, (res.status_code, res.text)
    assert res.headers["content-type"].startswith("application/problem+json")
    assert await CompanyPlugin.count() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "nope"},
        {"contributes": "rockets"},
        {"sort": "secret"},
        {"cursor": "p1x"},
        {"cursor": "garbage"},
        {"page_size": "100000"},
        {"page": "-3"},
        {"enabled": "perhaps"},
        {"q": "a\x00b"},
        {"q": "x" * 500},
    ],
)
async def test_bad_list_parameters_are_a_4xx(bo_factory, bo_api, params):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.get(PLUGINS, params=params)
    assert 400 <= res.status_code < 500 or (res.status_code == 200 and "q" in params), res.text


async def test_unknown_plugin_reads_404(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    assert (await api.get(f"{PLUGINS}/nope")).status_code == 404
    assert (await api.get(f"{PLUGINS}/a%00b")).status_code in (400, 404)


async def test_a_switched_off_payment_system_is_refused_and_existing_rows_stay(
    paykit, bo_factory, bo_api
):
    owner, a, _, _ = await _tree(bo_factory)
    boss = await bo_api(await bo_factory.user(owner))
    seller = await bo_api(await bo_factory.user(a))
    settings = {"account": "acct-1"}
    res = await seller.post(
        "/api/v1/payment-systems", json={"name": "Kit", "kind": "paykit", "settings": settings}
    )
    assert res.status_code == 201, res.text
    existing = res.json()
    types = (await seller.get("/api/v1/payment-system-types")).json()
    assert "paykit" in {t["key"] for t in types}

    assert (await boss.put(switch_url(a), json={"enabled": False})).status_code == 200
    res = await seller.post(
        "/api/v1/payment-systems", json={"name": "Kit 2", "kind": "paykit", "settings": settings}
    )
    assert res.status_code == 422
    problem = res.json()
    assert problem["errors"][0]["field"] == "kind" and PLUGIN in problem["errors"][0]["message"]
    types = (await seller.get("/api/v1/payment-system-types")).json()
    assert "paykit" not in {t["key"] for t in types}
    # the existing row is kept and readable, and can be renamed or switched off
    read = await seller.get(f"/api/v1/payment-systems/{existing['id']}")
    assert read.status_code == 200 and read.json()["kind"] == "paykit"
    url = f"/api/v1/payment-systems/{existing['id']}"
    assert (await seller.patch(url, json={"enabled": False})).status_code == 200
    res = await seller.patch(url, json={"enabled": True})  # switching it back on is new use
    assert res.status_code == 422 and PLUGIN in res.text
    listed = (await seller.get("/api/v1/payment-systems")).json()
    assert [i["id"] for i in listed["items"]] == [existing["id"]]
    # the owner itself still has it
    res = await boss.post(
        "/api/v1/payment-systems", json={"name": "Kit", "kind": "paykit", "settings": settings}
    )
    assert res.status_code == 201, res.text


async def test_a_switched_off_plugin_hides_its_routes_and_keys(bo_register_plugin, bo_factory):
    """The example package: its route answers 404 to a company that has it off (401 without a
    token, as before), and its channel and vendor type leave that company's registries."""
    from core.errors import Invalid
    from core.plugins import enablement
    from core.plugins.testing import serve_in_loop
    from core.web.app import create_app
    from tenants.scope import Scope

    if str(EXAMPLE_SRC) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_SRC))
    from backoffice_example_plugin import plugin

    bo_register_plugin(plugin, name="example")
    owner, a, b, _ = await _tree(bo_factory)
    await CompanyPlugin.insert(CompanyPlugin(company=a["id"], plugin="example", enabled=False))
    url = "/api/v1/plugins/example/settings-schema"
    tokens = {k: await bo_factory.token(await bo_factory.user(c)) for k, c in (("a", a), ("b", b))}
    async with serve_in_loop(create_app()) as client:
        assert (await client.get(url)).status_code == 401
        off = await client.get(url, headers={"Authorization": f"Bearer {tokens['a']}"})
        on = await client.get(url, headers={"Authorization": f"Bearer {tokens['b']}"})
    assert off.status_code == 404 and on.status_code == 200
    scope_a, scope_b = Scope.of(a), Scope.of(b)
    assert "example-http" not in await enablement.available(scope_a, "vendors")
    assert "example-sms" not in await enablement.available(scope_a, "channels")
    assert "example-http" in await enablement.available(scope_b, "vendors")
    with pytest.raises(Invalid, match="plugin “example”"):
        await enablement.refuse_disabled(scope_a, "vendors", "example-http", "vendor_type")
    await enablement.refuse_disabled(scope_b, "vendors", "example-http", "vendor_type")
