"""Declaration base classes: validation at registration, and honest not-implemented errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.plugins.declarations import (
    Attribute,
    Channel,
    Dictionary,
    PaymentSystem,
    Resource,
    Vendor,
)
from core.plugins.fields import DeclarationError, Field
from core.plugins.values import CheckoutRequest, OutboundMessage, SendResult, WebhookEvent


class GoodChannel(Channel):
    key = "good"
    name = "Good"
    service_domain = "messaging"
    resources = (Resource("sms", "SMS", (Attribute("country", "Country", "countries"),)),)


def _channel(**attrs) -> type[Channel]:
    return type("BadChannel", (GoodChannel,), attrs)


@pytest.mark.parametrize(
    "attrs, message",
    [
        ({"key": ""}, "key ''"),
        ({"key": "Has Space"}, "key 'Has Space'"),
        ({"name": ""}, "name must be"),
        ({"service_domain": ""}, "service_domain"),
        ({"resources": ()}, "no resources"),
        ({"resources": (Resource("a", "A"), Resource("a", "A2"))}, "reused"),
        (
            {"resources": (Resource("a", "A", (Attribute("x", "X"), Attribute("x", "Y"))),)},
            "unique identifier",
        ),
        ({"sender_id_fields": (Field("sender", "string", "Again"),)}, "declared twice"),
        ({"sender_id_fields": ("sender",)}, "not a core.plugins.fields.Field"),
        ({"vendor_types": ("Bad Vendor",)}, "vendor type"),
    ],
)
def test_bad_channel_declarations_are_refused(attrs, message):
    with pytest.raises(DeclarationError, match=message):
        _channel(**attrs).validate_declaration()


def test_channel_sender_id_fields_start_with_the_common_ones():
    channel = _channel(sender_id_fields=(Field("brand", "string", "Brand"),))
    channel.validate_declaration()
    assert [f.name for f in channel.all_sender_id_fields()] == ["sender", "comment", "brand"]
    assert channel.dictionary_keys() == {"countries"}
    assert channel.accepts_vendor("anything")
    assert not _channel(vendor_types=("one",)).accepts_vendor("two")


class BareVendor(Vendor):
    key = "bare"
    name = "Bare"
    channels = ("good",)
    settings_fields = (Field("token", "secret", "Token", required=True),)


class BarePayments(PaymentSystem):
    key = "bare-pay"
    name = "Bare payments"


async def test_base_methods_say_which_plugin_lacks_what():
    vendor = BareVendor({"token": "t"})
    message = OutboundMessage("m", "good", "ACME", "+1555", "hi")
    with pytest.raises(NotImplementedError, match="bare does not implement send"):
        await vendor.send(message)
    with pytest.raises(NotImplementedError, match="bare does not implement parse_webhook"):
        await vendor.parse_webhook({}, b"")
    with pytest.raises(NotImplementedError, match="bare does not implement map_status"):
        await vendor.map_status("x")
    payments = BarePayments({})
    checkout = CheckoutRequest("r1", Decimal("10.00"), "EUR")
    with pytest.raises(NotImplementedError, match="bare-pay does not implement create_checkout"):
        await payments.create_checkout(checkout)
    with pytest.raises(NotImplementedError, match="bare-pay does not implement verify_callback"):
        await payments.verify_callback({}, b"")
    with pytest.raises(NotImplementedError, match="bare-pay does not implement refund"):
        await payments.refund("p", Decimal("1"), "EUR")


def test_vendor_settings_are_validated_on_construction():
    from core.errors import Invalid

    with pytest.raises(Invalid, match="token: is required"):
        BareVendor({})
    assert BareVendor({"token": "t"}).settings == {"token": "t"}
    with pytest.raises(DeclarationError, match="no channels"):
        type("NoChannels", (BareVendor,), {"channels": ()}).validate_declaration()
    with pytest.raises(DeclarationError, match="listed twice"):
        type("Twice", (BareVendor,), {"channels": ("a", "a")}).validate_declaration()


def test_money_and_statuses_in_values_are_checked():
    with pytest.raises(TypeError, match="Decimal"):
        CheckoutRequest("r", 10.5, "EUR")
    with pytest.raises(ValueError, match="status"):
        SendResult("id", status="lost")
    with pytest.raises(ValueError, match="vendor_message_id"):
        WebhookEvent(kind="status", status="delivered")


def test_dictionary_entries_load_lazily_once_and_are_checked():
    calls = []

    def load():
        calls.append(1)
        return [("a", "A"), ("b", "B", {"n": 1})]

    class Lazy(Dictionary):
        key = "lazy"
        name = "Lazy"
        entries = staticmethod(load)

    Lazy.validate_declaration()
    assert calls == []
    assert [e.code for e in Lazy.load()] == ["a", "b"] and Lazy.get("b").extra == {"n": 1}
    Lazy.load()
    assert calls == [1]

    class Duplicated(Dictionary):
        key = "dup"
        name = "Dup"
        entries = [("a", "A"), ("a", "again")]

    with pytest.raises(DeclarationError, match="listed twice"):
        Duplicated.load()

    class NotRows(Dictionary):
        key = "rows"
        name = "Rows"
        entries = ["just-a-string"]

    with pytest.raises(DeclarationError, match="not \\(code, name, extra\\)"):
        NotRows.load()
