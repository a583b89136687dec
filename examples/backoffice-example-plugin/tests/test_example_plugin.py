"""The example plugin under BackOffice's contract suites and fixtures.

Run with ``pytest`` from this folder once BackOffice is installed; the ``bo_*`` fixtures come
from BackOffice's pytest plugin, and the database is a throw-away SQLite file.
"""

from __future__ import annotations

import json

import httpx
from backoffice_example_plugin import plugin
from backoffice_example_plugin.channel import ExampleSms, TrafficTypes
from backoffice_example_plugin.vendor import ExampleHttpVendor, sign

from core.plugins.contracts import ChannelContract, DictionaryContract, VendorContract
from core.plugins.testing import running_app
from core.plugins.values import OutboundMessage

SETTINGS = {
    "base_url": "https://gateway.example.test",
    "api_key": "key-0123456789abcdef",
    "webhook_secret": "whsec-0123456789abcdef",
}


def _gateway(request: httpx.Request) -> httpx.Response:
    assert request.headers["Authorization"] == f"Bearer {SETTINGS['api_key']}"
    return httpx.Response(201, json={"id": "gw-1", "status": "queued"})


class TestExampleSms(ChannelContract):
    plugin = plugin
    channel_class = ExampleSms


class TestTrafficTypes(DictionaryContract):
    plugin = plugin
    dictionary_class = TrafficTypes


class TestExampleHttpVendor(VendorContract):
    plugin = plugin
    vendor_class = ExampleHttpVendor
    settings = SETTINGS
    status_samples = {"queued": "accepted", "delivered": "delivered", "undeliverable": "failed"}
    _status = json.dumps({"type": "status", "id": "gw-1", "status": "delivered"}).encode()
    webhook_samples = [
        ({"X-Example-Signature": sign(SETTINGS["webhook_secret"], _status)}, _status)
    ]
    sample_message = OutboundMessage(
        message_id="m-1",
        channel="example-sms",
        sender="ACME",
        recipient="+15550100",
        body="hello",
        credentials={"account": "acme"},
    )

    def make_vendor(self):
        return ExampleHttpVendor(self.settings, transport=httpx.MockTransport(_gateway))


async def test_settings_schema_route_needs_a_token_and_answers_with_one(
    bo_register_plugin, bo_factory
):
    from core.plugins.manager import plugin_manager

    if not plugin_manager().is_registered(plugin):  # not pip-installed: register by hand
        bo_register_plugin(plugin, name="example")
    owner = await bo_factory.owner()
    token = await bo_factory.token(await bo_factory.user(owner))
    async with running_app() as client:
        assert (await client.get("/api/v1/plugins/example/settings-schema")).status_code == 401
        res = await client.get(
            "/api/v1/plugins/example/settings-schema", headers={"Authorization": f"Bearer {token}"}
        )
    assert res.status_code == 200, res.text
    assert res.json()["schema"]["required"] == ["base_url", "api_key", "webhook_secret"]
