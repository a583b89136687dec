"""Registries built from the plugin manager: collection, conflicts, cross-references, blocking."""

from __future__ import annotations

import logging
import textwrap

import pytest

from core.errors import Invalid
from core.plugins import registry
from core.plugins.declarations import (
    Attribute,
    Channel,
    Dictionary,
    PaymentSystem,
    Resource,
    Theme,
    Vendor,
    sender_id_form,
)
from core.plugins.fields import Field, validate_values
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import PluginError, build_plugin_manager, plugin_manager
from core.plugins.report import check_report
from core.settings import get_settings


class Zones(Dictionary):
    key = "test-zones"
    name = "Zones"
    entries = [("north", "North"), ("south", "South")]


class Chat(Channel):
    key = "test-chat"
    name = "Test chat"
    service_domain = "messaging"
    resources = (Resource("session", "Session", (Attribute("zone", "Zone", "test-zones"),)),)
    vendor_types = ("test-gateway",)


class Gateway(Vendor):
    key = "test-gateway"
    name = "Test gateway"
    channels = ("test-chat",)


class Cash(PaymentSystem):
    key = "test-cash"
    name = "Cash"


class Plugin:
    """A plugin object; each test registers a fresh one so names never clash."""

    def __init__(self, **returns) -> None:
        self.returns = returns

    @hookimpl
    def register_channels(self):
        return self.returns.get("channels", [])

    @hookimpl
    def register_vendors(self):
        return self.returns.get("vendors", [])

    @hookimpl
    def register_payment_systems(self):
        return self.returns.get("payment_systems", [])

    @hookimpl
    def register_dictionaries(self):
        return self.returns.get("dictionaries", [])

    @hookimpl
    def register_themes(self):
        return self.returns.get("themes", [])


def test_every_registry_collects_what_plugins_return(bo_register_plugin, tmp_path):
    theme = Theme(name="test-dark", label="Dark", templates_dir=tmp_path)
    bo_register_plugin(
        Plugin(
            channels=[Chat],
            vendors=[Gateway],
            payment_systems=[Cash],
            dictionaries=[Zones],
            themes=[theme],
        ),
        name="test-all",
    )
    assert registry.channels()["test-chat"] is Chat
    assert registry.vendors()["test-gateway"] is Gateway
    assert registry.vendors_for("test-chat") == {"test-gateway": Gateway}
    assert registry.payment_systems() == {"test-cash": Cash}
    assert registry.dictionaries()["test-zones"] is Zones
    assert registry.dictionaries()["countries"].load()[0].code == "AD"
    assert registry.themes() == {"test-dark": theme}
    assert registry.plugin_of("vendors", "test-gateway") == "test-all"
    assert registry.plugin_of("dictionaries", "countries") == "core.catalogue.dictionaries.builtin"


def test_registries_follow_plugins_registered_and_removed(bo_register_plugin):
    assert "test-cash" not in registry.payment_systems()
    name = bo_register_plugin(Plugin(payment_systems=[Cash]), name="test-late")
    assert "test-cash" in registry.payment_systems()
    plugin_manager().unregister(name=name)
    assert "test-cash" not in registry.payment_systems()
    plugin_manager().register(Plugin(), name=name)  # the fixture unregisters it afterwards


def test_a_key_registered_twice_names_both_plugins(bo_register_plugin):
    bo_register_plugin(Plugin(payment_systems=[Cash]), name="first-pay")
    bo_register_plugin(Plugin(payment_systems=[Cash]), name="second-pay")
    with pytest.raises(PluginError) as caught:
        registry.payment_systems()
    assert "'test-cash'" in str(caught.value)
    assert "'first-pay'" in str(caught.value) and "'second-pay'" in str(caught.value)


@pytest.mark.parametrize(
    "returns, message",
    [
        ({"channels": [Chat]}, "uses dictionaries that no plugin registers: test-zones"),
        ({"vendors": [Gateway], "dictionaries": [Zones]}, "serves channel 'test-chat', which"),
        (
            {
                "channels": [type("OtherChat", (Chat,), {"vendor_types": ("someone-else",)})],
                "vendors": [Gateway],
                "dictionaries": [Zones],
            },
            "does not accept vendor type 'test-gateway'",
        ),
        ({"channels": [Gateway]}, "not a Channel subclass"),
        ({"channels": [type("Bad", (Chat,), {"key": "Bad Key"})]}, "key 'Bad Key'"),
        ({"themes": ["dark"]}, "not a Theme"),
    ],
)
def test_contradictions_fail_with_the_plugin_name(bo_register_plugin, returns, message):
    bo_register_plugin(Plugin(**returns), name="faulty")
    with pytest.raises(PluginError, match=message) as caught:
        registry.channels()
        registry.vendors()
        registry.themes()
    assert "'faulty'" in str(caught.value)


def test_a_hook_must_return_a_list(bo_register_plugin):
    bo_register_plugin(Plugin(dictionaries=Zones), name="not-a-list")
    with pytest.raises(PluginError, match="register_dictionaries must return a list"):
        registry.dictionaries()


def _write_module(tmp_path, name: str, body: str) -> None:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))


def test_a_misspelled_hook_implementation_is_an_error(tmp_path, monkeypatch):
    _write_module(
        tmp_path,
        "bo_typo_plugin",
        """
        from core.plugins.hookspecs import hookimpl

        @hookimpl
        def register_chanels():
            return []
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError, match="register_chanels"):
        build_plugin_manager(builtins=("bo_typo_plugin",))


def _install_entry_point(tmp_path, monkeypatch) -> None:
    """A distribution on sys.path declaring ``fake-ep`` in the ``backoffice.plugins`` group."""
    _write_module(
        tmp_path,
        "bo_fake_ep_plugin",
        """
        from core.plugins.declarations import Dictionary
        from core.plugins.hookspecs import hookimpl

        BACKOFFICE_API = ">=1,<2"

        class Colours(Dictionary):
            key = "ep-colours"
            name = "Colours"
            entries = [("red", "Red")]

        @hookimpl
        def register_dictionaries():
            return [Colours]
        """,
    )
    dist = tmp_path / "bo_fake_ep_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bo-fake-ep-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[backoffice.plugins]\nfake-ep = bo_fake_ep_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_entry_point_plugins_load_and_can_be_blocked_by_entry_point_name(tmp_path, monkeypatch):
    _install_entry_point(tmp_path, monkeypatch)
    pm = build_plugin_manager()
    assert pm.get_plugin("fake-ep").__name__ == "bo_fake_ep_plugin"
    assert pm.get_plugin("core.catalogue.dictionaries.builtin") is not None
    blocked = build_plugin_manager(disabled=("fake-ep",))
    assert blocked.get_plugin("fake-ep") is None and blocked.is_blocked("fake-ep")


def test_disabled_plugins_setting_blocks_builtins_and_entry_points(tmp_path, monkeypatch):
    _install_entry_point(tmp_path, monkeypatch)
    monkeypatch.setenv(
        "BACKOFFICE_DISABLED_PLUGINS", "core.catalogue.dictionaries.builtin, fake-ep"
    )
    get_settings.cache_clear()
    registry.reset(manager=True)
    try:
        pm = plugin_manager()
        assert pm.get_plugin("core.catalogue.dictionaries.builtin") is None
        assert pm.get_plugin("fake-ep") is None
        assert "countries" not in registry.dictionaries()
        monkeypatch.setenv("BACKOFFICE_DISABLED_PLUGINS", "fake-ep")
        get_settings.cache_clear()
        registry.reset(manager=True)
        assert {"countries", "networks"} <= set(registry.dictionaries())
        assert "ep-colours" not in registry.dictionaries()
    finally:
        monkeypatch.undo()  # env and sys.path first, so the rebuilt manager is the normal one
        get_settings.cache_clear()
        registry.reset(manager=True)
    assert plugin_manager().get_plugin("core.catalogue.dictionaries.builtin") is not None
    assert plugin_manager().get_plugin("fake-ep") is None


def test_a_new_plugin_object_at_a_reused_address_is_not_mistaken_for_the_old_one():
    """Registries are cached per set of plugins; ids of unregistered objects get reused."""
    pm = plugin_manager()
    for n in range(30):
        cash = type(f"Cash{n}", (Cash,), {"key": f"test-cash-{n}"})
        name = pm.register(Plugin(payment_systems=[cash]), name=f"reused-{n}")
        try:
            assert set(registry.payment_systems()) >= {f"test-cash-{n}"}
            assert not any(
                k.startswith("test-cash-") and k != f"test-cash-{n}"
                for k in registry.payment_systems()
            )
        finally:
            pm.unregister(name=name)


class BrandedChat(Chat):
    key = "test-branded"
    service_domain = "test_branded"  # one domain per channel: a rate tree names the domain
    sender_id_fields = (Field("brand", "string", "Brand name", required=True),)
    vendor_types = ()


def _gateway(*fields: Field) -> type[Vendor]:
    return type(
        "SenderGateway",
        (Vendor,),
        {
            "key": "test-sender-gw",
            "name": "G",
            "channels": ("test-branded",),
            "sender_id_fields": fields,
        },
    )


def test_a_sender_id_form_is_the_channels_fields_then_the_vendors(bo_register_plugin):
    vendor = _gateway(Field("account", "string", "Account at the gateway", required=True))
    bo_register_plugin(
        Plugin(channels=[BrandedChat], vendors=[vendor], dictionaries=[Zones]), name="sender"
    )
    form = sender_id_form(registry.channels()["test-branded"], registry.vendors()["test-sender-gw"])
    assert [f.name for f in form] == ["sender", "comment", "brand", "account"]
    assert validate_values(form, {"sender": "ACME", "brand": "Acme", "account": "a-1"})["account"]
    with pytest.raises(Invalid) as caught:
        validate_values(form, {"sender": "ACME"})
    assert {e["field"] for e in caught.value.errors} >= {"brand", "account"}


@pytest.mark.parametrize(
    "field, clash",
    [
        (Field("brand", "string", "Brand at the gateway"), "field 'brand' is declared twice"),
        (Field("sender", "string", "Sender"), "field 'sender' is declared twice"),
    ],
)
def test_a_vendor_field_redefining_its_channels_is_refused(bo_register_plugin, field, clash):
    bo_register_plugin(Plugin(channels=[BrandedChat], dictionaries=[Zones]), name="channel-pkg")
    bo_register_plugin(Plugin(vendors=[_gateway(field)]), name="vendor-pkg")
    with pytest.raises(PluginError, match=clash) as caught:
        registry.vendors()
    message = str(caught.value)
    assert "'vendor-pkg'" in message and "'channel-pkg'" in message
    assert "sender-ID form of channel 'test-branded' at vendor 'test-sender-gw'" in message
    lines, broken = check_report()
    assert broken >= 1 and any("CONFLICT vendors:" in line and clash in line for line in lines)


async def test_the_app_starts_and_logs_the_clash(bo_db, bo_register_plugin):
    from core.plugins.testing import running_app

    bo_register_plugin(Plugin(channels=[BrandedChat], dictionaries=[Zones]), name="channel-pkg")
    bo_register_plugin(Plugin(vendors=[_gateway(Field("brand", "string", "B"))]), name="vendor-pkg")
    seen: list[str] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: seen.append(record.getMessage())
    logging.getLogger("backoffice.plugins").addHandler(handler)  # the app configures the root
    try:
        async with running_app(run_jobs=False) as client:
            assert (await client.get("/health")).status_code == 200
    finally:
        logging.getLogger("backoffice.plugins").removeHandler(handler)
    conflicts = [m for m in seen if m.startswith("plugin conflict")]
    assert any("'vendor-pkg'" in m and "field 'brand' is declared twice" in m for m in conflicts)


class Letters(Chat):
    key = "test-letters"
    service_domain = "test_letters"
    vendor_types = ()


def test_a_vendor_adds_fields_on_one_of_its_channels_only(bo_register_plugin):
    waba = Field("waba_id", "string", "Business account id", required=True)
    vendor = type(
        "TwoChannelGateway",
        (Vendor,),
        {
            "key": "test-two",
            "name": "Two",
            "channels": ("test-branded", "test-letters"),
            "sender_id_fields": (Field("account", "string", "Account"),),
            "channel_sender_id_fields": {"test-letters": (waba,)},
        },
    )
    bo_register_plugin(
        Plugin(channels=[BrandedChat, Letters], vendors=[vendor], dictionaries=[Zones]), name="two"
    )
    known = registry.channels()
    branded = [f.name for f in sender_id_form(known["test-branded"], vendor)]
    letters = [f.name for f in sender_id_form(known["test-letters"], vendor)]
    assert branded == ["sender", "comment", "brand", "account"]
    assert letters == ["sender", "comment", "account", "waba_id"]


@pytest.mark.parametrize(
    "per_channel, message",
    [
        ({"test-elsewhere": ()}, "'test-elsewhere' is not one of its channels"),
        ({"test-branded": (Field("account", "string", "Again"),)}, "'account' is declared twice"),
        ({"test-branded": (Field("brand", "string", "Brand"),)}, "'brand' is declared twice"),
    ],
)
def test_per_channel_vendor_fields_are_checked(bo_register_plugin, per_channel, message):
    vendor = type(
        "PerChannel",
        (Vendor,),
        {
            "key": "test-per-channel",
            "name": "P",
            "channels": ("test-branded",),
            "sender_id_fields": (Field("account", "string", "Account"),),
            "channel_sender_id_fields": per_channel,
        },
    )
    bo_register_plugin(
        Plugin(channels=[BrandedChat], vendors=[vendor], dictionaries=[Zones]), name="per"
    )
    with pytest.raises(PluginError, match=message):
        registry.vendors()
