"""The example plugin package, loaded from its source folder (never pip-installed here).

Its classes go through the contract suites plugin authors subclass, its route is served by the
app once the module is registered, and its vendor speaks to a mocked gateway.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

EXAMPLE_SRC = Path(__file__).resolve().parents[1] / "examples/backoffice-example-plugin/src"
if str(EXAMPLE_SRC) not in sys.path:
    sys.path.insert(0, str(EXAMPLE_SRC))

from backoffice_example_plugin import plugin  # noqa: E402
from backoffice_example_plugin.channel import ExampleSms, TrafficTypes  # noqa: E402
from backoffice_example_plugin.vendor import ExampleHttpVendor, sign  # noqa: E402

from core.errors import Invalid, Unauthorized  # noqa: E402
from core.plugins.contracts import (  # noqa: E402
    ChannelContract,
    DictionaryContract,
    VendorContract,
)
from core.plugins.testing import serve_in_loop  # noqa: E402
from core.plugins.values import OutboundMessage, VendorError  # noqa: E402

SETTINGS = {
    "base_url": "https://gateway.example.test",
    "api_key": "key-0123456789abcdef",
    "webhook_secret": "whsec-0123456789abcdef",
}
MESSAGE = OutboundMessage(
    message_id="m-1",
    channel="example-sms",
    sender="ACME",
    recipient="+15550100",
    body="hello",
    credentials={"account": "acme"},
)
STATUS_BODY = json.dumps({"type": "status", "id": "gw-1", "status": "delivered"}).encode()


def _gateway(status: int = 201, body: dict | None = None, seen: list | None = None):
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body or {"id": "gw-1", "status": "queued"})

    return httpx.MockTransport(handle)


class TestExampleChannelContract(ChannelContract):
    plugin = plugin
    channel_class = ExampleSms


class TestExampleDictionaryContract(DictionaryContract):
    plugin = plugin
    dictionary_class = TrafficTypes


class TestExampleVendorContract(VendorContract):
    plugin = plugin
    vendor_class = ExampleHttpVendor
    settings = SETTINGS
    status_samples = {"queued": "accepted", "delivered": "delivered", "expired": "expired"}
    webhook_samples = [
        ({"X-Example-Signature": sign(SETTINGS["webhook_secret"], STATUS_BODY)}, STATUS_BODY)
    ]
    sample_message = MESSAGE

    def make_vendor(self):
        return ExampleHttpVendor(self.settings, transport=_gateway())


async def test_vendor_posts_the_message_with_its_key():
    seen: list[httpx.Request] = []
    vendor = ExampleHttpVendor(SETTINGS, transport=_gateway(seen=seen))
    result = await vendor.send(MESSAGE)
    assert result.vendor_message_id == "gw-1" and result.status == "accepted"
    assert seen[0].url == "https://gateway.example.test/messages"
    assert seen[0].headers["authorization"] == "Bearer key-0123456789abcdef"
    assert json.loads(seen[0].content) == {
        "account": "acme",
        "from": "ACME",
        "to": "+15550100",
        "text": "hello",
        "reference": "m-1",
    }


@pytest.mark.parametrize("status, retryable", [(400, False), (429, True), (503, True)])
async def test_vendor_errors_say_whether_to_retry(status, retryable):
    vendor = ExampleHttpVendor(SETTINGS, transport=_gateway(status=status, body={"e": 1}))
    with pytest.raises(VendorError) as caught:
        await vendor.send(MESSAGE)
    assert caught.value.retryable is retryable


async def test_webhooks_need_the_signature_and_parse_inbound_messages():
    vendor = ExampleHttpVendor(SETTINGS)
    with pytest.raises(Unauthorized):
        await vendor.parse_webhook({"X-Example-Signature": "forged"}, STATUS_BODY)
    inbound = json.dumps({"type": "inbound", "from": "+1555", "to": "ACME", "text": "STOP"})
    signed = {"x-example-signature": sign(SETTINGS["webhook_secret"], inbound.encode())}
    [event] = await vendor.parse_webhook(signed, inbound.encode())
    assert (event.kind, event.sender, event.body) == ("inbound", "+1555", "STOP")


async def test_hostile_webhook_calls_are_refused_not_crashed():
    """A non-ASCII signature header, a signed body nested past the parser's depth and a
    signed NUL character each made the webhook answer 500 (issue 11 attack pass)."""
    vendor = ExampleHttpVendor(SETTINGS)
    for forged in ("\xff\xfe", "é" * 64):
        with pytest.raises(Unauthorized):
            await vendor.parse_webhook({"X-Example-Signature": forged}, STATUS_BODY)

    def signed(body: bytes) -> dict:
        return {"x-example-signature": sign(SETTINGS["webhook_secret"], body)}

    deep = b"[" * 100_000 + b"]" * 100_000
    nul = json.dumps({"id": "gw\u0000", "status": "delivered"}).encode()
    nul_key = json.dumps({"status": "sent", "x": [{"\u0000": 1}]}).encode()
    for body, words in ((deep, "is not JSON"), (nul, "NUL"), (nul_key, "NUL")):
        with pytest.raises(Invalid) as caught:
            await vendor.parse_webhook(signed(body), body)
        assert caught.value.errors[0]["field"] == "body"
        assert words in caught.value.errors[0]["message"]


def test_example_plugin_declares_a_core_api_range_this_core_meets():
    from core.plugins import compat

    assert plugin.BACKOFFICE_API == ">=1,<2"
    assert compat.incompatibility(plugin) is None


async def test_example_route_is_served_once_the_module_is_registered(
    bo_register_plugin, bo_factory
):
    from core.web.app import create_app

    bo_register_plugin(plugin, name="example")
    token = await bo_factory.token(await bo_factory.user(await bo_factory.owner()))
    async with serve_in_loop(create_app()) as client:
        assert (await client.get("/api/v1/plugins/example/settings-schema")).status_code == 401
        res = await client.get(
            "/api/v1/plugins/example/settings-schema", headers={"Authorization": f"Bearer {token}"}
        )
        listed = await client.get(
            "/api/v1/dictionaries", headers={"Authorization": f"Bearer {token}"}
        )
    assert res.status_code == 200, res.text
    schema = res.json()["schema"]
    assert res.json()["vendor"] == "example-http"
    assert schema["properties"]["api_key"]["writeOnly"] is True
    assert schema["properties"]["timeout_seconds"]["default"] == 10
    listed = {i["key"]: i for i in listed.json()["items"]}
    assert listed["example-traffic-types"]["label"] == "Traffic types"


async def test_the_receipts_menu_entry_is_marked_current_on_its_page(
    bo_register_plugin, bo_factory
):
    """The plugin's template does not set ``active``: its entry was never marked current."""
    from test_ui_helpers import sign_in

    from core.db.migrate import migrate_plugins
    from core.web.app import create_app
    from core.web.themes import reset_theme_cache

    bo_register_plugin(plugin, name="example")
    reset_theme_cache()  # the plugin's template folder joins environments built from now on
    await migrate_plugins()
    try:
        async with serve_in_loop(create_app()) as client:
            await sign_in(client, await bo_factory.user(await bo_factory.owner()))
            receipts = await client.get("/p/example/receipts")
            home = await client.get("/")
    finally:
        reset_theme_cache()
    assert receipts.status_code == 200, receipts.text
    current = 'href="/p/example/receipts" class="menu-link active" aria-current="page"'
    assert current in receipts.text
    assert 'href="/p/example/receipts" class="menu-link">' in home.text
    assert home.text.count('aria-current="page"') == 1  # home's own entry, not the plugin's
