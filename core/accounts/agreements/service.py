"""Agreements: what a tenant sells to the companies it created under, one balance each.

The caller is the seller: an agreement's company is one the caller created, its legal entity
is that company's, and the own legal entity and own bank account are the caller's. Company,
direction and currency are fixed once created (the balance and everything rated on it are in
that currency). The balance lives in the agreement's ``core.ledger`` account, which the
database opens at zero when the agreement row is inserted (same transaction); it moves only
through ``core.ledger.post``, never through this service. The first version is created in
the same transaction as the agreement, so an agreement never exists without terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import msgspec
import pycountry

from core import periods
from core.accounts.agreements import versions
from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.agreements.schemas import (
    AgreementCreate,
    AgreementOut,
    AgreementUpdate,
    VersionCreate,
)
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.in_use import Usage, refuse_if_used
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.reselling.models import ResellingAssociation
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.catalogue.enabled.models import EnabledService
from core.db.engine import is_postgres, transaction
from core.db.rows import Columnar
from core.db.search import matches
from core.errors import Conflict, Invalid
from core.events import announce
from core.ledger.models import BalanceAccount, LedgerEntry, agreement_balance
from core.money import amount_text, from_micros
from core.validation import Problems
from core.web.listing import Cursors, ListQuery, fetch_batch, fetch_page
from tenants.models import Company
from tenants.scope import Scope, in_scope

TABLE = "agreements"
DIRECTIONS = ("client", "vendor")
FIXED = ("company_id", "direction", "currency")
AUDITED = [
    Agreement.id,
    Agreement.company,
    Agreement.direction,
    Agreement.legal_entity,
    Agreement.own_legal_entity,
    Agreement.bank_account,
    Agreement.own_bank_account,
    Agreement.code,
    Agreement.agreement_date,
    Agreement.currency,
]
BALANCE = agreement_balance(Agreement.id)
OUT_COLUMNS = [
    *AUDITED,
    BALANCE.as_alias("balance"),
    Agreement.company.name.as_alias("company_name"),
    Agreement.legal_entity.name.as_alias("legal_entity_name"),
    Agreement.own_legal_entity.name.as_alias("own_legal_entity_name"),
    Agreement.bank_account.name.as_alias("bank_account_name"),
    Agreement.own_bank_account.name.as_alias("own_bank_account_name"),
    Agreement.created_at,
    Agreement.updated_at,
]
SORTABLE = {
    "id": Agreement.id,
    "code": Agreement.code,
    "agreement_date": Agreement.agreement_date,
    "company": Agreement.sort_company,
    "currency": Agreement.currency,
    # the account's balance as copied onto the agreement, so a page is one index range
    "balance": Agreement.sort_balance,
}
FIELD_COLUMNS = {
    "legal_entity_id": "legal_entity",
    "own_legal_entity_id": "own_legal_entity",
    "bank_account_id": "bank_account",
    "own_bank_account_id": "own_bank_account",
}


@cache
def currency_choices() -> list[tuple[str, str]]:
    return sorted((c.alpha_3, c.name) for c in pycountry.currencies)


def normalise_currency(raw: str) -> str:
    code = (raw or "").strip().upper()
    if not (len(code) == 3 and code.isalpha() and pycountry.currencies.get(alpha_3=code)):
        raise Invalid.field("currency", f"“{raw}” is not an ISO 4217 currency code (e.g. EUR)")
    return code


@dataclass(frozen=True)
class AgreementFilters:
    q: str | None = None
    company_id: int | None = None
    currency: str | None = None
    direction: str | None = None
    in_force_on: date | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(matches([Agreement.code, Agreement.company.name], self.q))
        if self.company_id is not None:
            clauses.append(Agreement.company == self.company_id)
        if self.currency:
            clauses.append(Agreement.currency == normalise_currency(self.currency))
        if self.direction:
            if self.direction not in DIRECTIONS:
                raise Invalid.field("direction", "must be client or vendor")
            clauses.append(Agreement.direction == self.direction)
        if self.in_force_on is not None:
            # in force at some moment of that (UTC) day
            start = datetime.combine(self.in_force_on, time(0), tzinfo=UTC)
            end = start + timedelta(days=1)
            covering = AgreementVersion.select(AgreementVersion.agreement).where(
                periods.in_force_during(AgreementVersion, start, end)
            )
            clauses.append(Agreement.id.is_in(covering))
        return clauses


def to_out(row: dict, version: dict | None, now: datetime) -> AgreementOut:
    return AgreementOut(
        id=row["id"],
        company_id=row["company"],
        company_name=row["company_name"],
        direction=row["direction"],
        legal_entity_id=row["legal_entity"],
        legal_entity_name=row["legal_entity_name"],
        own_legal_entity_id=row["own_legal_entity"],
        own_legal_entity_name=row["own_legal_entity_name"],
        bank_account_id=row["bank_account"],
        bank_account_name=row["bank_account_name"],
        own_bank_account_id=row["own_bank_account"],
        own_bank_account_name=row["own_bank_account_name"],
        code=row["code"],
        agreement_date=row["agreement_date"],
        currency=row["currency"],
        balance=amount_text(row["balance"]),
        credit_limit=amount_text(version["credit_limit"]) if version else None,
        current_version=versions.out_of_normalised(version, now) if version else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _with_versions(rows: list[dict]) -> list[AgreementOut]:
    now = versions.now_utc()
    in_force = await versions.versions_in_force([r["id"] for r in rows], now)
    return [to_out(r, in_force.get(r["id"]), now) for r in rows]


async def list_agreements(
    scope: Scope, filters: AgreementFilters, query: ListQuery
) -> tuple[list[AgreementOut], int, Cursors]:
    """The version in force is found by the list's query itself (``in_force_id``), then read
    by id: an export's batches of thousands of rows pay no per-agreement question."""
    now = versions.now_utc()
    rows, total, cursors = await page_rows(scope, filters, query, now)
    found = await versions.versions_by_id([r[versions.IN_FORCE_ID] for r in rows])
    return [to_out(r, found.get(r[versions.IN_FORCE_ID]), now) for r in rows], total, cursors


async def page_rows(
    scope: Scope, filters: AgreementFilters, query: ListQuery, now: datetime
) -> tuple[list[dict], int, Cursors]:
    """The list's rows as read, each with the id of its version in force at ``now``: shared by
    the list and its CSV export (``core.accounts.agreements.csv``), so both read the same rows."""
    where = [versions.managed(scope), *filters.clauses()]
    columns = [*OUT_COLUMNS, versions.in_force_id(now)]
    return await fetch_page(Agreement, columns, where, query, SORTABLE)


async def batch_columns(
    scope: Scope, filters: AgreementFilters, query: ListQuery, now: datetime
) -> Columnar:
    """An export's batch (``query.resume``) of ``page_rows``'s rows, as columns."""
    where = [versions.managed(scope), *filters.clauses()]
    columns = [*OUT_COLUMNS, versions.in_force_id(now)]
    return await fetch_batch(Agreement, columns, where, query, SORTABLE)


async def get_agreement(scope: Scope, agreement_id: int) -> AgreementOut:
    row = await versions.agreement_row(scope, agreement_id, *OUT_COLUMNS)
    return (await _with_versions([row]))[0]


async def _lock_company(company_id: int) -> None:
    """Serialise code checks of one seller; SQLite's BEGIN IMMEDIATE already does."""
    if is_postgres():
        await Company.raw("SELECT id FROM companies WHERE id = {} FOR UPDATE", company_id)


CODE_TAKEN = (
    "SELECT id FROM agreements "
    "WHERE seller_id = {} AND LOWER(code) = LOWER({}) AND id <> {} LIMIT 1"
)


async def _check_code(scope: Scope, code: str, keep_id: int | None) -> str:
    """One lookup on the unique ``(seller_id, LOWER(code))`` index, not every code of the seller
    read into Python (300 ms at 100,000 agreements); the index itself settles a race (409).
    SQLite's LOWER folds ASCII letters only."""
    code = code.strip()
    if not code:
        raise Invalid.field("code", "must not be blank")
    taken = await Agreement.raw(CODE_TAKEN, scope.company_id, code, keep_id or 0)
    if taken:
        raise Conflict(
            f"agreement code “{code}” is already used by agreement {taken[0]['id']}",
            [{"field": "code", "message": f"“{code}” is already used by another agreement"}],
        )
    return code


async def _check_parties(scope: Scope, values: dict, problems: Problems) -> None:
    """Entities and accounts must belong to the right side of the agreement."""
    if not await LegalEntity.exists().where(
        LegalEntity.id == values["legal_entity"], LegalEntity.company == values["company"]
    ):
        problems.add("legal_entity_id", "no such legal entity of the chosen company")
    if not await LegalEntity.exists().where(
        LegalEntity.id == values["own_legal_entity"], LegalEntity.company == scope.company_id
    ):
        problems.add("own_legal_entity_id", "no such legal entity among your own")
    if values.get("bank_account") is not None and not await BankAccount.exists().where(
        BankAccount.id == values["bank_account"],
        BankAccount.legal_entity == values["legal_entity"],
        BankAccount.company == values["company"],
    ):
        problems.add("bank_account_id", "no such bank account of the chosen legal entity")
    if values.get("own_bank_account") is not None and not await BankAccount.exists().where(
        BankAccount.id == values["own_bank_account"],
        BankAccount.legal_entity == values["own_legal_entity"],
        BankAccount.company == scope.company_id,
    ):
        problems.add(
            "own_bank_account_id", "no such own bank account of the chosen own legal entity"
        )


def _refuse_balance(data, problems: Problems) -> None:
    if data.balance is not msgspec.UNSET:
        problems.add(
            "balance", "the balance moves only through payments and charges; it cannot be set"
        )


# A rule on the key reads the fields named too; it is not judged while one of them is broken.
DEPENDS = {
    "legal_entity_id": {"company_id"},
    "bank_account_id": {"company_id", "legal_entity_id"},
    "own_bank_account_id": {"own_legal_entity_id"},
    "effective_from": {"effective_till", "timezone"},
    "effective_till": {"effective_from", "timezone"},
    "billing_day": {"billing_period"},
    "split_by_month": {"billing_period"},
}
# Values that pass every rule, standing in for fields a form did not parse (never judged).
_STAND_INS = {
    "company": 0,
    "legal_entity": 0,
    "own_legal_entity": 0,
    "bank_account": None,
    "own_bank_account": None,
    "code": "-",
}


async def rule_errors(
    scope: Scope, data, agreement_id: int | None, skip: frozenset[str]
) -> list[dict[str, str]]:
    """The rule errors of the fields that parsed (``data`` has every field optional), for a
    form whose other fields did not: it then shows both kinds at once. Nothing is written;
    a field in ``skip``, not sent, or read by a rule together with such a field is not judged.
    """
    sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    problems = Problems()
    if agreement_id is not None:
        values = await versions.agreement_row(scope, agreement_id, *AUDITED)
        unjudged = set(skip)
    else:
        values = dict(_STAND_INS)
        unjudged = set(skip) | {f.name for f in msgspec.structs.fields(data)} - set(sent)
        if "direction" in sent and sent["direction"] != "client":
            problems.add("direction", "vendor agreements are not supported yet")
        if "company_id" in sent and not await Company.exists().where(
            Company.id == sent["company_id"], Company.parent == scope.company_id
        ):
            problems.add("company_id", "no such company among the companies you created")
        if "currency" in sent:
            problems.attempt(normalise_currency, sent["currency"])
        defaults = msgspec.convert({"effective_from": "2000-01-01T00:00:00"}, VersionCreate)
        terms = versions.terms_of(defaults) | versions.terms_of(data)
        with problems.check():
            versions.clean_terms(terms, Problems())
    for key, value in sent.items():
        if key != "balance" and (agreement_id is None or key not in FIXED):
            values[{"company_id": "company", **FIELD_COLUMNS}.get(key, key)] = value
    if "code" in sent and not sent["code"].strip():
        problems.add("code", "must not be blank")
    await _check_parties(scope, values, problems)
    if "code" in sent and not problems.failed("code") and "code" not in unjudged:
        with problems.check():
            try:
                await _check_code(scope, sent["code"], agreement_id)
            except Conflict as exc:
                problems.errors.extend(exc.errors)
    return [
        e
        for e in problems.errors
        if e["field"] not in unjudged and not DEPENDS.get(e["field"], set()) & unjudged
    ]


async def create_agreement(ctx: AuditContext, scope: Scope, data: AgreementCreate) -> AgreementOut:
    problems = Problems()
    _refuse_balance(data, problems)
    if data.direction == "vendor":
        problems.add("direction", "vendor agreements are not supported yet")
    elif data.direction != "client":
        problems.add("direction", "must be client")
    if not data.code.strip():
        problems.add("code", "must not be blank")
    async with transaction():
        if not await Company.exists().where(
            Company.id == data.company_id, Company.parent == scope.company_id
        ):
            problems.add("company_id", "no such company among the companies you created")
        values = {
            "company": data.company_id,
            "direction": data.direction,
            "legal_entity": data.legal_entity_id,
            "own_legal_entity": data.own_legal_entity_id,
            "bank_account": data.bank_account_id,
            "own_bank_account": data.own_bank_account_id,
            "agreement_date": data.agreement_date,
            "currency": problems.attempt(normalise_currency, data.currency),
        }
        await _check_parties(scope, values, problems)
        terms = versions.clean_terms(versions.terms_of(data), problems)
        await _lock_company(scope.company_id)
        values["code"] = await _check_code(scope, data.code, None)
        agreement = Agreement(**values)
        await agreement.save()  # a trigger opens its balance account, at zero, in this transaction
        row = await Agreement.select(*AUDITED).where(Agreement.id == agreement.id).first()
        insert = Change(
            TABLE, "insert", agreement.id, {}, snapshot(Agreement, row), data.company_id
        )
        version = await versions.insert_version(agreement.id, data.company_id, terms)
        await record_event(ctx, "Agreement created", [insert, version])
        await announce.agreement_version_started(ctx.user_id, version.object_id)
    return await get_agreement(scope, agreement.id)


async def update_agreement(
    ctx: AuditContext, scope: Scope, agreement_id: int, data: AgreementUpdate
) -> AgreementOut:
    problems = Problems()
    _refuse_balance(data, problems)
    async with transaction():
        old = await versions.agreement_row(scope, agreement_id, *AUDITED)
        fixed = {"company_id": old["company"], "direction": old["direction"]}
        fixed["currency"] = old["currency"]
        for field in FIXED:
            given = getattr(data, field)
            if given is msgspec.UNSET:
                continue
            if field == "currency":
                given = str(given).strip().upper()
            if given != fixed[field]:
                problems.add(field, "cannot be changed once the agreement exists")
        values = dict(old)
        for key, value in msgspec.structs.asdict(data).items():
            if value is not msgspec.UNSET and key not in (*FIXED, "balance"):
                values[FIELD_COLUMNS.get(key, key)] = value
        await _check_parties(scope, values, problems)
        if not values["code"].strip():
            problems.add("code", "must not be blank")
        problems.raise_if_any()
        if values["code"] != old["code"]:
            await _lock_company(scope.company_id)
            values["code"] = await _check_code(scope, values["code"], agreement_id)
        before, after = diff(snapshot(Agreement, old), snapshot(Agreement, values))
        if after:
            await Agreement.update(
                {getattr(Agreement, k): values[k] for k in after}
                | {Agreement.updated_at: versions.now_utc()}
            ).where(Agreement.id == agreement_id)
            change = Change(TABLE, "update", agreement_id, before, after, old["company"])
            await record_event(ctx, "Agreement updated", [change])
    return await get_agreement(scope, agreement_id)


async def delete_agreement(ctx: AuditContext, scope: Scope, agreement_id: int) -> None:
    """Refused while money or a reseller depends on it; its versions go with it."""
    async with transaction():
        await versions.agreement_row(scope, agreement_id)  # 404 before locking anything
        if is_postgres():  # a posting holds this row while it moves the balance
            # before the agreement: a posting locks its account, then its trigger updates the
            # agreement's balance copy; the other order could deadlock with it
            await BalanceAccount.raw(
                "SELECT id FROM balance_accounts WHERE agreement = {} FOR UPDATE", agreement_id
            )
        await versions.lock_agreement(agreement_id)
        old = await versions.agreement_row(
            scope, agreement_id, *AUDITED, BALANCE.as_alias("balance")
        )
        if old["balance"] != 0:
            raise Conflict(
                f"the balance is {from_micros(old['balance'])} {old['currency']}, not zero; "
                "an agreement holding money cannot be deleted"
            )
        if await LedgerEntry.exists().where(LedgerEntry.account._.agreement == agreement_id):
            raise Conflict(
                "the agreement's ledger holds entries, which are kept for ever; "
                "an agreement whose balance ever moved cannot be deleted"
            )
        await refuse_if_used(
            f"agreement {old['code']}",
            [
                Usage(
                    "reselling association",
                    "reselling associations",
                    ResellingAssociation,
                    ResellingAssociation.agreement == agreement_id,
                ),
                Usage(
                    "enabled service",
                    "enabled services",
                    EnabledService,
                    EnabledService.agreement == agreement_id,
                ),
            ],
        )
        rows = await AgreementVersion.select(*versions.COLUMNS).where(
            AgreementVersion.agreement == agreement_id
        )
        changes = [
            Change(
                versions.TABLE,
                "delete",
                r["id"],
                versions.audit_view(versions.normalise(r)),
                {},
                old["company"],
            )
            for r in rows
        ]
        await AgreementVersion.delete().where(AgreementVersion.agreement == agreement_id)
        await BalanceAccount.delete().where(BalanceAccount.agreement == agreement_id)
        await Agreement.delete().where(Agreement.id == agreement_id)
        changes.insert(
            0, Change(TABLE, "delete", agreement_id, snapshot(Agreement, old), {}, old["company"])
        )
        await record_event(ctx, "Agreement deleted", changes)


# --- choices for forms -------------------------------------------------------------------------


async def company_choices(scope: Scope) -> list[dict]:
    return await (
        Company.select(Company.id, Company.name, Company.kind)
        .where(Company.parent == scope.company_id)
        .order_by(Company.name)
    )


async def legal_entity_choices(scope: Scope) -> list[dict]:
    """Legal entities of the caller's companies, with their company for the form to group."""
    return await (
        LegalEntity.select(LegalEntity.id, LegalEntity.name, LegalEntity.company)
        .where(LegalEntity.tenant_id == scope.company_id)
        .order_by(LegalEntity.name)
    )


async def own_legal_entity_choices(scope: Scope) -> list[dict]:
    return await (
        LegalEntity.select(LegalEntity.id, LegalEntity.name)
        .where(LegalEntity.company == scope.company_id)
        .order_by(LegalEntity.name)
    )


async def bank_account_choices(scope: Scope) -> list[dict]:
    """Accounts of the caller's companies and its own, each with its legal entity."""
    return await (
        BankAccount.select(
            BankAccount.id,
            BankAccount.name,
            BankAccount.number,
            BankAccount.legal_entity,
            BankAccount.company,
        )
        .where(in_scope(BankAccount, scope))
        .order_by(BankAccount.name)
    )
