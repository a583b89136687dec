"""Portals of the caller's company and of the companies it created: list, read, write, delete.

The scope is ``tenants.scope.in_scope`` (own portals plus those of direct children); a foreign
id is a 404 like a missing one. New portals start as drafts; "error" is only ever set by a
failed domain check (see ``actions``). Every write is audited in its transaction, without the
secret columns, and forgets this process's cached branding for the portal's host names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from core.access.guards import refuse_client_writes
from core.accounts.legal_entities.models import LegalEntity
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.auth.secrets import encrypt
from core.db.engine import transaction
from core.db.rows import Columnar
from core.db.search import matches
from core.errors import Conflict, Invalid, NotFound
from core.portals import certificates
from core.portals.domain import backoffice_url
from core.portals.rules import clean_values
from core.portals.schemas import PortalCreate, PortalOut, PortalReferences, PortalUpdate
from core.portals.uploads import SLOTS
from core.web.listing import Cursors, ListQuery, fetch_batch, fetch_page
from tenants.models import Company, Portal
from tenants.scope import Scope, in_scope

TABLE = "portals"
SECRET_PURPOSE = "portal-secrets"
STATUSES = ("draft", "active", "error")
EDITABLE = (
    "name",
    "fqdn",
    "status",
    "theme",
    "title",
    "languages",
    "primary_color",
    "login_descriptions",
    "display_branding",
    "shortener_domain",
    "intercom_enabled",
    "intercom_app_id",
    "support_email",
    "certificate_mode",
)
AUDITED = [
    Portal.id,
    Portal.company,
    *(getattr(Portal, name) for name in EDITABLE),
    Portal.intercom_secret,
    Portal.domain_status,
    Portal.certificate_status,
    Portal.certificate_subject,
    Portal.certificate_expires_at,
    *(getattr(Portal, slot) for slot in SLOTS),
]
OUT_COLUMNS = [
    *AUDITED,
    Portal.company.name.as_alias("company_name"),
    Portal.domain_message,
    Portal.domain_checked_at,
    Portal.certificate_message,
    Portal.created_by,
    Portal.created_by.email.as_alias("created_by_email"),
    Portal.updated_by,
    Portal.updated_by.email.as_alias("updated_by_email"),
    Portal.created_at,
    Portal.updated_at,
]
SORTABLE = {
    "id": Portal.id,
    "name": Portal.name,
    "fqdn": Portal.fqdn,
    "company": Portal.sort_company,
    "status": Portal.status,
    "created_at": Portal.created_at,
    "updated_at": Portal.updated_at,
}
JSON_FIELDS = ("languages", "login_descriptions")


@dataclass(frozen=True)
class PortalFilters:
    q: str | None = None
    company_id: int | None = None
    status: str | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(matches([Portal.name, Portal.fqdn], self.q))
        if self.company_id is not None:
            clauses.append(Portal.company == self.company_id)
        if self.status:
            if self.status not in STATUSES:
                raise Invalid.field("status", f"must be one of: {', '.join(STATUSES)}")
            clauses.append(Portal.status == self.status)
        return clauses


def now() -> datetime:
    return datetime.now().astimezone()


def _json(value: Any, fallback: Any) -> Any:
    if isinstance(value, str):
        try:
            value = msgspec.json.decode(value)  # several times faster: lists decode every row
        except msgspec.DecodeError:
            return fallback
    return value if isinstance(value, type(fallback)) else fallback


def decoded(row: dict) -> dict:
    """A row with its JSON columns as Python values (drivers differ in what they hand back)."""
    return {
        **row,
        "languages": _json(row.get("languages"), []),
        "login_descriptions": _json(row.get("login_descriptions"), {}),
    }


def audit_view(row: dict) -> dict:
    """The audited columns, plus whether a secret is set (never the secret itself)."""
    view = snapshot(Portal, decoded(row))
    view.pop("certificate_pem", None)  # public but long; subject and expiry say enough
    view["intercom_secret_set"] = bool(row.get("intercom_secret"))
    return view


def db_values(values: dict) -> dict:
    return {k: json.dumps(v) if k in JSON_FIELDS else v for k, v in values.items()}


def to_out(row: dict) -> PortalOut:
    row = decoded(row)
    return PortalOut(
        id=row["id"],
        company_id=row["company"],
        company_name=row["company_name"],
        name=row["name"],
        fqdn=row["fqdn"],
        backoffice_url=backoffice_url(row["fqdn"]),
        status=row["status"],
        theme=row["theme"],
        title=row["title"],
        languages=row["languages"],
        primary_color=row["primary_color"],
        login_descriptions=row["login_descriptions"],
        display_branding=row["display_branding"],
        shortener_domain=row["shortener_domain"],
        intercom_enabled=row["intercom_enabled"],
        intercom_app_id=row["intercom_app_id"],
        intercom_secret_set=bool(row["intercom_secret"]),
        support_email=row["support_email"],
        domain_status=row["domain_status"],
        domain_message=row["domain_message"],
        domain_checked_at=row["domain_checked_at"],
        certificate_mode=row["certificate_mode"],
        certificate_status=row["certificate_status"],
        certificate_message=row["certificate_message"],
        certificate_subject=row["certificate_subject"],
        certificate_expires_at=row["certificate_expires_at"],
        files=[slot for slot in SLOTS if row[slot]],
        created_by_id=row["created_by"],
        created_by=row["created_by_email"],
        updated_by_id=row["updated_by"],
        updated_by=row["updated_by_email"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_portals(
    scope: Scope, filters: PortalFilters, query: ListQuery
) -> tuple[list[PortalOut], int, Cursors]:
    rows, total, cursors = await page_rows(scope, filters, query)
    return [to_out(r) for r in rows], total, cursors


async def page_rows(
    scope: Scope, filters: PortalFilters, query: ListQuery
) -> tuple[list[dict], int, Cursors]:
    """The list's rows as read: shared by the list and its CSV export (``core.portals.export``),
    so both read the same rows."""
    where = [in_scope(Portal, scope), *filters.clauses()]
    return await fetch_page(Portal, OUT_COLUMNS, where, query, SORTABLE)


async def batch_columns(scope: Scope, filters: PortalFilters, query: ListQuery) -> Columnar:
    """An export's batch (``query.resume``) of ``page_rows``'s rows, as columns."""
    where = [in_scope(Portal, scope), *filters.clauses()]
    return await fetch_batch(Portal, OUT_COLUMNS, where, query, SORTABLE)


async def portal_row(scope: Scope, portal_id: int, *columns) -> dict:
    row = (
        await Portal.select(*columns).where(Portal.id == portal_id, in_scope(Portal, scope)).first()
    )
    if row is None:
        raise NotFound(f"portal {portal_id} not found")
    return row


async def get_portal(scope: Scope, portal_id: int) -> PortalOut:
    return to_out(await portal_row(scope, portal_id, *OUT_COLUMNS))


def refuse_client(scope: Scope) -> None:
    """Portals are offered by resellers and the system owner; a client company only reads."""
    if scope.company_kind == "client":
        refuse_client_writes(scope, "portals")


async def _target_company(scope: Scope, company_id: int | None) -> int:
    if company_id is None or company_id == scope.company_id:
        return scope.company_id
    if not await Company.exists().where(
        Company.id == company_id, Company.parent == scope.company_id
    ):
        raise Invalid.field(
            "company_id", "choose your own company or one of the companies you created"
        )
    return company_id


async def _unique_fqdn(fqdn: str, portal_id: int | None) -> None:
    query = Portal.exists().where(Portal.fqdn == fqdn)
    if portal_id is not None:
        query = query.where(Portal.id != portal_id)
    if await query:
        message = f"{fqdn} is already used by another portal"
        raise Conflict(f"fqdn: {message}", [{"field": "fqdn", "message": message}])


def _certificate_after_change(old: dict, values: dict) -> dict:
    """Certificate fields that follow from a mode or name change (automatic runs after commit)."""
    mode, renamed = values["certificate_mode"], values["fqdn"] != old["fqdn"]
    if mode == "automatic" and (old["certificate_mode"] != "automatic" or renamed):
        return {
            "certificate_status": "pending",
            "certificate_message": "Waiting for a certificate to be requested.",
            "certificate_pem": "",
            "certificate_key": "",
            "certificate_subject": "",
            "certificate_expires_at": None,
        }
    if mode == "manual" and old["certificate_mode"] != "manual":
        return {
            "certificate_status": "pending",
            "certificate_message": "Upload the certificate and its private key.",
        }
    stale = renamed and old.get("certificate_pem")
    if mode == "manual" and stale and not certificates.still_covers(stale, values["fqdn"]):
        return {
            "certificate_status": "error",
            "certificate_message": (
                f"The uploaded certificate does not cover {values['fqdn']}; upload one that does."
            ),
        }
    return {}


def _domain_after_rename(old: dict, values: dict) -> dict:
    if values["fqdn"] == old["fqdn"]:
        return {}
    return {"domain_status": "unchecked", "domain_message": "", "domain_checked_at": None}


def forget_cached(*hosts: str) -> None:
    from core.web.themes import forget_portal

    for host in hosts:
        if host:
            forget_portal(host)


async def create_portal(ctx: AuditContext, scope: Scope, data: PortalCreate) -> PortalOut:
    values = msgspec.structs.asdict(data)
    company_id = values.pop("company_id")
    secret = values.pop("intercom_secret").strip()
    values = clean_values(values)
    async with transaction():
        refuse_client(scope)
        company_id = await _target_company(scope, company_id)
        await _unique_fqdn(values["fqdn"], None)
        portal = Portal(
            company=company_id,
            **db_values(values),
            intercom_secret=encrypt(secret, SECRET_PURPOSE) if secret else "",
            certificate_status="pending",
            certificate_message=(
                "Upload the certificate and its private key."
                if values["certificate_mode"] == "manual"
                else "Waiting for a certificate to be requested."
            ),
            domain_status="unchecked",
            created_by=ctx.user_id,
            updated_by=ctx.user_id,
        )
        await portal.save()
        row = await Portal.select(*AUDITED).where(Portal.id == portal.id).first()
        change = Change(TABLE, "insert", portal.id, {}, audit_view(row), company_id)
        await record_event(ctx, "Portal created", [change])
    forget_cached(values["fqdn"])
    if values["certificate_mode"] == "automatic":
        from core.portals.actions import request_certificate

        await request_certificate(ctx, portal.id)
    return await get_portal(scope, portal.id)


async def update_portal(
    ctx: AuditContext, scope: Scope, portal_id: int, data: PortalUpdate
) -> PortalOut:
    async with transaction():
        old = decoded(await portal_row(scope, portal_id, *AUDITED, Portal.certificate_pem))
        refuse_client(scope)
        values = {k: old[k] for k in EDITABLE}
        secret = old["intercom_secret"]
        for key, value in msgspec.structs.asdict(data).items():
            if value is msgspec.UNSET:
                continue
            if key == "intercom_secret":
                secret = encrypt(value.strip(), SECRET_PURPOSE) if value.strip() else ""
            else:
                values[key] = value
        values = clean_values(values)  # an unchanged status keeps "error" until a check
        await _unique_fqdn(values["fqdn"], portal_id)
        values.update(_certificate_after_change(old, values))
        values.update(_domain_after_rename(old, values))
        values["intercom_secret"] = secret
        before_view = audit_view(old)
        after_view = audit_view({**old, **values})
        before, after = diff(before_view, after_view)
        changed = {k for k in values if k in old and old[k] != values[k]} | (set(values) - set(old))
        if changed:
            stored = db_values({k: values[k] for k in changed})
            await Portal.update(
                {getattr(Portal, k): v for k, v in stored.items()}
                | {Portal.updated_at: now(), Portal.updated_by: ctx.user_id}
            ).where(Portal.id == portal_id)
            change = Change(TABLE, "update", portal_id, before, after, old["company"])
            await record_event(ctx, "Portal updated", [change])
    forget_cached(old["fqdn"], values["fqdn"])
    renamed = values["fqdn"] != old["fqdn"]
    switched = old["certificate_mode"] != values["certificate_mode"]
    if values["certificate_mode"] == "automatic" and (renamed or switched):
        from core.portals.actions import request_certificate

        await request_certificate(ctx, portal_id)
    return await get_portal(scope, portal_id)


async def references(scope: Scope, portal_id: int) -> PortalReferences:
    """What points at the portal; deleting it empties those links (the FKs set null)."""
    await portal_row(scope, portal_id, Portal.id)
    return PortalReferences(
        legal_entities=await LegalEntity.count().where(LegalEntity.portal == portal_id),
        companies=await Company.count().where(Company.portal == portal_id),
    )


async def delete_portal(ctx: AuditContext, scope: Scope, portal_id: int) -> PortalReferences:
    async with transaction():
        old = await portal_row(scope, portal_id, *AUDITED)
        refuse_client(scope)
        unlinked = await references(scope, portal_id)
        await Portal.delete().where(Portal.id == portal_id)
        change = Change(TABLE, "delete", portal_id, audit_view(old), {}, old["company"])
        await record_event(ctx, "Portal deleted", [change])
    forget_cached(old["fqdn"])
    from core.portals.files import drop_files

    await drop_files([old[slot] for slot in SLOTS])
    return unlinked


async def company_choices(scope: Scope) -> list[dict]:
    """The caller's company first, then the companies it created."""
    own = await Company.select(Company.id, Company.name).where(Company.id == scope.company_id)
    children = await (
        Company.select(Company.id, Company.name)
        .where(Company.parent == scope.company_id)
        .order_by(Company.name)
    )
    return [*own, *children]


def theme_choices() -> list[tuple[str, str]]:
    from core.web.themes import all_themes

    return sorted(((t.name, t.label) for t in all_themes().values()), key=lambda t: t[1])
