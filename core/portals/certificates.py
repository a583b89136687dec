"""TLS certificates of portals: checking an uploaded pair, and the plugin point for ACME.

An uploaded certificate is accepted only when it would actually work for the portal: it parses,
the private key belongs to it, it is valid now, and its subject alternative names cover the
portal's host (a wildcard covers exactly one label). Automatic issuance is not built in: the
``request_certificate`` hook lets a plugin do it, and without one the portal says so.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID

from core.errors import Invalid
from core.portals.domain import split_port

log = logging.getLogger(__name__)
MAX_PEM = 64 * 1024
NO_PLUGIN = (
    "No certificate plugin is installed, so no certificate is being requested. Install one, "
    "or switch to manual management and upload a certificate."
)
STATUSES = ("pending", "valid", "error", "expired")
# The hook is asked to answer quickly (enqueue the ACME work); one that does not is given up on
# rather than holding the request that saved the portal.
PLUGIN_TIMEOUT = 10.0


@dataclass(frozen=True)
class CheckedCertificate:
    certificate_pem: str
    private_key_pem: str
    subject: str
    expires_at: datetime


def _spki(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return [], []
    dns = [name.lower().rstrip(".") for name in san.get_values_for_type(x509.DNSName)]
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return dns, ips


def covers(cert: x509.Certificate, fqdn: str) -> bool:
    """Whether the certificate's SANs name the portal's host (``*.x.com`` covers ``a.x.com``)."""
    host = split_port(fqdn)[0].strip("[]").lower()
    dns, ips = _names(cert)
    try:
        return str(ipaddress.ip_address(host)) in ips
    except ValueError:
        pass
    for name in dns:
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _load_chain(text: str) -> list[x509.Certificate]:
    if not text.strip():
        raise Invalid.field("certificate_pem", "paste or upload the certificate (PEM)")
    if len(text) > MAX_PEM:
        raise Invalid.field("certificate_pem", "the certificate chain is larger than 64 KB")
    try:
        chain = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        chain = []
    if not chain:
        raise Invalid.field(
            "certificate_pem", "not a PEM certificate (-----BEGIN CERTIFICATE----- …)"
        )
    return chain


def _load_key(text: str):
    if not text.strip():
        raise Invalid.field("private_key_pem", "paste or upload the private key (PEM)")
    if len(text) > MAX_PEM:
        raise Invalid.field("private_key_pem", "the private key is larger than 64 KB")
    try:
        return serialization.load_pem_private_key(text.encode(), password=None)
    except TypeError:
        raise Invalid.field(
            "private_key_pem", "the private key is password-protected; upload it unencrypted"
        ) from None
    except (ValueError, x509.UnsupportedGeneralNameType) as exc:
        log.debug("unreadable private key: %s", exc)
        raise Invalid.field(
            "private_key_pem", "not a readable PEM private key (-----BEGIN PRIVATE KEY----- …)"
        ) from None


def check_pair(
    certificate_pem: str, private_key_pem: str, fqdn: str, now: datetime | None = None
) -> CheckedCertificate:
    """The pair, ready to store, or Invalid naming the first rule it breaks."""
    chain = _load_chain(certificate_pem)
    key = _load_key(private_key_pem)
    leaf = chain[0]
    if _spki(leaf.public_key()) != _spki(key.public_key()):
        raise Invalid.field(
            "private_key_pem", "this private key does not belong to the certificate"
        )
    now = now or datetime.now(UTC)
    if leaf.not_valid_after_utc <= now:
        raise Invalid.field(
            "certificate_pem", f"the certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d}"
        )
    if leaf.not_valid_before_utc > now:
        raise Invalid.field(
            "certificate_pem",
            f"the certificate is not valid before {leaf.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
        )
    if not covers(leaf, fqdn):
        dns, ips = _names(leaf)
        names = ", ".join([*dns, *ips]) or "no subject alternative names"
        raise Invalid.field(
            "certificate_pem",
            f"the certificate does not cover {split_port(fqdn)[0]} (it names {names})",
        )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    cert_pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)
    return CheckedCertificate(
        certificate_pem=cert_pem,
        private_key_pem=key_pem,
        subject=leaf.subject.rfc4514_string()[:500],
        expires_at=leaf.not_valid_after_utc,
    )


def still_covers(certificate_pem: str, fqdn: str) -> bool:
    """After a rename: does the stored certificate still name the portal's host?"""
    try:
        return covers(x509.load_pem_x509_certificates(certificate_pem.encode())[0], fqdn)
    except (ValueError, IndexError):
        return False


async def request_automatic(portal: dict) -> dict:
    """Ask the certificate plugin (if any) for a certificate; never raises for a plugin bug.

    pluggy hooks are synchronous and a plugin may do network I/O in one, so the hook runs in a
    worker thread and is waited for at most ``PLUGIN_TIMEOUT`` seconds: the event loop keeps
    serving other requests meanwhile, and a hung plugin costs one thread, not the server."""
    from core.plugins.manager import plugin_manager

    hook = plugin_manager().hook.request_certificate
    try:
        async with asyncio.timeout(PLUGIN_TIMEOUT):
            answer = await asyncio.to_thread(hook, portal=portal)
    except TimeoutError:
        log.error("certificate plugin gave no answer for portal %s in time", portal.get("id"))
        return {
            "status": "error",
            "message": f"The certificate plugin did not answer within {PLUGIN_TIMEOUT:g} "
            "seconds. Save the portal again to retry.",
        }
    except Exception as exc:
        log.exception("certificate plugin failed for portal %s", portal.get("id"))
        return {"status": "error", "message": f"The certificate plugin failed: {exc}"}
    if answer is None:
        return {"status": "pending", "message": NO_PLUGIN}
    if not isinstance(answer, dict) or answer.get("status") not in ("pending", "valid", "error"):
        return {
            "status": "error",
            "message": "The certificate plugin gave an answer BackOffice cannot read.",
        }
    return answer
