"""Bank profiles: a company keeps its own and borrows, read-only, those of the tenants above it.

Banks are the one account-management object that flows *down* the tree: a tenant records the
banks it works with once and every reseller below it can pick them for its bank accounts. So the
read scope is the caller plus its ancestors (from the materialised path), not the usual "own and
children" scope, and a parent never sees a bank its reseller created. Writes are narrower still:
only the owning company may change or delete a bank; for anyone else the id answers 404, the
same as a missing one, so the write scope cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec
import pycountry
from piccolo.columns.combination import Where

from core.access.guards import refuse_client_writes
from core.accounts.banks.models import Bank
from core.accounts.banks.schemas import BankCreate, BankOut, BankUpdate
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.db.disjoint import Disjoint
from core.db.engine import transaction
from core.db.search import matches
from core.errors import Invalid, NotFound
from core.validation import Problems, country_name, normalise_country
from core.web.listing import ListQuery, fetch_page
from tenants.scope import Scope
from tenants.tree import ancestor_ids

AUDITED = [
    Bank.id,
    Bank.company,
    Bank.name,
    Bank.description,
    Bank.country,
    Bank.address,
    Bank.swift,
    Bank.branch_code,
    Bank.bank_code,
]
OUT_COLUMNS = [
    *AUDITED,
    Bank.company.name.as_alias("company_name"),
    Bank.created_at,
    Bank.updated_at,
]
# The sorts with a ``(company, key, id)`` index (migration 2026-12-01T11:20:00, SORT_INDEXES).
SCOPE_SORTS = frozenset({"id", "name", "country", "swift", "created_at"})
SORTABLE = {
    "id": Bank.id,
    "name": Bank.name,
    "country": Bank.country,
    "swift": Bank.swift,
    "created_at": Bank.created_at,
}
# Codes SWIFT uses that ISO 3166-1 has not assigned (Kosovo).
SWIFT_EXTRA_COUNTRIES = {"XK"}
TEXT_FIELDS = ("name", "description", "address", "branch_code", "bank_code")


def normalise_swift(raw: str) -> str:
    """An empty string, or a SWIFT/BIC code: 8 or 11 letters or digits whose characters 5-6
    name a country. Stored upper-case so lookups and duplicates compare plainly."""
    code = raw.strip().upper()
    if not code:
        return ""
    if not (code.isascii() and code.isalnum()):
        raise Invalid.field("swift", "use letters and digits only, without spaces or punctuation")
    if len(code) not in (8, 11):
        raise Invalid.field("swift", f"must be 8 or 11 characters long, not {len(code)}")
    country = code[4:6]
    if country not in SWIFT_EXTRA_COUNTRIES and not (
        country.isalpha() and pycountry.countries.get(alpha_2=country)
    ):
        raise Invalid.field("swift", f"characters 5-6 must be a country code; {country} is not one")
    return code


def visible(scope: Scope) -> Where:
    """The caller's banks and those of every company above it, up to the system owner.

    One arm per company on the path (``company = A``, disjoint), so a list sorted by a key of
    ``SCOPE_SORTS`` reads one range of ``(company, key, id)`` per ancestor and merges them
    (``core.db.disjoint``) instead of sorting every bank of the scope.
    """
    ids = ancestor_ids(scope.company_path) or [scope.company_id]
    plain = Bank.company.is_in(ids)
    if len(ids) == 1:
        return Bank.company == ids[0]
    return Disjoint(tuple(Bank.company == i for i in ids), plain, SCOPE_SORTS)


def managed(scope: Scope) -> Where:
    return Bank.company == scope.company_id


@dataclass(frozen=True)
class BankFilters:
    q: str | None = None
    country: str | None = None
    swift: str | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(matches(Bank.name, self.q))
        if self.country:
            clauses.append(Bank.country == normalise_country(self.country))
        if self.swift and self.swift.strip():
            clauses.append(matches(Bank.swift, self.swift.strip().upper()))
        return clauses


def to_out(row: dict, scope: Scope) -> BankOut:
    return BankOut(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        country=row["country"],
        country_name=country_name(row["country"]),
        address=row["address"],
        swift=row["swift"],
        branch_code=row["branch_code"],
        bank_code=row["bank_code"],
        company_id=row["company"],
        company_name=row["company_name"] or "",
        owned=row["company"] == scope.company_id,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_banks(scope: Scope, filters: BankFilters, query: ListQuery):
    rows, total, cursors = await fetch_page(
        Bank, OUT_COLUMNS, [visible(scope), *filters.clauses()], query, SORTABLE
    )
    return [to_out(r, scope) for r in rows], total, cursors


async def _row(where: Where, bank_id: int, *columns) -> dict:
    row = await Bank.select(*columns).where(Bank.id == bank_id, where).first()
    if row is None:
        raise NotFound(f"bank {bank_id} not found")
    return row


async def get_bank(scope: Scope, bank_id: int) -> BankOut:
    return to_out(await _row(visible(scope), bank_id, *OUT_COLUMNS), scope)


async def get_own_bank(scope: Scope, bank_id: int) -> BankOut:
    """A bank the caller may change: 404 for an ancestor's bank as for a foreign one."""
    return to_out(await _row(managed(scope), bank_id, *OUT_COLUMNS), scope)


def _clean(values: dict) -> dict:
    """Trimmed values with country and SWIFT normalised; raises naming every broken rule."""
    problems = Problems()
    cleaned = {k: values[k].strip() for k in TEXT_FIELDS}
    for key in ("name", "address"):
        if not cleaned[key]:
            problems.add(key, "must not be blank")
    cleaned["country"] = problems.attempt(normalise_country, values["country"])
    cleaned["swift"] = problems.attempt(normalise_swift, values["swift"])
    problems.raise_if_any()
    return cleaned


async def create_bank(ctx: AuditContext, scope: Scope, data: BankCreate) -> BankOut:
    refuse_client_writes(scope, "banks")
    values = _clean(msgspec.structs.asdict(data))
    async with transaction():
        bank = Bank(company=scope.company_id, **values)
        await bank.save()
        row = await Bank.select(*AUDITED).where(Bank.id == bank.id).first()
        await record_event(
            ctx,
            "Bank created",
            [Change("banks", "insert", bank.id, {}, snapshot(Bank, row), scope.company_id)],
        )
    return await get_bank(scope, bank.id)


async def update_bank(ctx: AuditContext, scope: Scope, bank_id: int, data: BankUpdate) -> BankOut:
    refuse_client_writes(scope, "banks")
    async with transaction():
        old = await _row(managed(scope), bank_id, *AUDITED)
        merged = {**old}
        for key, value in msgspec.structs.asdict(data).items():
            if value is not msgspec.UNSET:
                merged[key] = value
        values = {**old, **_clean(merged)}
        before, after = diff(snapshot(Bank, old), snapshot(Bank, values))
        if after:
            await Bank.update(
                {getattr(Bank, k): values[k] for k in after}
                | {Bank.updated_at: datetime.now().astimezone()}
            ).where(Bank.id == bank_id)
            await record_event(
                ctx,
                "Bank updated",
                [Change("banks", "update", bank_id, before, after, scope.company_id)],
            )
    return await get_bank(scope, bank_id)


async def delete_bank(ctx: AuditContext, scope: Scope, bank_id: int) -> None:
    from core.accounts.in_use import bank_usages, refuse_if_used

    refuse_client_writes(scope, "banks")
    async with transaction():
        old = await _row(managed(scope), bank_id, *AUDITED)
        await refuse_if_used(f"bank “{old['name']}”", bank_usages(bank_id))
        await Bank.delete().where(Bank.id == bank_id)
        await record_event(
            ctx,
            "Bank deleted",
            [Change("banks", "delete", bank_id, snapshot(Bank, old), {}, scope.company_id)],
        )
