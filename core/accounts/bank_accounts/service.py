"""Bank accounts: the caller's own ones and those of the companies it created, one service.

As with legal entities, one table holds both and the "realm" decides which half a call may
touch. An account belongs to the company of its legal entity, so the company is never chosen
directly: picking a legal entity the realm allows is what pins the account to a company.
``created_by_company`` keeps who opened it, so a reseller can tell the accounts its tenant
opened for it from the ones it added itself; both are its own and it may change either.

Account numbers are stored without spaces and upper-cased, so "de89 3704…" and "DE893704…" are
one number. A number that starts like an IBAN (two letters, two digits) must be a valid IBAN,
checked with ``schwifty``; the refusal says what is wrong (checksum, length for the country, …) so
a typing error can be found. Within one bank a number may appear once among the accounts the
caller can see; a duplicate elsewhere stays invisible rather than being revealed by the error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import msgspec
from piccolo.columns.combination import Where

from core.access.guards import refuse_client_writes
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.bank_accounts.schemas import (
    BankAccountCreate,
    BankAccountOut,
    BankAccountUpdate,
)
from core.accounts.banks import service as banks
from core.accounts.banks.models import Bank
from core.accounts.in_use import bank_account_usages, refuse_if_used
from core.accounts.legal_entities.models import LegalEntity
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.db.engine import is_postgres, transaction
from core.db.search import matches_any
from core.errors import Conflict, Invalid, NotFound
from core.validation import Problems
from core.web.listing import Cursors, ListQuery, fetch_page
from tenants.scope import Scope, in_scope

Realm = Literal["own", "clients"]
TABLE = "bank_accounts"
AUDITED = [
    BankAccount.id,
    BankAccount.company,
    BankAccount.legal_entity,
    BankAccount.bank,
    BankAccount.created_by_company,
    BankAccount.name,
    BankAccount.holder,
    BankAccount.number,
]
OUT_COLUMNS = [
    *AUDITED,
    BankAccount.company.name.as_alias("company_name"),
    BankAccount.legal_entity.name.as_alias("legal_entity_name"),
    BankAccount.bank.name.as_alias("bank_name"),
    BankAccount.created_by_company.name.as_alias("created_by_company_name"),
    BankAccount.created_at,
    BankAccount.updated_at,
]
SORTABLE = {
    "id": BankAccount.id,
    "name": BankAccount.name,
    "company": BankAccount.sort_company,
    "legal_entity": BankAccount.sort_legal_entity,
    "bank": BankAccount.sort_bank,
    "holder": BankAccount.holder,
    "number": BankAccount.number,
    "created_at": BankAccount.created_at,
    "updated_at": BankAccount.updated_at,
}
FIELD_COLUMNS = {"legal_entity_id": "legal_entity", "bank_id": "bank"}
DUPLICATE = "this bank already has an account with this number"
LABEL = {"own": "Own bank account", "clients": "Bank account"}
MAX_NUMBER = 64
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9./-]*$")
# Two letters and two check digits: how every IBAN starts, whatever its length. A shorter or
# longer number starting like that is far more likely a mistyped IBAN than a domestic number.
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]*$")


def looks_like_iban(number: str) -> bool:
    return bool(_IBAN_SHAPE.match(number))


# Numbers whose IBAN validity is known, at most this many (then it starts over: ~20 MB).
IBAN_MEMO_SIZE = 1 << 17
_iban_memo: dict[str, bool] = {}


def is_valid_iban(number: str) -> bool:
    """Whether ``number`` is a valid IBAN, worked out once per distinct number a process.

    The answer depends on the text alone (schwifty's registry is fixed while the process runs),
    and checking it was most of an exported account's cost (schwifty builds and validates an
    ``IBAN`` object, ~15 µs); lists and exports show the same accounts again and again.
    """
    known = _iban_memo.get(number)
    if known is None:
        if len(_iban_memo) >= IBAN_MEMO_SIZE:
            _iban_memo.clear()
        known = _iban_memo[number] = looks_like_iban(number) and iban_problem(number) is None
    return known


def normalise_number(raw: str) -> str:
    """Spaces dropped and letters upper-cased; an IBAN-shaped number must be a valid IBAN."""
    number = _SPACES.sub("", raw).upper()
    if not number:
        raise Invalid.field("number", "must not be blank")
    if len(number) > MAX_NUMBER:
        raise Invalid.field("number", f"use at most {MAX_NUMBER} characters without spaces")
    if not _NUMBER.match(number):
        raise Invalid.field("number", "use letters, digits, dots, slashes and hyphens only")
    if looks_like_iban(number):
        reason = iban_problem(number)
        if reason:
            raise Invalid.field("number", f"looks like an IBAN but is not a valid one: {reason}")
    return number


def iban_problem(number: str) -> str | None:
    """Why ``number`` is not a valid IBAN, in words a person can act on; None when it is."""
    from schwifty import IBAN, registry
    from schwifty import exceptions as bad

    country = number[:2]
    try:
        expected = registry.get_iban_spec(country).iban_length
    except bad.InvalidCountryCode:
        return f"{country} is not a country that uses IBANs"
    if len(number) != expected:
        return f"an IBAN from {country} has {expected} characters, this one has {len(number)}"
    try:
        IBAN(number)
    except bad.InvalidChecksumDigits:
        return "the check digits do not match the rest of the number (is a character mistyped?)"
    except (bad.InvalidStructure, bad.InvalidBankCode, bad.InvalidBranchCode):
        return f"the bank or account part does not have the format used in {country}"
    except bad.SchwiftyException as exc:
        return str(exc)[:1].lower() + str(exc)[1:]
    return None


@dataclass(frozen=True)
class BankAccountFilters:
    q: str | None = None
    company_id: int | None = None
    legal_entity_id: int | None = None
    bank_id: int | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            number = _SPACES.sub("", self.q).upper()
            text = ([BankAccount.name, BankAccount.holder], self.q)
            # one clause, so a broad text is read from the list's order (core.db.broad_search)
            clauses.append(
                matches_any(text, (BankAccount.number, number)) if number else matches_any(text)
            )
        if self.company_id is not None:
            clauses.append(BankAccount.company == self.company_id)
        if self.legal_entity_id is not None:
            clauses.append(BankAccount.legal_entity == self.legal_entity_id)
        if self.bank_id is not None:
            clauses.append(BankAccount.bank == self.bank_id)
        return clauses


def _realm_clauses(scope: Scope, realm: Realm) -> list:
    """One arm of ``in_scope`` each: the caller's own rows, or those of the companies it
    created (``tenant_id``, their parent), each one index range."""
    if realm == "own":
        return [BankAccount.company == scope.company_id]
    return [BankAccount.tenant_id == scope.company_id]


def _entity_clause(scope: Scope, realm: Realm) -> Where:
    """The legal entities an account of this realm may be opened for."""
    if realm == "own":
        return LegalEntity.company == scope.company_id
    return LegalEntity.tenant_id == scope.company_id


def to_out(row: dict) -> BankAccountOut:
    creator = row["created_by_company"]
    return BankAccountOut(
        id=row["id"],
        name=row["name"],
        company_id=row["company"],
        company_name=row["company_name"],
        legal_entity_id=row["legal_entity"],
        legal_entity_name=row["legal_entity_name"],
        bank_id=row["bank"],
        bank_name=row["bank_name"],
        holder=row["holder"],
        number=row["number"],
        is_iban=is_valid_iban(row["number"]),
        created_by_company_id=creator,
        created_by_company_name=row["created_by_company_name"],
        assigned_by_tenant=creator is not None and creator != row["company"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_bank_accounts(
    scope: Scope, realm: Realm, filters: BankAccountFilters, query: ListQuery
) -> tuple[list[BankAccountOut], int, Cursors]:
    where = [*_realm_clauses(scope, realm), *filters.clauses()]
    rows, total, cursors = await fetch_page(BankAccount, OUT_COLUMNS, where, query, SORTABLE)
    return [to_out(r) for r in rows], total, cursors


async def _row(scope: Scope, realm: Realm, account_id: int, *columns) -> dict:
    row = (
        await BankAccount.select(*columns)
        .where(BankAccount.id == account_id, *_realm_clauses(scope, realm))
        .first()
    )
    if row is None:
        raise NotFound(f"{LABEL[realm].lower()} {account_id} not found")
    return row


async def get_bank_account(scope: Scope, realm: Realm, account_id: int) -> BankAccountOut:
    return to_out(await _row(scope, realm, account_id, *OUT_COLUMNS))


def _refuse_client(scope: Scope, realm: Realm) -> None:
    """A client's accounts are kept by the tenant that created it; the client only reads them."""
    if realm == "own" and scope.company_kind == "client":
        refuse_client_writes(scope, "their own bank accounts")


async def _entity_company(scope: Scope, realm: Realm, entity_id: int) -> int:
    row = (
        await LegalEntity.select(LegalEntity.company)
        .where(LegalEntity.id == entity_id, _entity_clause(scope, realm))
        .first()
    )
    if row is None:
        where = "your own legal entities" if realm == "own" else "those of your companies"
        raise Invalid.field("legal_entity_id", f"no such legal entity among {where}")
    return row["company"]


async def _rule_problems(
    scope: Scope,
    realm: Realm,
    values: dict,
    company_id: int | None,
    skip: frozenset[str] = frozenset(),
) -> Problems:
    """Every field rule beyond the Struct's at once; ``values`` is cleaned in place.

    ``company_id`` pins the company when editing. A field in ``skip`` (or absent) did not parse
    and is not judged: a form then shows its shape error and the other fields' rules together.
    """
    problems = Problems()
    for key in ("name", "holder"):
        if key in values and key not in skip:
            values[key] = values[key].strip()
            if not values[key]:
                problems.add(key, "must not be blank")
    if "number" in values and "number" not in skip:
        values["number"] = problems.attempt(normalise_number, values["number"])
    if values.get("legal_entity") is not None and "legal_entity_id" not in skip:
        company = None
        with problems.check():
            company = await _entity_company(scope, realm, values["legal_entity"])
        if company is not None and company_id is not None and company != company_id:
            problems.add(
                "legal_entity_id", "must belong to the account's company; it cannot move companies"
            )
        values["company"] = company
    if values.get("bank") is not None and "bank_id" not in skip:
        usable = await Bank.exists().where(Bank.id == values["bank"], banks.visible(scope))
        if not usable:
            problems.add("bank_id", "no such bank among yours and your tenants'")
    return problems


async def _clean(
    scope: Scope, realm: Realm, values: dict, old: dict | None, account_id: int | None
) -> dict:
    """One 422 naming every broken rule; a number already in the bank alone stays the 409
    Conflict it has always been, and joins the 422 when other rules are broken too."""
    problems = await _rule_problems(scope, realm, values, old["company"] if old else None)
    moved = old is None or (values["bank"], values["number"]) != (old["bank"], old["number"])
    checkable = moved and not problems.failed("number", "bank_id")
    if checkable and await _is_duplicate(scope, values, account_id):
        if not problems.errors:
            raise Conflict(f"number: {DUPLICATE}", [{"field": "number", "message": DUPLICATE}])
        problems.add("number", DUPLICATE)
    problems.raise_if_any()
    return values


async def _is_duplicate(scope: Scope, values: dict, account_id: int | None) -> bool:
    """One number per bank among the visible accounts; the bank row lock serialises writers."""
    if is_postgres():
        await Bank.raw("SELECT id FROM banks WHERE id = {} FOR UPDATE", values["bank"])
    query = BankAccount.exists().where(
        BankAccount.bank == values["bank"],
        BankAccount.number == values["number"],
        in_scope(BankAccount, scope),
    )
    if account_id is not None:
        query = query.where(BankAccount.id != account_id)
    return await query


async def rule_errors(
    scope: Scope,
    realm: Realm,
    data: BankAccountUpdate,
    account_id: int | None,
    skip: frozenset[str],
) -> list[dict[str, str]]:
    """The rule errors of the fields that parsed, for a form whose other fields did not, so
    both kinds show in one answer. Nothing is written; fields in ``skip`` are not judged."""
    _refuse_client(scope, realm)
    values = _input(data)
    company_id = None
    if account_id is not None:
        old = await _row(scope, realm, account_id, *AUDITED)
        values = {**old, **values}
        company_id = old["company"]
    problems = await _rule_problems(scope, realm, values, company_id, skip)
    return [e for e in problems.errors if e["field"] not in skip]


def _input(data: BankAccountCreate | BankAccountUpdate) -> dict:
    return {
        FIELD_COLUMNS.get(k, k): v
        for k, v in msgspec.structs.asdict(data).items()
        if v is not msgspec.UNSET
    }


async def create_bank_account(
    ctx: AuditContext, scope: Scope, realm: Realm, data: BankAccountCreate
) -> BankAccountOut:
    _refuse_client(scope, realm)
    async with transaction():
        values = await _clean(scope, realm, _input(data), None, None)
        account = BankAccount(created_by_company=scope.company_id, **values)
        await account.save()
        row = await BankAccount.select(*AUDITED).where(BankAccount.id == account.id).first()
        snap = snapshot(BankAccount, row)
        insert = Change(TABLE, "insert", account.id, {}, snap, values["company"])
        await record_event(ctx, f"{LABEL[realm]} created", [insert])
    return await get_bank_account(scope, realm, account.id)


async def update_bank_account(
    ctx: AuditContext, scope: Scope, realm: Realm, account_id: int, data: BankAccountUpdate
) -> BankAccountOut:
    async with transaction():
        old = await _row(scope, realm, account_id, *AUDITED)
        _refuse_client(scope, realm)
        values = await _clean(scope, realm, {**old, **_input(data)}, old, account_id)
        before, after = diff(snapshot(BankAccount, old), snapshot(BankAccount, values))
        if after:
            await BankAccount.update(
                {getattr(BankAccount, k): values[k] for k in after}
                | {BankAccount.updated_at: datetime.now().astimezone()}
            ).where(BankAccount.id == account_id)
            update = Change(TABLE, "update", account_id, before, after, old["company"])
            await record_event(ctx, f"{LABEL[realm]} updated", [update])
    return await get_bank_account(scope, realm, account_id)


async def delete_bank_account(
    ctx: AuditContext, scope: Scope, realm: Realm, account_id: int
) -> None:
    async with transaction():
        old = await _row(scope, realm, account_id, *AUDITED)
        _refuse_client(scope, realm)
        await refuse_if_used(f"bank account “{old['name']}”", bank_account_usages(account_id))
        await BankAccount.delete().where(BankAccount.id == account_id)
        await record_event(
            ctx,
            f"{LABEL[realm]} deleted",
            [Change(TABLE, "delete", account_id, snapshot(BankAccount, old), {}, old["company"])],
        )


async def entity_choices(scope: Scope, realm: Realm) -> list[dict]:
    """The legal entities an account may be opened for, with their company, for the forms."""
    return await (
        LegalEntity.select(
            LegalEntity.id,
            LegalEntity.name,
            LegalEntity.company,
            LegalEntity.company.name.as_alias("company_name"),
        )
        .where(_entity_clause(scope, realm))
        .order_by(LegalEntity.company.name)
        .order_by(LegalEntity.name)
    )


async def bank_choices(scope: Scope) -> list[dict]:
    """The banks the caller may pick: its own and those of the tenants above it."""
    return await Bank.select(Bank.id, Bank.name).where(banks.visible(scope)).order_by(Bank.name)
