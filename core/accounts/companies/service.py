"""Companies a tenant creates: the rules of the tree, enforced for API and UI alike.

Besides the tree rules this module owns what a tenant decides about each of its companies: the
own legal entity that sells to it, invoices, the two-factor rule, blocking (which ends the
company's sign-in sessions; ``core.auth.tokens`` refuses every token of a disabled company) and
the number-portability (MNP) options, which only the system owner sees or sets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import msgspec
from piccolo.columns.combination import WhereRaw

from core.access.guards import refuse_client_writes
from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.companies.schemas import CompanyCreate, CompanyOut, CompanyUpdate
from core.accounts.in_use import Usage, refuse_if_used
from core.accounts.legal_entities.models import LegalEntity
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.auth.models import AuthToken, User
from core.db.engine import is_postgres, transaction
from core.db.search import matches
from core.errors import Conflict, Invalid, NotFound
from core.events import announce
from core.payments.models import PaymentSystemConfig
from core.plugins import enablement, registry
from core.validation import Problems
from core.web.listing import ListQuery, fetch_page
from tenants.models import Company, Portal
from tenants.scope import Scope, get_in_scope, in_scope
from tenants.tree import child_path

AUDITED = [
    Company.id,
    Company.name,
    Company.kind,
    Company.parent,
    Company.enabled,
    Company.creator_of_resellers,
    Company.moderation,
    Company.description,
    Company.portal,
    Company.own_legal_entity,
    Company.invoices_enabled,
    Company.two_factor_required,
    Company.mnp_requests,
    Company.mnp_connection,
    Company.mnp_channels,
]
OUT_COLUMNS = [
    *AUDITED,
    Company.portal.name.as_alias("portal_name"),
    Company.own_legal_entity.name.as_alias("own_legal_entity_name"),
    Company.created_at,
    Company.updated_at,
]
SORTABLE = {
    "id": Company.id,
    "name": Company.name,
    "type": Company.kind,
    "enabled": Company.enabled,
    "creator_of_resellers": Company.creator_of_resellers,
    "moderation": Company.moderation,
    "own_legal_entity": Company.sort_own_legal_entity,
    "invoices_enabled": Company.invoices_enabled,
    "two_factor_required": Company.two_factor_required,
    "created_at": Company.created_at,
    "updated_at": Company.updated_at,
}
FIELD_COLUMNS = {"type": "kind", "portal_id": "portal", "own_legal_entity_id": "own_legal_entity"}
MNP_FIELDS = ("mnp_requests", "mnp_connection", "mnp_channels")
OWNER_ONLY = "only the system owner sets number-portability (MNP) options"
NO_MNP_CONNECTION = "no MNP-capable connection is available yet"
DUPLICATE_NAME = "already used by another of your companies"
# Tokens that make up a browser sign-in: the session and the pending second-factor step.
SESSION_KINDS = ("session", "login")


@dataclass(frozen=True)
class CompanyFilters:
    q: str | None = None
    type: str | None = None
    enabled: bool | None = None
    creator_of_resellers: bool | None = None
    moderation: bool | None = None
    invoices_enabled: bool | None = None
    two_factor_required: bool | None = None
    mnp_requests: bool | None = None
    own_legal_entity_id: int | None = None
    portal_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(matches(Company.name, self.q))
        if self.type:
            if self.type not in ("client", "reseller"):
                raise Invalid.field("type", "must be client or reseller")
            clauses.append(Company.kind == self.type)
        flags = (
            "enabled",
            "creator_of_resellers",
            "moderation",
            "invoices_enabled",
            "two_factor_required",
            "mnp_requests",
        )
        for name in flags:
            value = getattr(self, name)
            if value is not None:
                clauses.append(getattr(Company, name) == value)
        if self.own_legal_entity_id is not None:
            clauses.append(Company.own_legal_entity == self.own_legal_entity_id)
        if self.portal_id is not None:
            clauses.append(Company.portal == self.portal_id)
        if self.created_from is not None:
            clauses.append(Company.created_at >= self.created_from)
        if self.created_to is not None:
            clauses.append(Company.created_at <= self.created_to)
        return clauses


def _channels(value) -> list[str]:
    """The JSON column as a list; piccolo hands it back as text on both databases."""
    return json.loads(value or "[]") if isinstance(value, str) else list(value or [])


def to_out(row: dict, owner_view: bool) -> CompanyOut:
    mnp = {}
    if owner_view:
        mnp = {
            "mnp_requests": row["mnp_requests"],
            "mnp_connection": row["mnp_connection"],
            "mnp_channels": _channels(row["mnp_channels"]),
        }
    return CompanyOut(
        id=row["id"],
        name=row["name"],
        type=row["kind"],
        parent_id=row["parent"],
        enabled=row["enabled"],
        is_reseller=row["kind"] == "reseller",
        creator_of_resellers=row["creator_of_resellers"],
        moderation=row["moderation"],
        description=row["description"],
        portal_id=row["portal"],
        portal_name=row.get("portal_name"),
        own_legal_entity_id=row["own_legal_entity"],
        own_legal_entity_name=row.get("own_legal_entity_name"),
        invoices_enabled=row["invoices_enabled"],
        two_factor_required=row["two_factor_required"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        **mnp,
    )


async def list_companies(scope: Scope, filters: CompanyFilters, query: ListQuery):
    if filters.mnp_requests is not None and not scope.is_system_owner:
        raise Invalid.field("mnp_requests", "only the system owner filters by MNP requests")
    rows, total, cursors = await fetch_page(
        Company, OUT_COLUMNS, [in_scope(Company, scope), *filters.clauses()], query, SORTABLE
    )
    return [to_out(r, scope.is_system_owner) for r in rows], total, cursors


async def get_company(scope: Scope, company_id: int) -> CompanyOut:
    row = await get_in_scope(Company, scope, company_id, *OUT_COLUMNS)
    return to_out(row, scope.is_system_owner)


async def _caller_company(scope: Scope) -> dict:
    row = await Company.select().where(Company.id == scope.company_id).first()
    if row is None:
        raise NotFound("your company no longer exists")
    return row


def mnp_connections() -> dict[str, str]:
    """Connections able to answer number-portability lookups, by key.

    The plugin contract (``core.plugins.declarations.Vendor``) has no way yet for a vendor to
    declare an MNP capability, so there is none to offer and MNP requests cannot be enabled.
    """
    return {}


def _refuse_mnp_from_non_owner(scope: Scope, sent: dict, problems: Problems) -> None:
    if sent and not scope.is_system_owner:
        for name in sent:
            problems.add(name, OWNER_ONLY)


def _check_mnp(
    values: dict,
    problems: Problems,
    skip: frozenset[str] = frozenset(),
    offered: dict | None = None,
    kept: frozenset[str] = frozenset(),
) -> None:
    """Known channels only, and a newly chosen one must be on for the caller's company
    (``offered``; ``kept`` are the channels already stored, which stay); enabling needs a
    connection and at least one channel."""
    known = registry.channels()
    offered = known if offered is None else offered
    unknown = [c for c in values["mnp_channels"] if c not in known]
    if unknown and "mnp_channels" not in skip:
        names = ", ".join(sorted(offered)) or "none is registered"
        problems.add("mnp_channels", f"unknown channel {', '.join(unknown)} (available: {names})")
    switched_off = [
        c for c in values["mnp_channels"] if c in known and c not in offered and c not in kept
    ]
    if switched_off and "mnp_channels" not in skip:
        for channel in switched_off:
            plugin = registry.plugin_of("channels", channel)
            problems.add(
                "mnp_channels",
                f"channel “{channel}” comes from plugin “{plugin}”, which is disabled for "
                "your company",
            )
    connections = mnp_connections()
    if values["mnp_connection"] and values["mnp_connection"] not in connections:
        message = "no such MNP connection" if connections else NO_MNP_CONNECTION
        problems.add("mnp_connection", message)
    if not values["mnp_requests"] or problems.failed(*MNP_FIELDS) or skip & set(MNP_FIELDS):
        return
    if not connections:
        problems.add("mnp_requests", f"{NO_MNP_CONNECTION}, so MNP requests stay off")
        return
    if not values["mnp_connection"]:
        problems.add("mnp_connection", "required when MNP requests are on")
    if not values["mnp_channels"]:
        problems.add("mnp_channels", "choose at least one channel when MNP requests are on")


async def _check_own_legal_entity(scope: Scope, entity_id: int | None, problems: Problems) -> None:
    if entity_id is None:
        return
    mine = await LegalEntity.exists().where(
        LegalEntity.id == entity_id, LegalEntity.company == scope.company_id
    )
    if not mine:
        problems.add("own_legal_entity_id", "no such legal entity among your own")


async def default_own_legal_entity(scope: Scope) -> int | None:
    row = (
        await LegalEntity.select(LegalEntity.id)
        .where(LegalEntity.company == scope.company_id, LegalEntity.is_default.eq(True))
        .first()
    )
    return row["id"] if row else None


async def _rule_problems(
    scope: Scope,
    values: dict,
    company_id: int | None,
    old: dict | None = None,
    skip: frozenset[str] = frozenset(),
) -> Problems:
    """Every broken rule of ``values`` at once, except the duplicate name (``_refuse``).

    ``old`` is the stored row when editing: a reseller made earlier stays editable after the
    caller loses the right to create resellers; only making a new one (or a new creator of
    resellers) needs that right. ``skip`` names fields whose value did not parse (a form being
    checked in one round): rules on them, or depending on them, are left for the next answer.
    """
    caller = await _caller_company(scope)
    refuse_client_writes(scope, "companies")
    problems = Problems()
    if not values["name"] and "name" not in skip:
        problems.add("name", "must not be blank")
    may_create_resellers = caller["kind"] == "owner" or caller["creator_of_resellers"]
    was_reseller = old is not None and old["kind"] == "reseller"
    kind_known = "type" not in skip
    if (
        kind_known
        and values["kind"] == "reseller"
        and not was_reseller
        and not may_create_resellers
    ):
        problems.add("type", "your company may not create resellers")
    if "creator_of_resellers" not in skip and values["creator_of_resellers"]:
        if kind_known and values["kind"] != "reseller":
            problems.add("creator_of_resellers", "only a reseller can be a creator of resellers")
        was_creator = old is not None and old["creator_of_resellers"]
        if not was_creator and not may_create_resellers:
            problems.add("creator_of_resellers", "your company may not create resellers")
    if values.get("portal") is not None and "portal_id" not in skip:
        owned = await Portal.exists().where(
            Portal.id == values["portal"], Portal.company == scope.company_id
        )
        if not owned:
            problems.add("portal_id", "no such portal among your portals")
    if "own_legal_entity_id" not in skip and (
        old is None or values["own_legal_entity"] != old["own_legal_entity"]
    ):
        await _check_own_legal_entity(scope, values["own_legal_entity"], problems)
    if values.get("sent_mnp") is not None:
        _refuse_mnp_from_non_owner(scope, values["sent_mnp"], problems)
        if values["sent_mnp"] or old is None:
            kept = frozenset(_channels(old.get("mnp_channels"))) if old else frozenset()
            offered = await enablement.available(scope, "channels")
            _check_mnp(values, problems, skip, offered, kept)
    if (
        kind_known
        and company_id is not None
        and values["kind"] == "client"
        and old["kind"] != "client"
    ):
        with problems.check():
            await _refuse_while_reselling(company_id)
    return problems


async def _is_duplicate(scope: Scope, name: str, company_id: int | None) -> bool:
    duplicate = Company.select(Company.id).where(
        Company.parent == scope.company_id, WhereRaw("LOWER(name) = LOWER({})", name)
    )
    if company_id is not None:
        duplicate = duplicate.where(Company.id != company_id)
    return bool(await duplicate.first())


async def _check_rules(
    scope: Scope, values: dict, company_id: int | None, old: dict | None = None
) -> None:
    """One 422 naming every broken rule; a name already taken alone stays the 409 Conflict it
    has always been, and joins the 422 when other rules are broken too."""
    problems = await _rule_problems(scope, values, company_id, old)
    if is_postgres():  # serialise the name check of one tenant; SQLite's BEGIN IMMEDIATE does
        await Company.raw("SELECT id FROM companies WHERE id = {} FOR UPDATE", scope.company_id)
    if values["name"] and await _is_duplicate(scope, values["name"], company_id):
        if not problems.errors:
            raise Conflict(
                f"a company named {values['name']!r} already exists",
                [{"field": "name", "message": DUPLICATE_NAME}],
            )
        problems.add("name", DUPLICATE_NAME)
    problems.raise_if_any()


async def rule_errors(
    scope: Scope, data: CompanyUpdate, company_id: int | None, skip: frozenset[str]
) -> list[dict[str, str]]:
    """The rule errors of the fields that parsed, for a form whose other fields did not: the
    form then shows both kinds in one answer. Nothing is written; a field in ``skip`` (or not
    sent on a new company) is not judged."""
    if company_id is None:
        old = None
        base = {**_new_values(CompanyCreate(name="", type="client")), "own_legal_entity": None}
    else:
        old = await get_in_scope(Company, scope, company_id, *AUDITED)
        old = {**old, "mnp_channels": _channels(old["mnp_channels"])}
        base = dict(old)
    values = _merged(base, data)
    if company_id is None:
        sent = {k for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        skip = skip | ({"name", "type"} - sent)
    problems = await _rule_problems(scope, values, company_id, old, skip)
    named = "name" not in skip and values["name"] and not problems.failed("name")
    if named and await _is_duplicate(scope, values["name"], company_id):
        problems.add("name", DUPLICATE_NAME)
    return [e for e in problems.errors if e["field"] not in skip]


async def _names(table, where, column, label: str) -> str | None:
    rows = await table.select(column.as_alias("name")).where(where).order_by(column).limit(4)
    if not rows:
        return None
    count = await table.count().where(where)
    shown = ", ".join(repr(r["name"]) for r in rows[:3])
    more = f" and {count - 3} more" if count > 3 else ""
    singular, plural = label.split("|")
    return f"{count} {singular if count == 1 else plural} ({shown}{more})"


async def _refuse_while_reselling(company_id: int) -> None:
    """A client has none of a reseller's objects, and a client's users are client-portal users
    only: turning a reseller into a client while it still has any would leave them orphaned or
    give BackOffice access to a client, so the change waits until they are gone (named)."""
    from core.users.models import Invitation

    own = [
        (
            Company,
            Company.parent == company_id,
            Company.name,
            "company it created|companies it created",
        ),
        (Bank, Bank.company == company_id, Bank.name, "bank|banks"),
        (Portal, Portal.company == company_id, Portal.name, "portal|portals"),
        (
            PaymentSystemConfig,
            PaymentSystemConfig.company == company_id,
            PaymentSystemConfig.name,
            "payment system|payment systems",
        ),
        (
            LegalEntity,
            LegalEntity.company == company_id,
            LegalEntity.name,
            "own legal entity|own legal entities",
        ),
        (
            BankAccount,
            BankAccount.company == company_id,
            BankAccount.name,
            "own bank account|own bank accounts",
        ),
        (
            User,
            (User.company == company_id) & (User.group == "backoffice"),
            User.email,
            "BackOffice user|BackOffice users",
        ),
        (
            Invitation,
            (Invitation.company == company_id)
            & (Invitation.group == "backoffice")
            & Invitation.status.is_in(["invited", "expired"]),
            Invitation.email,
            "BackOffice invitation|BackOffice invitations",
        ),
    ]
    found = [n for t, where, column, label in own if (n := await _names(t, where, column, label))]
    if found:
        raise Invalid.field(
            "type",
            "a reseller becomes a client only once it owns no reseller objects; it still has "
            + "; ".join(found),
        )


def _sent_mnp(data: CompanyCreate | CompanyUpdate) -> dict:
    sent = {n: getattr(data, n) for n in MNP_FIELDS if getattr(data, n) is not msgspec.UNSET}
    if "mnp_connection" in sent:
        sent["mnp_connection"] = sent["mnp_connection"].strip()
    if "mnp_channels" in sent:
        sent["mnp_channels"] = list(dict.fromkeys(c.strip() for c in sent["mnp_channels"]))
    return sent


def _db_values(values: dict) -> dict:
    return {**values, "mnp_channels": json.dumps(values["mnp_channels"])}


def _audit_view(row: dict) -> dict:
    return snapshot(Company, {**row, "mnp_channels": _channels(row["mnp_channels"])})


async def _end_sessions(company_id: int) -> list[Change]:
    """Delete the sign-in sessions of the company's users; API tokens stay but are refused
    while the company is disabled (``core.auth.tokens.resolve_token``)."""
    rows = await AuthToken.select(AuthToken.id, AuthToken.kind, AuthToken.user).where(
        AuthToken.user.company == company_id, AuthToken.kind.is_in(list(SESSION_KINDS))
    )
    if not rows:
        return []
    await AuthToken.delete().where(AuthToken.id.is_in([r["id"] for r in rows]))
    return [
        Change(
            "auth_tokens", "delete", r["id"], {"user": r["user"], "kind": r["kind"]}, {}, company_id
        )
        for r in rows
    ]


def _new_values(data: CompanyCreate) -> dict:
    return {
        "name": data.name.strip(),
        "kind": data.type,
        "enabled": data.enabled,
        "creator_of_resellers": data.creator_of_resellers,
        "moderation": data.moderation,
        "description": data.description,
        "portal": data.portal_id,
        "invoices_enabled": data.invoices_enabled,
        "two_factor_required": data.two_factor_required,
        "mnp_requests": False,
        "mnp_connection": "",
        "mnp_channels": [],
    }


def _merged(base: dict, data: CompanyUpdate) -> dict:
    """``base`` with what ``data`` sends; ``sent_mnp`` carries the MNP fields actually sent."""
    sent_mnp = _sent_mnp(data)
    values = dict(base)
    for key, value in msgspec.structs.asdict(data).items():
        if value is not msgspec.UNSET and key not in MNP_FIELDS:
            values[FIELD_COLUMNS.get(key, key)] = value.strip() if key == "name" else value
    values.update(sent_mnp)
    values["sent_mnp"] = sent_mnp
    if values["kind"] == "client" and data.creator_of_resellers is msgspec.UNSET:
        values["creator_of_resellers"] = False
    return values


async def create_company(ctx: AuditContext, scope: Scope, data: CompanyCreate) -> CompanyOut:
    sent_mnp = _sent_mnp(data)
    values = {**_new_values(data), **sent_mnp, "sent_mnp": sent_mnp}
    async with transaction():
        if data.own_legal_entity_id is msgspec.UNSET:
            values["own_legal_entity"] = await default_own_legal_entity(scope)
        else:
            values["own_legal_entity"] = data.own_legal_entity_id
        await _check_rules(scope, values, None)
        del values["sent_mnp"]
        company = Company(parent=scope.company_id, depth=0, **_db_values(values))
        await company.save()
        parent = await _caller_company(scope)
        await Company.update(
            {
                Company.path: child_path(parent["path"], company.id),
                Company.depth: parent["depth"] + 1,
            }
        ).where(Company.id == company.id)
        row = await Company.select(*AUDITED).where(Company.id == company.id).first()
        await record_event(
            ctx,
            "Company created",
            [Change("companies", "insert", company.id, {}, _audit_view(row), company.id)],
        )
        await announce.company_created(ctx.user_id, company.id)
    return await get_company(scope, company.id)


async def update_company(
    ctx: AuditContext, scope: Scope, company_id: int, data: CompanyUpdate
) -> CompanyOut:
    async with transaction():
        old = await get_in_scope(Company, scope, company_id, *AUDITED)
        old = {**old, "mnp_channels": _channels(old["mnp_channels"])}
        values = _merged(old, data)
        await _check_rules(scope, values, company_id, old)
        del values["sent_mnp"]
        before, after = diff(snapshot(Company, old), snapshot(Company, values))
        if after:
            stored = _db_values(values)
            await Company.update(
                {getattr(Company, k): stored[k] for k in after}
                | {Company.updated_at: datetime.now().astimezone()}
            ).where(Company.id == company_id)
            changes = [Change("companies", "update", company_id, before, after, company_id)]
            if after.get("enabled") is False:
                changes += await _end_sessions(company_id)
            await record_event(ctx, "Company updated", changes)
            if "enabled" in after:
                await announce.company_blocked(ctx.user_id, company_id, not after["enabled"])
    return await get_company(scope, company_id)


async def set_blocked(
    ctx: AuditContext, scope: Scope, company_id: int, blocked: bool
) -> CompanyOut:
    """Block: the company's users lose their sessions and every token is refused until unblock."""
    async with transaction():
        old = await get_in_scope(Company, scope, company_id, Company.id, Company.enabled)
        if bool(old["enabled"]) != blocked:
            raise Conflict(f"this company is already {'blocked' if blocked else 'active'}")
        await Company.update(
            {Company.enabled: not blocked, Company.updated_at: datetime.now().astimezone()}
        ).where(Company.id == company_id)
        changes = [
            Change(
                "companies",
                "update",
                company_id,
                {"enabled": blocked},
                {"enabled": not blocked},
                company_id,
            )
        ]
        if blocked:
            changes += await _end_sessions(company_id)
        await record_event(ctx, "Company blocked" if blocked else "Company unblocked", changes)
        await announce.company_blocked(ctx.user_id, company_id, blocked)
    return await get_company(scope, company_id)


def _usages(company_id: int) -> list[Usage]:
    """What keeps a company from being deleted besides its own companies and users."""
    return [
        Usage("legal entity", "legal entities", LegalEntity, LegalEntity.company == company_id),
        Usage("agreement", "agreements", Agreement, Agreement.company == company_id),
        Usage(
            "bank account",
            "bank accounts",
            BankAccount,
            (BankAccount.company == company_id) | (BankAccount.created_by_company == company_id),
        ),
        Usage("bank", "banks", Bank, Bank.company == company_id),
        Usage(
            "payment system",
            "payment systems",
            PaymentSystemConfig,
            PaymentSystemConfig.company == company_id,
        ),
    ]


async def delete_company(ctx: AuditContext, scope: Scope, company_id: int) -> None:
    async with transaction():
        old = await get_in_scope(Company, scope, company_id, *AUDITED)
        if await Company.exists().where(Company.parent == company_id):
            raise Conflict("this company has companies of its own; delete or move them first")
        if await User.exists().where(User.company == company_id):
            raise Conflict("this company still has users; remove them first")
        await refuse_if_used("this company", _usages(company_id))
        await Company.delete().where(Company.id == company_id)
        await record_event(
            ctx,
            "Company deleted",
            [Change("companies", "delete", company_id, _audit_view(old), {}, company_id)],
        )


async def own_legal_entity_choices(scope: Scope) -> list[dict]:
    """The caller's own legal entities: the only ones that may sell to its companies."""
    return await (
        LegalEntity.select(LegalEntity.id, LegalEntity.name, LegalEntity.is_default)
        .where(LegalEntity.company == scope.company_id)
        .order_by(LegalEntity.name)
    )
