"""The dictionary registry: values indexed once (lookups never scan), missed options, plugin
dictionaries beside the core ones, a plugin redefining a core key as a conflict, and a tenant
dictionary read within the caller's scope."""

from __future__ import annotations

import pycountry
import pytest
from click.testing import CliRunner

from core.catalogue.dictionaries.data.countries import Countries
from core.catalogue.dictionaries.service import registry as dictionaries
from core.cli import main
from core.errors import NotFound
from core.plugins import registry
from core.plugins.declarations import Dictionary, TenantDictionary
from core.plugins.fields import DeclarationError
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import PluginError


class _NoScan(tuple):
    """A value list that refuses to be read: a lookup that scans fails loudly."""

    def __iter__(self):
        raise AssertionError("a lookup read the whole list")


def test_every_country_resolves_by_key_without_scanning_the_values(monkeypatch):
    index = dictionaries.index_of(Countries)
    assert dictionaries.index_of(Countries) is index  # built once
    monkeypatch.setattr(index, "values", _NoScan(index.values))
    monkeypatch.setattr(index, "orders", {})
    codes = [c.alpha_2 for c in pycountry.countries]
    assert len(codes) == 249
    for code in codes:
        value = index.resolve(code)
        assert value.key == code and not value.missed
    assert dictionaries.lookup("countries", "FR").extra["name_fr"] == "France"


def test_declaration_get_is_a_dict_lookup_too(monkeypatch):
    Countries.load()
    monkeypatch.setattr(Countries, "_loaded", _NoScan(Countries.load()))
    assert Countries.get("DE").name == "Germany"
    assert Countries.get("XX") is None


def test_unknown_values_resolve_as_missed_options_and_unknown_keys_are_404():
    value = dictionaries.lookup("networks", "00000")
    assert (value.key, value.label, value.extra, value.missed) == ("00000", "00000", {}, True)
    with pytest.raises(NotFound, match="no-such"):
        dictionaries.lookup("no-such", "FR")


def test_french_names_come_from_pycountry_translations():
    assert Countries.get("DE").extra["name_fr"] == "Allemagne"
    assert Countries.get("GB").extra["name_fr"] == "Royaume-Uni"
    assert registry.dictionaries()["currencies"].get("EUR").extra["name_fr"] == "Euro"


class Zones(Dictionary):
    key = "test-zones"
    name = "Zones"
    entries = [("north", "North"), ("south", "South", {"rank": 2})]
    searched = ("rank",)


class FakeCountries(Dictionary):
    key = "countries"
    name = "Not the real countries"
    entries = [("XX", "Nowhere")]


class Plugin:
    def __init__(self, *dictionaries):
        self.returns = list(dictionaries)

    @hookimpl
    def register_dictionaries(self):
        return self.returns


async def test_a_plugin_dictionary_is_served_beside_the_core_ones(
    bo_register_plugin, bo_factory, bo_api
):
    bo_register_plugin(Plugin(Zones), name="zones-plugin")
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    items = {i["key"]: i for i in (await api.get("/api/v1/dictionaries")).json()["items"]}
    assert items["test-zones"]["plugin"] == "zones-plugin" and items["test-zones"]["size"] == 2
    assert "countries" in items
    found = (await api.get("/api/v1/dictionaries/test-zones", params={"q": "2"})).json()
    assert found["items"] == [
        {"key": "south", "label": "South", "extra": {"rank": 2}, "missed": False}
    ]
    assert (await api.get("/api/v1/dictionaries/test-zones/east")).json()["missed"] is True


async def test_a_switched_off_plugin_dictionary_is_hidden_from_that_company(
    bo_register_plugin, bo_factory, bo_api
):
    bo_register_plugin(Plugin(Zones), name="zones-plugin")
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    admin = await bo_api(await bo_factory.user(owner))
    switch = f"/api/v1/companies/{reseller['id']}/plugins/zones-plugin"
    assert (await admin.put(switch, json={"enabled": False})).status_code == 200
    api = await bo_api(await bo_factory.user(reseller))
    listed = [i["key"] for i in (await api.get("/api/v1/dictionaries")).json()["items"]]
    assert "test-zones" not in listed and "countries" in listed
    for path in ("/api/v1/dictionaries/test-zones", "/api/v1/dictionaries/test-zones/north"):
        assert (await api.get(path)).status_code == 404
    assert (await admin.get("/api/v1/dictionaries/test-zones")).json()["total"] == 2


async def test_a_plugin_redefining_a_core_dictionary_is_a_conflict(
    bo_register_plugin, bo_factory, bo_api
):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    bo_register_plugin(Plugin(FakeCountries), name="impostor")
    with pytest.raises(PluginError) as caught:
        registry.dictionaries()
    message = str(caught.value)
    assert "'countries' is registered twice" in message
    assert "core.catalogue.dictionaries.builtin" in message and "impostor" in message
    result = CliRunner().invoke(main, ["plugins", "check"])
    assert result.exit_code == 1
    assert "CONFLICT dictionaries: Dictionary 'countries' is registered twice" in result.output
    for path in ("/api/v1/dictionaries", "/api/v1/dictionaries/countries/FR"):
        res = await api.get(path)
        assert res.status_code == 503, res.text
        assert "'countries' is registered twice" in res.json()["detail"]


def test_a_tenant_dictionary_must_read_its_values_per_tenant():
    class NoReader(TenantDictionary):
        key = "no-reader"
        name = "No reader"

    with pytest.raises(DeclarationError, match="defines entries_for"):
        NoReader.validate_declaration()
    with pytest.raises(DeclarationError, match="read per tenant"):
        NoReader.get("x")


class ClientCompanies(TenantDictionary):
    """Computed from the database within the caller's scope, as "packs" will be."""

    key = "test-client-companies"
    name = "Client companies"

    @classmethod
    async def entries_for(cls, scope):
        from tenants.models import Company
        from tenants.scope import in_scope

        rows = await Company.select(Company.id, Company.name).where(in_scope(Company, scope))
        return [(str(r["id"]), r["name"]) for r in rows]


async def test_a_tenant_dictionary_answers_each_tenant_its_own_values(
    bo_register_plugin, bo_factory, bo_api
):
    bo_register_plugin(Plugin(ClientCompanies), name="tenant-dictionary")
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller", name="Mine")
    theirs = await bo_factory.company(owner, "reseller", name="Theirs")
    my_client = await bo_factory.company(mine, "client", name="My client")
    their_client = await bo_factory.company(theirs, "client", name="Their client")
    api = await bo_api(await bo_factory.user(mine))
    path = "/api/v1/dictionaries/test-client-companies"
    body = (await api.get(path)).json()
    assert [e["label"] for e in body["items"]] == ["My client"]
    listed = {i["key"]: i for i in (await api.get("/api/v1/dictionaries")).json()["items"]}
    assert (
        listed["test-client-companies"]["scoped"] and listed["test-client-companies"]["size"] == 1
    )
    assert (await api.get(f"{path}/{my_client['id']}")).json()["label"] == "My client"
    other = (await api.get(f"{path}/{their_client['id']}")).json()
    assert other["missed"] is True and other["label"] == str(their_client["id"])
