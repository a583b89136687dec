"""Contract test suites that plugin authors subclass to check their declarations.

Subclass one per class you ship, name the subclass ``Test...`` and set the class attributes::

    class TestMyVendor(VendorContract):
        plugin = my_plugin_module          # registered for each test unless already installed
        vendor_class = MyVendor
        settings = {"base_url": "https://api.example.test", "api_key": "k" * 16}
        status_samples = {"DELIVRD": "delivered"}

The suites run under BackOffice's pytest plugin (``core.plugins.testing``), so the database
fixtures are available to any extra tests you add to the subclass.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest

from core.errors import DomainError, Invalid
from core.plugins import registry
from core.plugins.declarations import Channel, Dictionary, PaymentSystem, Vendor, sender_id_form
from core.plugins.fields import json_schema, validate_values
from core.plugins.values import DELIVERY_STATUSES, OutboundMessage, SendResult, WebhookEvent

_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey", "private")


class _PluginContract:
    plugin: ClassVar[Any] = None

    @pytest.fixture(autouse=True)
    def _contract_plugin(self):
        """Register ``plugin`` for one test when it is not installed through an entry point."""
        from core.plugins.manager import plugin_manager

        pm = plugin_manager()
        name = None
        if self.plugin is not None and not pm.is_registered(self.plugin):
            name = pm.register(self.plugin)
            pm.check_pending()
        yield
        if name is not None:
            pm.unregister(name=name)

    @staticmethod
    def _check_secret_naming(fields) -> None:
        for item in fields:
            if any(word in item.name.lower() for word in _SECRET_WORDS):
                assert item.secret, f"field {item.name!r} looks secret but is not secret=True"


class ChannelContract(_PluginContract):
    channel_class: ClassVar[type[Channel]]

    def test_declaration_is_valid(self):
        assert issubclass(self.channel_class, Channel)
        self.channel_class.validate_declaration()

    def test_plugin_registers_the_channel(self):
        assert registry.channels().get(self.channel_class.key) is self.channel_class

    def test_attribute_dictionaries_are_registered_and_load(self):
        known = registry.dictionaries()
        for key in self.channel_class.dictionary_keys():
            assert key in known, f"dictionary {key!r} is not registered"
            if not known[key].scoped:  # a tenant's dictionary may well be empty
                assert known[key].load(), f"dictionary {key!r} has no entries"

    def test_sender_id_form_includes_the_common_fields(self):
        schema = json_schema(self.channel_class.all_sender_id_fields())
        assert "sender" in schema["required"]
        self._check_secret_naming(self.channel_class.all_sender_id_fields())


class VendorContract(_PluginContract):
    vendor_class: ClassVar[type[Vendor]]
    settings: ClassVar[dict[str, Any]] = {}
    status_samples: ClassVar[dict[str, str]] = {}
    webhook_samples: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    sample_message: ClassVar[OutboundMessage | None] = None

    def make_vendor(self) -> Vendor:
        """Override to inject a fake transport so ``send`` can run without a network."""
        return self.vendor_class(self.settings)

    def test_declaration_is_valid(self):
        assert issubclass(self.vendor_class, Vendor)
        self.vendor_class.validate_declaration()
        self._check_secret_naming(self.vendor_class.settings_fields)
        for channel in self.vendor_class.channels:
            self._check_secret_naming(self.vendor_class.sender_id_fields_for(channel))

    def test_plugin_registers_the_vendor_for_registered_channels(self):
        assert registry.vendors().get(self.vendor_class.key) is self.vendor_class
        channels = registry.channels()
        for channel in self.vendor_class.channels:
            assert self.vendor_class.key in registry.vendors_for(channel)
            # one form per channel, with no field redefined (the registry refuses a clash)
            json_schema(sender_id_form(channels[channel], self.vendor_class))

    def test_sample_settings_are_valid_and_empty_settings_are_not(self):
        validate_values(self.vendor_class.settings_fields, self.settings)
        if any(f.required for f in self.vendor_class.settings_fields):
            with pytest.raises(Invalid):
                self.vendor_class({})

    def test_implements_every_vendor_method(self):
        for method in ("send", "parse_webhook", "map_status"):
            assert getattr(self.vendor_class, method) is not getattr(Vendor, method), method

    @pytest.mark.asyncio
    async def test_status_samples_map_to_delivery_statuses(self):
        assert self.status_samples, "declare status_samples: {vendor status: expected status}"
        vendor = self.make_vendor()
        for vendor_status, expected in self.status_samples.items():
            assert await vendor.map_status(vendor_status) == expected
        assert await vendor.map_status("no-such-status-from-the-contract") == "unknown"
        assert set(self.status_samples.values()) <= set(DELIVERY_STATUSES)

    @pytest.mark.asyncio
    async def test_webhook_samples_parse_to_events(self):
        if not self.webhook_samples:
            pytest.skip("no webhook_samples declared")
        vendor = self.make_vendor()
        for headers, body in self.webhook_samples:
            events = await vendor.parse_webhook(headers, body)
            assert events and all(isinstance(e, WebhookEvent) for e in events)

    @pytest.mark.asyncio
    async def test_hostile_webhook_calls_raise_client_errors(self):
        """A webhook is public: whatever a caller sends must end in a 4xx (a ``DomainError``),
        never a crash. Each sample is sent with non-ASCII header values (``hmac.compare_digest``
        refuses non-ASCII text), with its body and with one nested past the JSON parser's depth
        (for a vendor that parses before it checks the signature)."""
        if not self.webhook_samples:
            pytest.skip("no webhook_samples declared")
        vendor = self.make_vendor()
        for headers, body in self.webhook_samples:
            odd = {k: "\xe9" * 64 for k in headers} or {"x-signature": "\xe9"}
            with pytest.raises(DomainError):
                await vendor.parse_webhook(odd, body)
            with pytest.raises(DomainError):
                await vendor.parse_webhook(odd, b"[" * 100_000 + b"]" * 100_000)

    @pytest.mark.asyncio
    async def test_send_returns_a_result(self):
        if self.sample_message is None:
            pytest.skip("no sample_message declared")
        result = await self.make_vendor().send(self.sample_message)
        assert isinstance(result, SendResult) and result.vendor_message_id


class PaymentSystemContract(_PluginContract):
    payment_class: ClassVar[type[PaymentSystem]]
    settings: ClassVar[dict[str, Any]] = {}
    forged_callback: ClassVar[tuple[dict[str, str], bytes] | None] = None

    def make_payment_system(self) -> PaymentSystem:
        return self.payment_class(self.settings)

    def test_declaration_is_valid(self):
        assert issubclass(self.payment_class, PaymentSystem)
        self.payment_class.validate_declaration()
        self._check_secret_naming(self.payment_class.settings_fields)

    def test_plugin_registers_the_payment_system(self):
        assert registry.payment_systems().get(self.payment_class.key) is self.payment_class

    def test_sample_settings_are_valid(self):
        validate_values(self.payment_class.settings_fields, self.settings)

    def test_implements_every_payment_method(self):
        for method in ("create_checkout", "verify_callback", "refund"):
            assert getattr(self.payment_class, method) is not getattr(PaymentSystem, method)

    @pytest.mark.asyncio
    async def test_forged_callback_is_rejected(self):
        if self.forged_callback is None:
            pytest.skip("no forged_callback declared")
        headers, body = self.forged_callback
        with pytest.raises(DomainError):
            await self.make_payment_system().verify_callback(headers, body)


class DictionaryContract(_PluginContract):
    dictionary_class: ClassVar[type[Dictionary]]

    def test_declaration_is_valid_and_entries_load(self):
        assert issubclass(self.dictionary_class, Dictionary)
        self.dictionary_class.validate_declaration()
        if not self.dictionary_class.scoped:  # a tenant dictionary is read per tenant
            assert self.dictionary_class.load()

    def test_plugin_registers_the_dictionary(self):
        assert registry.dictionaries().get(self.dictionary_class.key) is self.dictionary_class


def _path_pattern(path: str) -> re.Pattern:
    """A litestar path as a regex: a parameter (``{note_id:int}``) matches one segment."""
    segments = path.rstrip("/").split("/")
    return re.compile("/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments))


class ExtensionContract(_PluginContract):
    """What a plugin adds around its declarations: routes, pages, menu entries, templates and
    migrated tables. Set ``plugin`` and ``name`` (the key its URLs use: the entry-point name).

    Each test looks only at what this plugin returned, so a plugin without pages (say) passes
    the page tests trivially.
    """

    name: ClassVar[str]

    @pytest.fixture(autouse=True)
    def _contract_plugin(self):
        from core.plugins.manager import plugin_manager

        pm = plugin_manager()
        registered = None
        if not pm.is_registered(self.plugin):
            registered = pm.register(self.plugin, name=self.name)
            pm.check_pending()
        yield
        if registered is not None:
            pm.unregister(name=registered)

    def _items(self, hook_name: str) -> list:
        from core.plugins.extension import by_plugin

        return [item for name, item in by_plugin(hook_name) if name == self.name]

    def test_the_name_can_be_a_url_segment(self):
        from core.plugins.extension import plugin_key

        plugin_key(self.name)

    def test_routes_and_pages_mount_with_declared_permissions(self):
        from core.plugins.routes import plugin_routes

        plugin_routes()  # raises PluginError naming a route without a permission

    def test_menu_entries_lead_to_pages_of_the_plugin_under_known_areas(self):
        from core.access.areas import all_areas
        from core.plugins.extension import MenuEntry

        pages = [
            _path_pattern(f"/p/{self.name}/{path.strip('/')}")
            for handler in self._items("register_pages")
            for path in handler.paths
        ]
        areas = all_areas()
        for entry in self._items("register_menu_entries"):
            assert isinstance(entry, MenuEntry)
            assert entry.area in areas, f"menu entry {entry.label!r}: unknown area {entry.area!r}"
            if entry.href.startswith(f"/p/{self.name}/"):
                href = entry.href.split("?")[0].rstrip("/")
                assert any(page.fullmatch(href) for page in pages), (
                    f"menu entry {entry.label!r} leads to {entry.href}, which no page serves"
                )

    def test_template_folders_exist_and_keep_templates_in_a_subfolder(self):
        from core.plugins.extension import PluginFiles

        for files in self._items("register_templates"):
            assert isinstance(files, PluginFiles)
            for folder in (files.templates_dir, files.static_dir):
                assert folder is None or folder.is_dir(), f"{folder} is not a folder"
            if files.templates_dir is not None:
                loose = [p.name for p in files.templates_dir.glob("*.html")]
                assert not loose, f"templates outside a sub-folder named after the plugin: {loose}"

    @pytest.mark.asyncio
    async def test_migrations_create_every_table_and_tables_name_their_owner(self):
        from core.db.migrate import migrate_plugins

        await migrate_plugins()
        for app in self._items("register_migrations"):
            for table in app.table_classes:
                assert await table.table_exists(), f"{table.__name__} was not created"
                owner = getattr(table, "__owner__", None)
                assert owner, f"{table.__name__} declares no __owner__"
                assert table._meta.get_column_by_name(owner) is not None


class EventSubscriberContract(_PluginContract):
    """Set ``plugin`` and ``samples``: ``{event name: a sample event}``; each subscribed job
    is called with the sample's payload, as ``core.events`` would queue it."""

    samples: ClassVar[dict[str, Any]] = {}

    def _subscriptions(self) -> list:
        from core.events.subscriptions import by_plugin
        from core.plugins.manager import plugin_manager

        name = plugin_manager().get_name(self.plugin)
        return [sub for plugin_name, sub in by_plugin() if plugin_name == name]

    def test_subscriptions_name_known_events_and_jobs(self):
        from core.events import EVENTS, Subscription

        subs = self._subscriptions()
        assert subs, "the plugin subscribes to no event"
        for sub in subs:
            assert isinstance(sub, Subscription) and sub.event in EVENTS

    @pytest.mark.asyncio
    async def test_jobs_accept_a_sample_payload(self, bo_db):
        import inspect

        from core.events import to_payload

        for sub in self._subscriptions():
            sample = self.samples.get(sub.event)
            if sample is None:
                pytest.fail(f"declare samples[{sub.event!r}]: an event to call the job with")
            result = sub.job.fn(to_payload(sample))
            if inspect.isawaitable(result):
                await result
