"""What a portal does beyond its fields: the domain check and certificate management.

A failed domain check (the name does not resolve, or resolves elsewhere) puts the portal into
"error" so it stops being served; a successful one takes it out of "error" back to "draft",
for the user to activate again on purpose. "not_configured" (a gap in this platform's set-up) and
"timeout" (DNS too slow to answer) judge nothing and leave the status alone.
"""

from __future__ import annotations

import msgspec

from core.audit.recorder import AuditContext, Change, diff, record_event
from core.auth.secrets import encrypt
from core.db.engine import transaction
from core.errors import Invalid
from core.portals import certificates, domain
from core.portals.schemas import CertificateUpload, PortalOut
from core.portals.service import (
    SECRET_PURPOSE,
    TABLE,
    forget_cached,
    get_portal,
    now,
    portal_row,
    refuse_client,
)
from tenants.models import Portal
from tenants.scope import Scope

FAILED = ("mismatch", "unresolved")


async def check_domain(ctx: AuditContext, scope: Scope, portal_id: int) -> PortalOut:
    row = await portal_row(scope, portal_id, Portal.fqdn)
    refuse_client(scope)
    result = await domain.check(row["fqdn"])  # outside the transaction: DNS may take seconds
    async with transaction():
        old = await portal_row(
            scope, portal_id, Portal.company, Portal.fqdn, Portal.status, Portal.domain_status
        )
        if old["fqdn"] != row["fqdn"]:
            raise Invalid.field("fqdn", "the domain name changed during the check; check again")
        status = old["status"]
        if result.status in FAILED:
            status = "error"
        elif result.status == "ok" and status == "error":
            status = "draft"
        new = {"domain_status": result.status, "status": status}
        await Portal.update(
            {
                Portal.domain_status: result.status,
                Portal.domain_message: result.message,
                Portal.domain_checked_at: now(),
                Portal.status: status,
            }
        ).where(Portal.id == portal_id)
        before, after = diff({"domain_status": old["domain_status"], "status": old["status"]}, new)
        after["domain_message"] = result.message
        await record_event(
            ctx,
            "Portal domain checked",
            [Change(TABLE, "update", portal_id, before, after, old["company"])],
        )
    forget_cached(row["fqdn"])
    return await get_portal(scope, portal_id)


async def _store_certificate(
    ctx: AuditContext, portal_id: int, fields: dict, action: str, company_id: int
) -> None:
    """Write certificate fields and audit them (the key itself is never in the log)."""
    hidden = ("certificate_pem", "certificate_key", "updated_at", "updated_by")
    audited = {k: v for k, v in fields.items() if k not in hidden}
    if "certificate_expires_at" in audited and audited["certificate_expires_at"] is not None:
        audited["certificate_expires_at"] = audited["certificate_expires_at"].isoformat()
    await Portal.update({getattr(Portal, k): v for k, v in fields.items()}).where(
        Portal.id == portal_id
    )
    await record_event(ctx, action, [Change(TABLE, "update", portal_id, {}, audited, company_id)])


def _stored(checked: certificates.CheckedCertificate) -> dict:
    return {
        "certificate_status": "valid",
        "certificate_message": f"Valid until {checked.expires_at:%Y-%m-%d %H:%M} UTC.",
        "certificate_pem": checked.certificate_pem,
        "certificate_key": encrypt(checked.private_key_pem, SECRET_PURPOSE),
        "certificate_subject": checked.subject,
        "certificate_expires_at": checked.expires_at,
    }


async def upload_certificate(
    ctx: AuditContext, scope: Scope, portal_id: int, data: CertificateUpload
) -> PortalOut:
    """Manual mode: the uploaded pair replaces the stored one once every check passes."""
    async with transaction():
        row = await portal_row(scope, portal_id, Portal.company, Portal.fqdn)
        refuse_client(scope)
        checked = certificates.check_pair(data.certificate_pem, data.private_key_pem, row["fqdn"])
        fields = {"certificate_mode": "manual", **_stored(checked)}
        fields["updated_at"], fields["updated_by"] = now(), ctx.user_id
        await _store_certificate(
            ctx, portal_id, fields, "Portal certificate uploaded", row["company"]
        )
    return await get_portal(scope, portal_id)


async def request_certificate(ctx: AuditContext, portal_id: int) -> None:
    """Automatic mode, after a save: ask the plugin and record its answer."""
    row = (
        await Portal.select(
            Portal.id, Portal.company, Portal.name, Portal.fqdn, Portal.certificate_mode
        )
        .where(Portal.id == portal_id)
        .first()
    )
    if row is None or row["certificate_mode"] != "automatic":
        return
    answer = await certificates.request_automatic(
        {"id": row["id"], "company_id": row["company"], "name": row["name"], "fqdn": row["fqdn"]}
    )
    fields = {
        "certificate_status": answer["status"],
        "certificate_message": str(answer.get("message") or "")[:2000],
    }
    if answer["status"] == "valid":
        try:
            checked = certificates.check_pair(
                str(answer.get("certificate_pem") or ""),
                str(answer.get("private_key_pem") or ""),
                row["fqdn"],
            )
            fields = _stored(checked)
        except Invalid as exc:
            fields = {
                "certificate_status": "error",
                "certificate_message": f"The plugin's certificate was refused: {exc.detail}",
            }
    async with transaction():
        await _store_certificate(
            ctx, portal_id, fields, "Portal certificate requested", row["company"]
        )


def as_upload(certificate_pem: str, private_key_pem: str) -> CertificateUpload:
    return msgspec.convert(
        {"certificate_pem": certificate_pem, "private_key_pem": private_key_pem},
        CertificateUpload,
    )
