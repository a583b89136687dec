"""What plugins declare: plain classes and dataclasses, no I/O at import time.

A plugin subclasses ``Channel``, ``Vendor``, ``PaymentSystem`` or ``Dictionary`` and fills in
class attributes; the registry calls ``validate_declaration()`` when it collects them, so a bad
declaration fails at start-up with the class name in the message, not in the middle of a send.
I/O lives in the async methods of vendors and payment systems.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from core.plugins.fields import DeclarationError, Field, check_fields, validate_values
from core.plugins.values import (
    Checkout,
    CheckoutRequest,
    OutboundMessage,
    PaymentEvent,
    RefundResult,
    SendResult,
    TestNotSupported,
    TestResult,
    WebhookEvent,
)

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Theme:
    """A UI theme: Jinja templates and static files, optionally extending a parent theme."""

    name: str
    label: str
    templates_dir: Path
    static_dir: Path | None = None
    parent: str | None = "default"


def _check_key_and_name(cls: type) -> None:
    key = getattr(cls, "key", "")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise DeclarationError(
            f"{cls.__qualname__}: key {key!r} must be lowercase letters, digits, '-' or '_' "
            "and start with a letter"
        )
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not name.strip():
        raise DeclarationError(f"{cls.__qualname__}: name must be a non-empty string")


def _not_implemented(obj: Any, method: str) -> NotImplementedError:
    return NotImplementedError(f"{obj.key or type(obj).__name__} does not implement {method}")


def _no_test(obj: Any) -> TestNotSupported:
    return TestNotSupported(f"a connection test is not supported by the plugin “{obj.name}”")


@dataclass(frozen=True)
class Attribute:
    """A rate-tree attribute of a resource; ``dictionary`` names where its values come from."""

    name: str
    label: str
    dictionary: str | None = None


# The attributes many channels rate by, declared once so every channel (bundled or third-party)
# names them with the same key, label and dictionary; a rate tree's keys are a public contract.
DIRECTION = Attribute("direction", "Direction (MT/MO)", dictionary="directions")
COUNTRY = Attribute("country", "Country", dictionary="countries")
MCC = Attribute("mcc", "Mobile country code (MCC)", dictionary="mcc")
NETWORK = Attribute("network", "Network (MCC-MNC)", dictionary="networks")
SENDER_ID = Attribute("sender_id", "Sender ID", dictionary=None)
SENDER_ID_TYPE = Attribute("sender_id_type", "Sender ID type", dictionary="sender_id_types")
PERIODICITY = Attribute("periodicity", "Periodicity", dictionary="periodicity")


@dataclass(frozen=True)
class Resource:
    """Something a channel sells and rates (an SMS, a session, a template message)."""

    key: str
    name: str
    attributes: tuple[Attribute, ...] = ()


COMMON_SENDER_ID_FIELDS: tuple[Field, ...] = (
    Field("sender", "string", "Sender ID", required=True, help="What recipients see as sender."),
    Field("comment", "string", "Comment", help="Why this sender ID is needed (for moderation)."),
)


class Channel:
    """A messaging channel (SMS, WhatsApp, ...) and what can be rated and sent on it."""

    key: ClassVar[str] = ""
    name: ClassVar[str] = ""
    service_domain: ClassVar[str] = ""
    resources: ClassVar[tuple[Resource, ...]] = ()
    sender_id_fields: ClassVar[tuple[Field, ...]] = ()
    vendor_types: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def all_sender_id_fields(cls) -> tuple[Field, ...]:
        """The common sender-ID fields followed by this channel's own."""
        return COMMON_SENDER_ID_FIELDS + tuple(cls.sender_id_fields)

    @classmethod
    def dictionary_keys(cls) -> set[str]:
        return {a.dictionary for r in cls.resources for a in r.attributes if a.dictionary}

    @classmethod
    def accepts_vendor(cls, vendor_key: str) -> bool:
        """An empty ``vendor_types`` lets any vendor that declares this channel serve it."""
        return not cls.vendor_types or vendor_key in cls.vendor_types

    @classmethod
    def validate_declaration(cls) -> None:
        _check_key_and_name(cls)
        where = cls.__qualname__
        # The domain key is what a rate-tree document names ("domain": "sms"), so it obeys
        # the same rule as every other key.
        if not isinstance(cls.service_domain, str) or not KEY_PATTERN.match(cls.service_domain):
            raise DeclarationError(
                f"{where}: service_domain {cls.service_domain!r} must be a key: lowercase "
                "letters, digits, '-' or '_', starting with a letter"
            )
        if not cls.resources:
            raise DeclarationError(f"{where}: declares no resources")
        resource_keys: set[str] = set()
        for resource in cls.resources:
            if not isinstance(resource, Resource):
                raise DeclarationError(f"{where}: {resource!r} is not a Resource")
            if not KEY_PATTERN.match(resource.key) or resource.key in resource_keys:
                raise DeclarationError(f"{where}: resource key {resource.key!r} invalid or reused")
            resource_keys.add(resource.key)
            names: set[str] = set()
            for attribute in resource.attributes:
                if not isinstance(attribute, Attribute):
                    raise DeclarationError(f"{where}: {attribute!r} is not an Attribute")
                if not attribute.name.isidentifier() or attribute.name in names:
                    raise DeclarationError(
                        f"{where}: attribute {attribute.name!r} of {resource.key!r} "
                        "must be a unique identifier"
                    )
                names.add(attribute.name)
        check_fields(cls.all_sender_id_fields(), f"{where}.sender_id_fields")
        for vendor in cls.vendor_types:
            if not isinstance(vendor, str) or not KEY_PATTERN.match(vendor):
                raise DeclarationError(f"{where}: vendor type {vendor!r} is not a valid key")


class Vendor:
    """A vendor type: connects to a provider to send messages on one or more channels.

    One instance is one configured connection; ``settings`` are already validated against
    ``settings_fields`` by the constructor.
    """

    key: ClassVar[str] = ""
    name: ClassVar[str] = ""
    channels: ClassVar[tuple[str, ...]] = ()
    settings_fields: ClassVar[tuple[Field, ...]] = ()
    sender_id_fields: ClassVar[tuple[Field, ...]] = ()
    # Sender-ID fields this vendor needs on one channel only (a WhatsApp business account id,
    # an RCS agent id), keyed by channel key; they follow ``sender_id_fields`` in the form.
    channel_sender_id_fields: ClassVar[Mapping[str, tuple[Field, ...]]] = {}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = validate_values(self.settings_fields, settings)

    @classmethod
    def sender_id_fields_for(cls, channel_key: str) -> tuple[Field, ...]:
        """The vendor's part of a sender ID's form on ``channel_key``."""
        return (*cls.sender_id_fields, *cls.channel_sender_id_fields.get(channel_key, ()))

    @classmethod
    def validate_declaration(cls) -> None:
        _check_key_and_name(cls)
        where = cls.__qualname__
        if not cls.channels:
            raise DeclarationError(f"{where}: declares no channels")
        if len(set(cls.channels)) != len(cls.channels):
            raise DeclarationError(f"{where}: a channel is listed twice")
        check_fields(cls.settings_fields, f"{where}.settings_fields")
        check_fields(cls.sender_id_fields, f"{where}.sender_id_fields")
        if not isinstance(cls.channel_sender_id_fields, Mapping):
            raise DeclarationError(f"{where}.channel_sender_id_fields must map channel keys")
        for channel_key in cls.channel_sender_id_fields:
            if channel_key not in cls.channels:
                raise DeclarationError(
                    f"{where}.channel_sender_id_fields: {channel_key!r} is not one of its channels"
                )
            check_fields(
                cls.sender_id_fields_for(channel_key),
                f"{where}.channel_sender_id_fields[{channel_key!r}]",
            )

    async def send(self, message: OutboundMessage) -> SendResult:
        """Hand one message to the provider; the result carries the provider's message id."""
        raise _not_implemented(self, "send")

    async def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Turn one inbound webhook call into status reports and inbound (MO) messages."""
        raise _not_implemented(self, "parse_webhook")

    async def map_status(self, vendor_status: str) -> str:
        """The BackOffice delivery status (``values.DELIVERY_STATUSES``) of a provider status."""
        raise _not_implemented(self, "map_status")

    async def test_connection(self) -> TestResult:
        """Optional: reach the provider with these settings, so a typo shows before a send."""
        raise _no_test(self)


def sender_id_form(channel: type[Channel], vendor: type[Vendor]) -> tuple[Field, ...]:
    """The fields of a sender ID on ``channel`` registered at ``vendor``: the channel's (the
    common ones first), then the vendor's (its fields for every channel, then those for this
    one), in one form and one namespace.

    The channel says what the sender ID is, the vendor what its provider needs to accept it;
    neither may redefine the other's field or group, because one value cannot satisfy two
    declarations. ``check_fields`` on the whole form refuses that (the registry runs it for
    every channel a vendor serves, at start-up and in ``backoffice plugins check``).
    """
    return check_fields(
        (*channel.all_sender_id_fields(), *vendor.sender_id_fields_for(channel.key)),
        f"sender-ID form of channel {channel.key!r} at vendor {vendor.key!r}",
    )


class PaymentSystem:
    """A payment provider: checkout creation, callback verification and refunds."""

    key: ClassVar[str] = ""
    name: ClassVar[str] = ""
    settings_fields: ClassVar[tuple[Field, ...]] = ()

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = validate_values(self.settings_fields, settings)

    @classmethod
    def validate_declaration(cls) -> None:
        _check_key_and_name(cls)
        check_fields(cls.settings_fields, f"{cls.__qualname__}.settings_fields")

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Start a payment at the provider and say where to send the payer."""
        raise _not_implemented(self, "create_checkout")

    async def verify_callback(self, headers: Mapping[str, str], body: bytes) -> PaymentEvent:
        """Check the provider's signature and return the event (``event_id`` for idempotency)."""
        raise _not_implemented(self, "verify_callback")

    async def refund(self, provider_reference: str, amount: Decimal, currency: str) -> RefundResult:
        """Give back ``amount`` of a captured payment."""
        raise _not_implemented(self, "refund")

    async def test_connection(self) -> TestResult:
        """Optional: reach the provider with these settings, so a typo shows before a payment."""
        raise _no_test(self)


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    extra: dict[str, Any] = field(default_factory=dict)


EntrySource = Iterable[tuple] | Callable[[], Iterable[tuple]]


class Dictionary:
    """Reference values for rate-tree attributes: ``(code, name, extra)`` rows, which
    ``/api/v1/dictionaries`` serves as values ``{key, label, extra}``.

    ``entries`` may be a callable so that large lists load on first use, not at start-up.
    ``searched`` names the ``extra`` fields a search reads besides the code and the name (a
    country's French name, a network's operator). ``source`` says where the values come from
    (a package and its version), shown in the dictionaries list; it may be a callable too.
    """

    key: ClassVar[str] = ""
    name: ClassVar[str] = ""
    entries: ClassVar[Any] = ()
    searched: ClassVar[tuple[str, ...]] = ()
    source: ClassVar[Any] = ""
    scoped: ClassVar[bool] = False

    @classmethod
    def validate_declaration(cls) -> None:
        _check_key_and_name(cls)
        if not (callable(cls.entries) or isinstance(cls.entries, list | tuple)):
            raise DeclarationError(f"{cls.__qualname__}: entries must be a list or a callable")
        if not isinstance(cls.searched, tuple) or not all(isinstance(f, str) for f in cls.searched):
            raise DeclarationError(f"{cls.__qualname__}: searched must be a tuple of field names")

    @classmethod
    def load(cls) -> tuple[Entry, ...]:
        """The entries, normalised and checked once, then cached on the class."""
        cached = cls.__dict__.get("_loaded")
        if cached is not None:
            return cached
        source = cls.entries() if callable(cls.entries) else cls.entries
        loaded = entries_of(cls, source)
        cls._by_code = {e.code: e for e in loaded}
        cls._loaded = loaded
        return loaded

    @classmethod
    def get(cls, code: str) -> Entry | None:
        """One entry by its code: a dict lookup, so a tree of 100,000 nodes resolves in
        100,000 steps, not 100,000 scans of the list."""
        cls.load()
        return cls.__dict__["_by_code"].get(code)

    @classmethod
    def forget(cls) -> None:
        """Drop the cached entries so the next use reads them again (a refreshed data set)."""
        for name in ("_loaded", "_by_code"):
            if name in cls.__dict__:
                delattr(cls, name)

    @classmethod
    def describe_source(cls) -> str:
        return cls.source() if callable(cls.source) else cls.source


class TenantDictionary(Dictionary):
    """A dictionary whose values differ by tenant and live in the database (e.g. the packs a
    company's services define): ``entries_for(scope)`` reads them for the caller's tenant.

    Never cached across requests, because another request may change the rows; the caller's
    ``core.tenants.Scope`` is the only way in, so one tenant never sees another's values.
    """

    scoped: ClassVar[bool] = True

    @classmethod
    def validate_declaration(cls) -> None:
        _check_key_and_name(cls)
        if cls.entries_for.__func__ is TenantDictionary.entries_for.__func__:
            raise DeclarationError(f"{cls.__qualname__}: a tenant dictionary defines entries_for")

    @classmethod
    async def entries_for(cls, scope: Any) -> tuple[Entry, ...]:
        """The tenant's ``(code, name, extra)`` rows, read within ``scope``."""
        raise _not_implemented(cls, "entries_for")

    @classmethod
    def load(cls) -> tuple[Entry, ...]:
        raise DeclarationError(f"{cls.__qualname__}: a tenant dictionary is read per tenant")

    @classmethod
    def get(cls, code: str) -> Entry | None:
        raise DeclarationError(f"{cls.__qualname__}: a tenant dictionary is read per tenant")


def entries_of(cls: type, source: Iterable[Any]) -> tuple[Entry, ...]:
    """Rows normalised into entries, each code once (a duplicate would make lookups ambiguous)."""
    loaded = tuple(_entry(cls, row) for row in source)
    if len({e.code for e in loaded}) != len(loaded):
        raise DeclarationError(f"{cls.__qualname__}: an entry code is listed twice")
    return loaded


def _entry(cls: type, row: Any) -> Entry:
    if isinstance(row, Entry):
        return row
    if not isinstance(row, tuple | list) or len(row) not in (2, 3):
        raise DeclarationError(f"{cls.__qualname__}: entry {row!r} is not (code, name, extra)")
    code, name, *rest = row
    if not isinstance(code, str) or not code or not isinstance(name, str):
        raise DeclarationError(f"{cls.__qualname__}: entry {row!r} needs a code and a name")
    return Entry(code, name, dict(rest[0]) if rest else {})
