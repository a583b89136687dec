"""The example plugin under BackOffice's contract suites and fixtures.

Run with ``pytest`` from this folder once the package is installed next to BackOffice
(``pip install -e .``); the ``bo_*`` fixtures come from BackOffice's pytest plugin, and the
database is a throw-away SQLite file (or ``BACKOFFICE_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import httpx
import pytest
from backoffice_example_plugin import plugin
from backoffice_example_plugin.channel import ExampleSms, TrafficTypes
from backoffice_example_plugin.receipts import Receipt
from backoffice_example_plugin.vendor import ExampleHttpVendor, sign

from core.errors import Invalid
from core.plugins.contracts import (
    ChannelContract,
    DictionaryContract,
    ExtensionContract,
    VendorContract,
)
from core.plugins.instance_models import PluginInstance
from core.plugins.testing import AuthedClient, serve_in_loop, shared_app
from core.plugins.values import OutboundMessage, VendorError

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
RECEIPT = json.dumps({"type": "status", "id": "gw-1", "status": "delivered"}).encode()


def _gateway(request: httpx.Request) -> httpx.Response:
    assert request.headers["Authorization"] == f"Bearer {SETTINGS['api_key']}"
    return httpx.Response(201, json={"id": "gw-1", "status": "queued"})


def _ca_pem() -> bytes:
    """A self-signed CA certificate, made here so the test ships no key material."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example gateway CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _upload(data: bytes, filename: str = "ca.pem") -> dict:
    return {
        "filename": filename,
        "content_type": "application/x-pem-file",
        "data": base64.b64encode(data).decode(),
    }


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
    webhook_samples = [
        ({"X-Example-Signature": sign(SETTINGS["webhook_secret"], RECEIPT)}, RECEIPT)
    ]
    sample_message = MESSAGE

    def make_vendor(self):
        return ExampleHttpVendor(self.settings, transport=httpx.MockTransport(_gateway))


class TestExampleExtensions(ExtensionContract):
    plugin = plugin
    name = "example"


def test_the_ca_certificate_is_asked_for_only_when_trusting_an_own_ca():
    with pytest.raises(Invalid) as caught:
        ExampleHttpVendor({**SETTINGS, "tls_trust": "own_ca"})
    assert [e["field"] for e in caught.value.errors] == ["ca_certificate"]
    # with the system's authorities a certificate sent along is ignored, not stored
    kept = ExampleHttpVendor({**SETTINGS, "ca_certificate": _upload(_ca_pem())}).settings
    assert "ca_certificate" not in kept and kept["tls_trust"] == "system"


def test_the_ca_certificate_must_be_a_pem_file_of_limited_size():
    too_big = _upload(b"x" * (64 * 1024 + 1))
    wrong_type = {**_upload(_ca_pem()), "content_type": "image/png"}
    for upload in (too_big, wrong_type):
        with pytest.raises(Invalid):
            ExampleHttpVendor({**SETTINGS, "tls_trust": "own_ca", "ca_certificate": upload})


async def test_an_uploaded_ca_is_the_only_authority_trusted():
    vendor = ExampleHttpVendor(
        {**SETTINGS, "tls_trust": "own_ca", "ca_certificate": _upload(_ca_pem())}
    )
    assert len(vendor.tls_context().get_ca_certs()) == 1
    broken = ExampleHttpVendor(
        {**SETTINGS, "tls_trust": "own_ca", "ca_certificate": _upload(b"not a certificate")},
        transport=httpx.MockTransport(_gateway),
    )
    with pytest.raises(VendorError, match="not a PEM certificate") as caught:
        await broken.send(MESSAGE)
    assert caught.value.retryable is False


@pytest.fixture
async def client(bo_plugin):
    await bo_plugin(plugin, name="example")
    async with serve_in_loop(shared_app()) as client:
        yield client


async def _connection(bo_factory, client, company) -> tuple[AuthedClient, int]:
    api = AuthedClient(client, await bo_factory.token(await bo_factory.user(company)))
    res = await api.post(
        "/api/v1/vendor-connections",
        json={"name": "Gateway", "plugin": "example-http", "settings": SETTINGS},
    )
    assert res.status_code == 201, res.text
    return api, res.json()["id"]


def _signed(body: bytes, secret: str = SETTINGS["webhook_secret"]) -> dict:
    return {"X-Example-Signature": sign(secret, body), "Content-Type": "application/json"}


async def test_the_webhook_stores_signed_receipts_for_the_connections_company(client, bo_factory):
    a = await bo_factory.company(kind="reseller")
    _, connection = await _connection(bo_factory, client, a)
    url = f"/hooks/example/receipts/{connection}"
    res = await client.post(url, content=RECEIPT, headers=_signed(RECEIPT))
    assert res.status_code == 200, res.text
    assert res.json() == {"stored": 1, "ignored": 0}
    rows = await Receipt.select(Receipt.company, Receipt.status, Receipt.vendor_message_id)
    assert rows == [{"company": a["id"], "status": "delivered", "vendor_message_id": "gw-1"}]


async def test_the_webhook_refuses_forged_unknown_and_malformed_calls(client, bo_factory):
    _, connection = await _connection(bo_factory, client, await bo_factory.company(kind="reseller"))
    url = f"/hooks/example/receipts/{connection}"
    forged = await client.post(url, content=RECEIPT, headers=_signed(RECEIPT, "guessed"))
    assert forged.status_code == 401
    unknown = await client.post(
        f"/hooks/example/receipts/{connection + 1}", content=RECEIPT, headers=_signed(RECEIPT)
    )
    assert unknown.status_code == 404
    huge = await client.post(
        f"/hooks/example/receipts/{2**40}", content=RECEIPT, headers=_signed(RECEIPT)
    )
    assert huge.status_code == 404
    for body in (b"[1, 2]", b"{not json"):
        assert (await client.post(url, content=body, headers=_signed(body))).status_code == 422
    # settings that no longer open (another secret key) make the connection unusable: 404
    await PluginInstance.update({PluginInstance.settings: ""}).where(
        PluginInstance.id == connection
    )
    assert (await client.post(url, content=RECEIPT, headers=_signed(RECEIPT))).status_code == 404
    assert await Receipt.count() == 0


async def test_the_webhook_answers_hostile_calls_with_4xx_never_500(client, bo_factory):
    """Each of these answered 500 before: a header that is not ASCII, a signed body nested
    deeper than the JSON parser goes, a signed NUL (PostgreSQL cannot store it)."""
    _, connection = await _connection(bo_factory, client, await bo_factory.company(kind="reseller"))
    url = f"/hooks/example/receipts/{connection}"
    odd = await client.post(url, content=RECEIPT, headers=[("x-example-signature", b"\xc3\xa9")])
    assert odd.status_code == 401
    deep = b"[" * 100_000 + b"]" * 100_000
    nul = json.dumps({"id": "gw\u0000", "status": "delivered"}).encode()
    for body in (deep, nul):
        res = await client.post(url, content=body, headers=_signed(body))
        assert res.status_code == 422, res.text
        assert res.json()["errors"][0]["field"] == "body"
    assert await Receipt.count() == 0


async def test_the_receipts_page_lists_only_the_callers_company(client, bo_factory, bo_sign_in):
    a = await bo_factory.company(kind="reseller")
    b = await bo_factory.company(kind="reseller")
    _, connection = await _connection(bo_factory, client, a)
    res = await client.post(
        f"/hooks/example/receipts/{connection}", content=RECEIPT, headers=_signed(RECEIPT)
    )
    assert res.status_code == 200, res.text
    await bo_sign_in(client, await bo_factory.user(a))
    page = await client.get("/p/example/receipts")
    assert page.status_code == 200, page.text
    assert '<tr class="example-receipt">' in page.text and "gw-1" in page.text
    assert 'href="/p/example/receipts"' in page.text  # the menu entry
    await bo_sign_in(client, await bo_factory.user(b))
    other = await client.get("/p/example/receipts")
    assert other.status_code == 200 and "gw-1" not in other.text


async def test_settings_schema_route_needs_a_token_and_answers_with_one(client, bo_factory):
    token = await bo_factory.token(await bo_factory.user(await bo_factory.owner()))
    assert (await client.get("/api/v1/plugins/example/settings-schema")).status_code == 401
    res = await client.get(
        "/api/v1/plugins/example/settings-schema", headers={"Authorization": f"Bearer {token}"}
    )
    assert res.status_code == 200, res.text
    assert res.json()["schema"]["required"] == ["base_url", "api_key", "webhook_secret"]
