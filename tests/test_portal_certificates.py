"""Portal certificates: manual upload checks, and automatic mode through ``request_certificate``.

Certificates are generated here with ``cryptography`` (self-signed or signed by a throw-away
CA); no key file is ever written to the repository.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from core.audit.models import AuditChange
from core.auth.secrets import decrypt
from core.plugins.hookspecs import hookimpl
from core.portals.certificates import NO_PLUGIN
from tenants.models import Portal

API = "/api/v1/portals"
FQDN = "portal.hooves.example"


def _pem_key(key, password: bytes | None = None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def make_pair(
    names: tuple[str, ...] = (FQDN,),
    *,
    days: tuple[int, int] = (-1, 90),
    issuer: tuple | None = None,
    rsa_key: bool = False,
) -> tuple[str, str, object]:
    """``(certificate PEM, key PEM, key)``; ``issuer=(cert, key)`` signs with a CA."""
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "x")])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    cert = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key), (cert, key)


async def _portal(bo_factory, bo_api, **fields):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.post(API, json={"name": "P", "fqdn": FQDN, **fields})
    assert res.status_code == 201, res.text
    return api, res.json()


async def test_manual_upload_with_chain_is_stored_and_the_key_encrypted(bo_factory, bo_api):
    api, portal = await _portal(bo_factory, bo_api, certificate_mode="manual")
    assert portal["certificate_status"] == "pending"
    assert "Upload the certificate" in portal["certificate_message"]
    ca_pem, _, ca = make_pair(("Test CA",), days=(-10, 3650))
    leaf_pem, key_pem, _ = make_pair((FQDN, "www." + FQDN), issuer=ca, rsa_key=True)
    res = await api.put(
        f"{API}/{portal['id']}/certificate",
        json={"certificate_pem": leaf_pem + ca_pem, "private_key_pem": key_pem},
    )
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["certificate_mode"] == "manual" and out["certificate_status"] == "valid"
    assert out["certificate_subject"] == f"CN={FQDN}"
    assert out["certificate_expires_at"][:4] >= str(datetime.now(UTC).year)
    assert not [k for k in out if "key" in k or "pem" in k] and "PRIVATE" not in res.text
    row = (
        await Portal.select(Portal.certificate_pem, Portal.certificate_key)
        .where(Portal.id == portal["id"])
        .first()
    )
    assert row["certificate_pem"].count("BEGIN CERTIFICATE") == 2
    assert "PRIVATE KEY" not in row["certificate_key"]
    assert "PRIVATE KEY" in decrypt(row["certificate_key"], "portal-secrets")
    for change in await AuditChange.select().where(AuditChange.table_name == "portals"):
        assert "PRIVATE KEY" not in change["new_values"] + change["old_values"]


async def test_every_certificate_rule_has_a_clear_message(bo_factory, bo_api):
    api, portal = await _portal(bo_factory, bo_api, certificate_mode="manual")
    url = f"{API}/{portal['id']}/certificate"
    good_cert, good_key, (cert, key) = make_pair()
    _, other_key, _ = make_pair()
    expired_cert, expired_key, _ = make_pair(days=(-30, -1))
    future_cert, future_key, _ = make_pair(days=(5, 90))
    wrong_cert, wrong_key, _ = make_pair(("other.example.com", "*.hooves.example.net"))
    bare_cert, bare_key, _ = make_pair(())
    deep_cert, deep_key, _ = make_pair(("*.example",))
    cases = [
        ("", good_key, "certificate_pem", "paste or upload the certificate"),
        ("not a certificate", good_key, "certificate_pem", "not a PEM certificate"),
        (good_cert, "", "private_key_pem", "paste or upload the private key"),
        (good_cert, "-----BEGIN PRIVATE KEY-----\nnope\n", "private_key_pem", "not a readable"),
        (good_cert, _pem_key(key, b"pw"), "private_key_pem", "password-protected"),
        (good_cert, other_key, "private_key_pem", "does not belong to the certificate"),
        (expired_cert, expired_key, "certificate_pem", "expired on"),
        (future_cert, future_key, "certificate_pem", "not valid before"),
        (wrong_cert, wrong_key, "certificate_pem", f"does not cover {FQDN}"),
        (bare_cert, bare_key, "certificate_pem", "no subject alternative names"),
        (deep_cert, deep_key, "certificate_pem", "does not cover"),  # a wildcard is one label
    ]
    for cert_pem, key_pem, field, message in cases:
        res = await api.put(url, json={"certificate_pem": cert_pem, "private_key_pem": key_pem})
        assert res.status_code == 422, (message, res.text)
        error = res.json()["errors"][0]
        assert error["field"] == field and message in error["message"], (message, error)
    res = await api.put(url, json={"certificate_pem": good_cert})
    assert res.status_code == 400 and res.json()["errors"][0]["field"] == "private_key_pem"
    row = await Portal.select(Portal.certificate_status).where(Portal.id == portal["id"]).first()
    assert row["certificate_status"] == "pending"  # nothing was stored by the failures


async def test_wildcards_cover_one_label_and_renames_are_rechecked(bo_factory, bo_api):
    api, portal = await _portal(bo_factory, bo_api, certificate_mode="manual")
    cert_pem, key_pem, _ = make_pair(("*.hooves.example",))
    url = f"{API}/{portal['id']}"
    res = await api.put(
        f"{url}/certificate", json={"certificate_pem": cert_pem, "private_key_pem": key_pem}
    )
    assert res.status_code == 200 and res.json()["certificate_status"] == "valid"
    res = await api.patch(url, json={"fqdn": "shop.hooves.example"})
    assert res.json()["certificate_status"] == "valid"  # still covered by the wildcard
    res = await api.patch(url, json={"fqdn": "a.shop.hooves.example"})
    assert res.json()["certificate_status"] == "error"
    assert "does not cover a.shop.hooves.example" in res.json()["certificate_message"]
    res = await api.patch(url, json={"certificate_mode": "automatic"})
    out = res.json()
    assert out["certificate_status"] == "pending" and out["certificate_subject"] == ""
    row = await Portal.select(Portal.certificate_pem).where(Portal.id == portal["id"]).first()
    assert row["certificate_pem"] == ""  # the manual certificate is dropped


async def test_automatic_without_a_plugin_stays_pending(bo_factory, bo_api):
    _, portal = await _portal(bo_factory, bo_api)
    assert portal["certificate_mode"] == "automatic"
    assert portal["certificate_status"] == "pending"
    assert portal["certificate_message"] == NO_PLUGIN


class PendingPlugin:
    def __init__(self) -> None:
        self.asked: list[dict] = []

    @hookimpl
    def request_certificate(self, portal):
        self.asked.append(portal)
        return {"status": "pending", "message": "Order 42 placed with the ACME server."}


class IssuingPlugin:
    @hookimpl
    def request_certificate(self, portal):
        cert_pem, key_pem, _ = make_pair((portal["fqdn"],))
        return {
            "status": "valid",
            "message": "issued",
            "certificate_pem": cert_pem,
            "private_key_pem": key_pem,
        }


class BrokenPlugin:
    @hookimpl
    def request_certificate(self, portal):
        raise RuntimeError("ACME directory unreachable")


class NonsensePlugin:
    @hookimpl
    def request_certificate(self, portal):
        return {"status": "fantastic"}


async def test_request_certificate_hook_is_called_on_save(bo_factory, bo_api, bo_register_plugin):
    plugin = PendingPlugin()
    bo_register_plugin(plugin, name="acme-test")
    api, portal = await _portal(bo_factory, bo_api)
    assert portal["certificate_status"] == "pending"
    assert portal["certificate_message"] == "Order 42 placed with the ACME server."
    assert plugin.asked == [
        {"id": portal["id"], "company_id": portal["company_id"], "name": "P", "fqdn": FQDN}
    ]
    await api.patch(f"{API}/{portal['id']}", json={"title": "No new request"})
    assert len(plugin.asked) == 1  # only a new name or a mode switch asks again
    await api.patch(f"{API}/{portal['id']}", json={"fqdn": "new." + FQDN})
    assert [p["fqdn"] for p in plugin.asked] == [FQDN, "new." + FQDN]


async def test_request_certificate_answers_valid_broken_or_unreadable(
    bo_factory, bo_api, bo_register_plugin
):
    bo_register_plugin(IssuingPlugin(), name="acme-issuing")
    api, portal = await _portal(bo_factory, bo_api)
    assert portal["certificate_status"] == "valid" and portal["certificate_subject"] == f"CN={FQDN}"


async def test_request_certificate_failures_become_error_status(
    bo_factory, bo_api, bo_register_plugin
):
    name = bo_register_plugin(BrokenPlugin(), name="acme-broken")
    api, portal = await _portal(bo_factory, bo_api)
    assert portal["certificate_status"] == "error"
    assert "ACME directory unreachable" in portal["certificate_message"]
    from core.plugins.manager import plugin_manager

    plugin_manager().unregister(name=name)
    bo_register_plugin(NonsensePlugin(), name="acme-nonsense")
    res = await api.post(API, json={"name": "Q", "fqdn": "q.hooves.example"})
    assert res.json()["certificate_status"] == "error"
    assert "cannot read" in res.json()["certificate_message"]
