"""Apply a ``tenant.toml`` to the database: idempotent, all or nothing, audited.

Rows are matched by natural keys (company name under its parent, portal host name, legal
entity name within its company, invitation by email, plugin by name); only what differs is
written, and nothing the file does not mention is ever deleted, so the same file can be applied
on every deploy. Companies and legal entities go through their services so the tree rules and
the one-default rule hold exactly as in the API. The whole file runs in one transaction; a dry
run is that same transaction rolled back, so it reports what a real run would do.
Invitation emails are queued only after the commit, never for a rolled-back invitation.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from piccolo.columns.combination import WhereRaw

from core.accounts.bootstrap import ensure_system_owner
from core.accounts.companies.schemas import CompanyCreate, CompanyUpdate
from core.accounts.companies.service import create_company, update_company
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.legal_entities.schemas import (
    LegalEntityCreate,
    LegalEntityUpdate,
    OwnLegalEntityCreate,
)
from core.accounts.legal_entities.service import create_legal_entity, update_legal_entity
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.auth.secrets import SecretUnreadable, decrypt, encrypt
from core.db.engine import transaction
from core.errors import DomainError
from core.events import announce
from core.mail import dispatch_email
from core.plugins.models import CompanyPlugin
from core.users import invitations, rules
from core.users.models import Invitation
from tenants.models import Company, Portal
from tenants.scope import Scope
from tenants.spec import UNSET, CompanySpec, OwnerSpec, PortalSpec, SpecError, TenantFile, load

KINDS = ("companies", "portals", "legal_entities", "invitations", "plugins")
ACTOR_LABEL = "tenants sync"
# Plugin settings get their own key (HKDF label), apart from TOTP seeds and other secrets.
SETTINGS_PURPOSE = "company-plugin-settings"
COMPANY_FIELDS = ("creator_of_resellers", "two_factor_required", "description")
PORTAL_FIELDS = ("theme", "title", "primary_color", "support_email", "status")
PORTAL_AUDITED = [
    Portal.id,
    Portal.company,
    Portal.name,
    Portal.fqdn,
    Portal.theme,
    Portal.title,
    Portal.status,
    Portal.primary_color,
    Portal.support_email,
]


@dataclass
class Summary:
    """Created / updated / unchanged counts per kind of object."""

    dry_run: bool = False
    counts: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in KINDS})

    def note(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for c in self.counts.values())

    def lines(self) -> list[str]:
        head = "dry run, nothing was written:" if self.dry_run else "tenant file applied:"
        return [
            head,
            *(
                f"  {kind.replace('_', ' ')}: {c['created']} created, {c['updated']} updated, "
                f"{c['unchanged']} unchanged"
                for kind, c in self.counts.items()
            ),
        ]


class _RollBack(Exception):
    """Raised at the end of a dry run so the transaction undoes everything it did."""


async def sync_path(
    path: str | Path, *, dry_run: bool = False, env: Mapping[str, str] | None = None
) -> Summary:
    """Validate the file (raising ``SpecError`` with TOML paths), then apply it."""
    return await apply(load(path, env), dry_run=dry_run)


async def apply(spec: TenantFile, *, dry_run: bool = False) -> Summary:
    summary = Summary(dry_run=dry_run)
    syncer = _Syncer(summary)
    try:
        async with transaction():
            await syncer.run(spec)
            if dry_run:
                raise _RollBack
    except _RollBack:
        return summary
    for email_id in syncer.emails:
        await dispatch_email(email_id)
    await _after_portal_writes(syncer)
    return summary


async def _after_portal_writes(syncer: _Syncer) -> None:
    """What the portal service does after a save, done once the sync has committed: cached
    branding of changed hosts is dropped and new portals ask for their certificate."""
    from core.portals.actions import request_certificate
    from core.portals.service import forget_cached

    forget_cached(*syncer.hosts)
    for portal_id in syncer.new_portals:
        await request_certificate(syncer.ctx, portal_id)


def _at(path: str, exc: DomainError) -> SpecError:
    """A service's error, re-addressed to the place in the file that caused it."""
    problems = [(f"{path}.{e['field']}", e["message"]) for e in exc.errors if e.get("field")]
    return SpecError.of(problems or [(path, exc.detail)])


class _Syncer:
    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.emails: list[int] = []
        self.new_portals: list[int] = []
        self.hosts: list[str] = []
        self.ctx: AuditContext | None = None

    async def run(self, spec: TenantFile) -> None:
        owner = await ensure_system_owner()
        self.ctx = AuditContext(company_id=owner["id"], user_id=None, user_label=ACTOR_LABEL, ip="")
        if spec.owner is not None:
            await self.extras(owner, None, spec.owner, "owner")
        for index, company in enumerate(spec.companies):
            await self.company(owner, company, f"companies[{index}]")

    async def company(self, parent: dict, spec: CompanySpec, path: str) -> None:
        scope = Scope.of(parent)
        row = (
            await Company.select()
            .where(Company.parent == parent["id"], WhereRaw("LOWER(name) = LOWER({})", spec.name))
            .first()
        )
        wanted = {"name": spec.name, "type": spec.type}
        wanted |= {k: getattr(spec, k) for k in COMPANY_FIELDS if getattr(spec, k) is not UNSET}
        try:
            if row is None:
                company_id = (await create_company(self.ctx, scope, CompanyCreate(**wanted))).id
                self.summary.note("companies", "created")
            else:
                company_id = row["id"]
                current = {**row, "type": row["kind"]}
                changes = {k: v for k, v in wanted.items() if current[k] != v}
                if changes:
                    await update_company(self.ctx, scope, company_id, CompanyUpdate(**changes))
                self.summary.note("companies", "updated" if changes else "unchanged")
        except DomainError as exc:
            raise _at(path, exc) from None
        company = await Company.select().where(Company.id == company_id).first()
        await self.extras(company, parent, spec, path)
        for index, child in enumerate(spec.companies):
            await self.company(company, child, f"{path}.companies[{index}]")

    async def extras(
        self, company: dict, parent: dict | None, spec: CompanySpec | OwnerSpec, path: str
    ) -> None:
        """Portals, legal entities, admins and plugins of one company, in that order."""
        for index, portal in enumerate(spec.portals):
            await self.portal(company, portal, f"{path}.portals[{index}]")
        for index, entity in enumerate(spec.legal_entities):
            try:
                await self.legal_entity(company, parent, entity)
            except DomainError as exc:
                raise _at(f"{path}.legal_entities[{index}]", exc) from None
        for index, admin in enumerate(spec.admins):
            await self.admin(company, admin.email, f"{path}.admins[{index}]")
        for name, table in spec.plugins.items():
            await self.plugin(company, name, table)

    async def portal(self, company: dict, spec: PortalSpec, path: str) -> None:
        """Portal rows are written here, not through ``core.portals.service``: its create asks
        the certificate plugin before returning, which inside this one transaction would run
        before the commit (and even in a dry run). The host-name rule is the service's own
        (see ``tenants.spec``); the certificate request follows the commit instead."""
        row = await Portal.select(*PORTAL_AUDITED).where(Portal.fqdn == spec.fqdn).first()
        wanted = {"name": spec.name}
        wanted |= {k: getattr(spec, k) for k in PORTAL_FIELDS if getattr(spec, k) is not UNSET}
        if row is None:
            portal = Portal(
                **{"status": "draft", "title": spec.name, **wanted},
                company=company["id"],
                fqdn=spec.fqdn,
                certificate_message="Waiting for a certificate to be requested.",
            )
            await portal.save()
            new = await Portal.select(*PORTAL_AUDITED).where(Portal.id == portal.id).first()
            change = Change("portals", "insert", portal.id, {}, snapshot(Portal, new))
            await self._record("Portal created", company, change)
            self.summary.note("portals", "created")
            self.new_portals.append(portal.id)
            self.hosts.append(spec.fqdn)
            return
        if row["company"] != company["id"]:
            raise SpecError.of([(f"{path}.fqdn", "already used by a portal of another company")])
        before, after = diff(snapshot(Portal, row), snapshot(Portal, {**row, **wanted}))
        if after:
            await Portal.update(
                {getattr(Portal, k): v for k, v in after.items()}
                | {Portal.updated_at: datetime.now().astimezone()}
            ).where(Portal.id == row["id"])
            change = Change("portals", "update", row["id"], before, after)
            await self._record("Portal updated", company, change)
            self.hosts.append(spec.fqdn)
        self.summary.note("portals", "updated" if after else "unchanged")

    async def legal_entity(self, company: dict, parent: dict | None, spec) -> None:
        """Through the service: the owner's as its own entities, others' as their tenant's
        client entities (so client companies get theirs too)."""
        realm = "own" if parent is None else "clients"
        scope = Scope.of(company if parent is None else parent)
        row = (
            await LegalEntity.select()
            .where(
                LegalEntity.company == company["id"],
                WhereRaw("LOWER(name) = LOWER({})", spec.name),
            )
            .first()
        )
        wanted = {"name": spec.name, "legal_name": spec.legal_name, "country": spec.country}
        if spec.is_default is not UNSET:
            wanted["is_default"] = spec.is_default
        if row is None:
            data = {**wanted, "is_default": wanted.get("is_default", False)}
            if realm == "own":
                created = await create_legal_entity(
                    self.ctx, scope, realm, OwnLegalEntityCreate(**data)
                )
            else:
                created = await create_legal_entity(
                    self.ctx, scope, realm, LegalEntityCreate(company_id=company["id"], **data)
                )
            self.summary.note("legal_entities", "created")
            # The first entity of a company becomes its default; the file may say otherwise.
            if wanted.get("is_default") is False and created.is_default:
                update = LegalEntityUpdate(is_default=False)
                await update_legal_entity(self.ctx, scope, realm, created.id, update)
            return
        changes = {k: v for k, v in wanted.items() if row[k] != v}
        if changes:
            update = LegalEntityUpdate(**changes)
            await update_legal_entity(self.ctx, scope, realm, row["id"], update)
        self.summary.note("legal_entities", "updated" if changes else "unchanged")

    async def admin(self, company: dict, email: str, path: str) -> None:
        """An invitation, unless the person already has an account or an open invitation.

        A revoked invitation stays revoked (someone decided that); an expired one is renewed
        with a fresh link, as "resend" would.
        """
        if await rules.email_taken(email):
            self.summary.note("invitations", "unchanged")
            return
        row = await (
            Invitation.select(*invitations.AUDITED)
            .where(Invitation.email == email)
            .order_by(Invitation.id, ascending=False)
            .first()
        )
        status = invitations.effective_status(row) if row else None
        if row and row["company"] != company["id"]:
            if status == "invited":
                message = "already has a pending invitation to another company"
                raise SpecError.of([(f"{path}.email", message)])
            row = None
        if row and status in ("invited", "revoked", "accepted"):
            self.summary.note("invitations", "unchanged")
            return
        token, token_hash, expires = invitations.new_token()
        if row:  # expired: a new link, the old one stays dead
            values = {"token_hash": token_hash, "expires_at": expires, "status": "invited"}
            await Invitation.update(
                {getattr(Invitation, k): v for k, v in values.items()}
                | {Invitation.updated_at: invitations.now()}
            ).where(Invitation.id == row["id"])
            before, after = diff(snapshot(Invitation, row), snapshot(Invitation, {**row, **values}))
            change = Change("invitations", "update", row["id"], before, after)
            await self._record("Invitation resent", company, change)
            self.summary.note("invitations", "updated")
        else:
            invitation = Invitation(
                company=company["id"],
                email=email,
                group="portal" if company["kind"] == "client" else "backoffice",
                role=None,
                is_admin=True,
                two_factor=company["two_factor_required"],
                token_hash=token_hash,
                status="invited",
                expires_at=expires,
                invited_by=None,
            )
            await invitation.save()
            new = await (
                Invitation.select(*invitations.AUDITED)
                .where(Invitation.id == invitation.id)
                .first()
            )
            change = Change("invitations", "insert", invitation.id, {}, snapshot(Invitation, new))
            await self._record("User invited", company, change)
            await announce.user_invited(None, invitation.id)
            self.summary.note("invitations", "created")
        self.emails.append(
            await invitations.store_invitation_email(company["id"], email, token, expires)
        )

    async def plugin(self, company: dict, name: str, table: dict) -> None:
        """Settings are compared decrypted (Fernet output differs on every call) and are
        replaced as a whole when the file lists any; the audit log names the keys only."""
        enabled = table.get("enabled", True)
        settings = {k: v for k, v in table.items() if k != "enabled"}
        row = (
            await CompanyPlugin.select()
            .where(CompanyPlugin.company == company["id"], CompanyPlugin.plugin == name)
            .first()
        )
        view = {"plugin": name, "enabled": enabled, "settings_keys": sorted(settings)}
        if row is None:
            plugin = CompanyPlugin(
                company=company["id"], plugin=name, enabled=enabled, settings=_seal(settings)
            )
            await plugin.save()
            change = Change("company_plugins", "insert", plugin.id, {}, view)
            await self._record("Plugin configured", company, change)
            self.summary.note("plugins", "created")
            return
        stored = _unseal(row["settings"])
        values, before, after = {}, {}, {}
        if row["enabled"] != enabled:
            values[CompanyPlugin.enabled] = enabled
            before["enabled"], after["enabled"] = row["enabled"], enabled
        if settings and stored != settings:
            values[CompanyPlugin.settings] = _seal(settings)
            before["settings_keys"] = sorted(stored or {}) if stored is not None else "unreadable"
            after["settings_keys"] = sorted(settings)
        if values:
            values[CompanyPlugin.updated_at] = datetime.now().astimezone()
            await CompanyPlugin.update(values).where(CompanyPlugin.id == row["id"])
            change = Change("company_plugins", "update", row["id"], before, after)
            await self._record("Plugin configured", company, change)
        self.summary.note("plugins", "updated" if values else "unchanged")

    async def _record(self, action: str, company: dict, change: Change) -> None:
        change.object_company_id = company["id"]
        await record_event(self.ctx, action, [change])


def _seal(settings: dict) -> str:
    if not settings:
        return ""
    return encrypt(json.dumps(settings, sort_keys=True), purpose=SETTINGS_PURPOSE)


def _unseal(token: str) -> dict | None:
    """The stored settings; None when they were sealed under another secret key."""
    if not token:
        return {}
    try:
        return json.loads(decrypt(token, purpose=SETTINGS_PURPOSE))
    except SecretUnreadable:
        return None
