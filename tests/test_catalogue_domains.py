"""Channel plugins and the domains API: every bundled channel is a valid, switchable plugin
with snake_case keys over known dictionaries; ``/api/v1/catalogue/domains`` lists exactly what
they declare, per company (a plugin switched off disappears below the switch only), a
third-party channel the same way, and nothing without a token."""

from __future__ import annotations

import importlib
import re

import pytest

from core.catalogue.domains import service
from core.catalogue.domains.core_domains import CORE_DOMAINS
from core.plugins import catalog, registry
from core.plugins.declarations import Attribute, Channel, Resource
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import BUNDLED_PLUGINS, PluginError, build_plugin_manager

URL = "/api/v1/catalogue/domains"
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _bundled_channels() -> list[type[Channel]]:
    found = []
    for module_name in BUNDLED_PLUGINS.values():
        (channel,) = importlib.import_module(module_name).register_channels()
        found.append(channel)
    return found


def _attributes(domain: str, resource: str) -> list[str]:
    channel = service.registered()[domain].declaration
    (declared,) = [r for r in channel.resources if r.key == resource]
    return [a.name for a in declared.attributes]


@pytest.mark.parametrize("channel", _bundled_channels(), ids=lambda c: c.key)
def test_each_bundled_channel_is_valid_with_snake_case_keys_and_known_dictionaries(channel):
    channel.validate_declaration()
    assert registry.channels()[channel.key] is channel
    assert registry.plugin_of("channels", channel.key) == channel.key
    assert channel.service_domain == channel.key and SNAKE.match(channel.key)
    assert {r.key for r in channel.resources} >= {"platform_fee"}
    for resource in channel.resources:
        assert SNAKE.match(resource.key), resource.key
        assert all(SNAKE.match(a.name) for a in resource.attributes), resource.key
    assert channel.dictionary_keys() <= set(registry.dictionaries())


def test_every_product_domain_is_registered_and_the_core_ones_are_no_channels():
    channels = {
        "sms",
        "rcs",
        "viber",
        "whatsapp",
        "wechat",
        "email",
        "flash_call",
        "telegram_gateway",
        "push",
        "tts",
        "voice",
        "push_partner",
    }
    core = {"service_purchase", "bundle_grouping", "additional_service"}
    assert set(registry.channels()) == channels
    domains = service.registered()
    assert set(domains) == channels | core
    assert {k for k, d in domains.items() if d.core} == core
    for declaration in CORE_DOMAINS:
        declaration.validate_declaration()
        assert declaration.dictionary_keys() <= set(registry.dictionaries())
    plugins = {i.name: i for i in catalog.installed()}
    for name in BUNDLED_PLUGINS:
        assert plugins[name].kind == "bundled" and plugins[name].switchable


def test_the_guides_rate_tree_attributes_are_declared():
    assert _attributes("sms", "sms_message") == [
        "direction",
        "country",
        "mcc",
        "network",
        "sender_id",
    ]
    assert _attributes("sms", "sender_id_usage_fee") == [
        "periodicity",
        "country",
        "mcc",
        "network",
        "sender_id_type",
    ]
    assert _attributes("sms", "platform_fee") == []
    assert _attributes("whatsapp", "whatsapp_message") == [
        "direction",
        "whatsapp_region",
        "pricing_category",
        "pricing_type",
    ]
    assert _attributes("rcs", "rcs_message") == ["billing_event", "country", "mcc", "network"]
    purchase = service.registered()["service_purchase"].declaration
    assert [r.key for r in purchase.resources] == ["unit_pack", "monetary_pack", "bundle_pack"]
    assert _attributes("bundle_grouping", "bundle_member") == ["bundle_pack"]


def test_a_bundled_plugin_is_blocked_by_its_short_name():
    pm = build_plugin_manager(disabled=("sms",))
    assert pm.get_plugin("sms") is None and pm.get_plugin("whatsapp") is not None


def test_two_channels_claiming_one_domain_is_a_conflict_naming_both(bo_register_plugin):
    class Texts(Channel):
        key = "texts"
        name = "Texts"
        service_domain = "sms"
        resources = (Resource("text", "Text"),)

    class TextsPlugin:
        @hookimpl
        def register_channels(self):
            return [Texts]

    bo_register_plugin(TextsPlugin(), name="texts-test")
    with pytest.raises(PluginError, match=r"'sms' is declared twice.*'sms'.*'texts-test'"):
        registry.channels()


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    a = await bo_factory.company(owner, "reseller", name="Reseller A")
    b = await bo_factory.company(owner, "reseller", name="Reseller B")
    a_client = await bo_factory.company(a, "client", name="Client of A")
    return owner, a, b, a_client


async def test_domains_need_a_bearer_token(bo_client):
    res = await bo_client.get(URL)
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")


async def test_the_list_holds_every_domain_resource_and_attribute_as_declared(bo_factory, bo_api):
    _, a, _, _ = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(a, is_admin=False))
    res = await api.get(URL)
    assert res.status_code == 200, res.text
    items = {d["key"]: d for d in res.json()["items"]}
    assert list(items) == sorted(items) and set(items) == set(service.registered())
    for key, domain in service.registered().items():
        got, channel = items[key], domain.declaration
        assert got["name"] == channel.name and got["channel"] == channel.key
        assert got["core"] is (channel in CORE_DOMAINS)
        assert [r["key"] for r in got["resources"]] == [r.key for r in channel.resources]
        for out, resource in zip(got["resources"], channel.resources, strict=True):
            assert out["name"] == resource.name
            assert [(x["key"], x["name"], x["dictionary"]) for x in out["attributes"]] == [
                (x.name, x.label, x.dictionary) for x in resource.attributes
            ]
    sms_message = items["sms"]["resources"][0]["attributes"]
    assert sms_message[1] == {
        "key": "country",
        "name": "Country",
        "dictionary": "countries",
        "values": "/api/v1/dictionaries/countries",
    }
    assert sms_message[4]["dictionary"] is None and sms_message[4]["values"] is None
    assert items["sms"]["plugin"] == "sms"
    assert items["service_purchase"]["plugin"] == "core"
    # the values path answers: the list points at real dictionaries
    countries = await api.get(sms_message[1]["values"], params={"q": "spain"})
    assert [v["key"] for v in countries.json()["items"]] == ["ES"]


async def test_a_plugin_switched_off_for_a_company_disappears_for_it_and_below(bo_factory, bo_api):
    owner, a, b, _ = await _tree(bo_factory)
    a_reseller = await bo_factory.company(a, "reseller", name="Reseller of A")
    boss = await bo_api(await bo_factory.user(owner))
    res = await boss.put(f"/api/v1/companies/{a['id']}/plugins/whatsapp", json={"enabled": False})
    assert res.status_code == 200, res.text

    async def domains(company) -> set[str]:
        api = await bo_api(await bo_factory.user(company, is_admin=False))
        res = await api.get(URL)
        assert res.status_code == 200, res.text
        return {d["key"] for d in res.json()["items"]}

    for company in (a, a_reseller):
        seen = await domains(company)
        assert "whatsapp" not in seen and {"sms", "rcs", "service_purchase"} <= seen
    assert "whatsapp" in await domains(b)
    assert "whatsapp" in await domains(owner)


async def test_a_plugin_channel_claiming_a_core_domain_is_a_conflict(
    bo_register_plugin, bo_factory, bo_api
):
    class Packs(Channel):
        key = "packs"
        name = "Packs"
        service_domain = "service_purchase"
        resources = (Resource("pack", "Pack"),)

    class PacksPlugin:
        @hookimpl
        def register_channels(self):
            return [Packs]

    bo_register_plugin(PacksPlugin(), name="packs-test")
    with pytest.raises(PluginError, match=r"'packs-test'.*'service_purchase'.*core domain"):
        service.registered()
    from core.plugins.report import _registry_errors

    assert any(e.startswith("domains: ") and "packs-test" in e for e in _registry_errors())
    # the API names the conflict (503) rather than failing opaquely, for every company
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.get(URL)
    assert res.status_code == 503, res.text
    assert "'packs-test'" in res.json()["detail"] and "core domain" in res.json()["detail"]


class Fax(Channel):
    key = "fax"
    name = "Fax"
    service_domain = "fax"
    resources = (
        Resource(
            "fax_page",
            "Fax page",
            (
                Attribute("country", "Country", "countries"),
                Attribute("resolution", "Resolution"),
            ),
        ),
    )


class FaxPlugin:
    BACKOFFICE_API = ">=1,<2"

    @hookimpl
    def register_channels(self):
        return [Fax]


async def test_a_third_party_channel_appears_the_same_way_and_switches_off(
    bo_register_plugin, bo_factory, bo_api
):
    bo_register_plugin(FaxPlugin(), name="fax-test")
    owner, a, b, _ = await _tree(bo_factory)
    seller_a = await bo_api(await bo_factory.user(a, is_admin=False))
    items = {d["key"]: d for d in (await seller_a.get(URL)).json()["items"]}
    assert items["fax"] == {
        "key": "fax",
        "name": "Fax",
        "channel": "fax",
        "plugin": "fax-test",
        "core": False,
        "resources": [
            {
                "key": "fax_page",
                "name": "Fax page",
                "attributes": [
                    {
                        "key": "country",
                        "name": "Country",
                        "dictionary": "countries",
                        "values": "/api/v1/dictionaries/countries",
                    },
                    {"key": "resolution", "name": "Resolution", "dictionary": None, "values": None},
                ],
            }
        ],
    }
    boss = await bo_api(await bo_factory.user(owner))
    res = await boss.put(f"/api/v1/companies/{a['id']}/plugins/fax-test", json={"enabled": False})
    assert res.status_code == 200, res.text
    assert "fax" not in {d["key"] for d in (await seller_a.get(URL)).json()["items"]}
    seller_b = await bo_api(await bo_factory.user(b, is_admin=False))
    assert "fax" in {d["key"] for d in (await seller_b.get(URL)).json()["items"]}


def test_docs_list_every_domain_resource_and_attribute_key():
    """docs/channels.md is the contract rate-tree documents are written against: each row names
    a domain, a resource and that resource's attributes with their dictionaries."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs/channels.md").read_text()
    for channel in [*CORE_DOMAINS, *_bundled_channels()]:
        for resource in channel.resources:
            attrs = ", ".join(
                f"`{a.name}` ({f'`{a.dictionary}`' if a.dictionary else 'free'})"
                for a in resource.attributes
            )
            row = f"| `{channel.service_domain}` {channel.name} |"
            assert row in text and f"| `{resource.key}` {resource.name} | {attrs or '—'} |" in text


async def test_the_plugins_list_shows_the_bundled_channels_as_bundled(bo_factory, bo_api):
    boss = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await boss.get("/api/v1/plugins", params={"kind": "bundled", "page_size": 100})
    assert res.status_code == 200, res.text
    items = res.json()["items"]
    assert sorted(i["name"] for i in items) == sorted(BUNDLED_PLUGINS)
    assert all(i["package"] == "backoffice" and not i["always_on"] for i in items)
    assert all(i["enabled"] and i["compatible"] for i in items)


def test_channel_packages_use_the_public_plugin_api_only():
    """Written as a third party would write them: the declarations and the hook marker, their
    own package, nothing else of the core (nor another channel)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "plugins/channels"
    public = {"__future__", "core.plugins.declarations", "core.plugins.hookspecs"}
    for path in sorted(root.glob("*/*.py")):
        own = f"plugins.channels.{path.parent.name}"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name in public or name.startswith(own), f"{path}: imports {name}"
