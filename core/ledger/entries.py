"""An agreement's ledger as a list: filtered by time and cause, paged by key, exported as CSV.

Scoped like the agreement (a foreign or missing agreement answers 404). The list grows without
bound, so it pages by key on ``(time, id)``: one range of the ``(account, time, id)`` index,
each page costing the same however deep it is. Times are half-open like every period here:
``from`` inclusive, ``till`` exclusive; a value without a zone is UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from core.accounts.agreements import versions
from core.accounts.agreements.models import Agreement
from core.ledger.models import BalanceAccount, LedgerEntry
from core.ledger.posting import CAUSE_KINDS
from core.money import amount_text
from core.validation import Problems
from core.web.listing import Cursors, ListQuery, Page, fetch_page
from tenants.scope import Scope

SORTABLE = {"time": LedgerEntry.time}
ACCOUNT_OF_AGREEMENT = Agreement.id.join_on(BalanceAccount.agreement).id
COLUMNS = [
    LedgerEntry.id,
    LedgerEntry.time,
    LedgerEntry.amount,
    LedgerEntry.currency,
    LedgerEntry.cause_kind,
    LedgerEntry.cause_ref,
    LedgerEntry.resulting_balance,
    LedgerEntry.batch_id,
    LedgerEntry.idempotency_key,
]


class LedgerEntryOut(msgspec.Struct):
    """Amounts are exact decimal strings (``amount`` signed: credit > 0, debit < 0)."""

    id: int
    time: datetime
    amount: str
    currency: str
    cause_kind: str
    cause_ref: str
    resulting_balance: str
    batch_id: str
    idempotency_key: str


class LedgerPage(Page):
    items: list[LedgerEntryOut]


def _when(field: str, raw: str | None, problems: Problems) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        problems.add(field, "must be an ISO 8601 date-time (or date), e.g. 2026-01-31T00:00:00Z")
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class LedgerFilters:
    time_from: datetime | None = None
    time_till: datetime | None = None
    cause_kind: str | None = None

    @classmethod
    def parse(cls, time_from: str | None, till: str | None, kind: str | None) -> LedgerFilters:
        """Every broken filter at once, in our words (422)."""
        problems = Problems()
        start, end = _when("from", time_from, problems), _when("till", till, problems)
        if start and end and end <= start:
            problems.add("till", "must be after from")
        if kind and kind not in CAUSE_KINDS:
            problems.add("cause_kind", f"must be one of: {', '.join(CAUSE_KINDS)}")
        problems.raise_if_any()
        return cls(start, end, kind or None)

    def clauses(self) -> list:
        found = []
        if self.time_from is not None:
            found.append(LedgerEntry.time >= self.time_from)
        if self.time_till is not None:
            found.append(LedgerEntry.time < self.time_till)
        if self.cause_kind:
            found.append(LedgerEntry.cause_kind == self.cause_kind)
        return found


def to_out(row: dict) -> LedgerEntryOut:
    return LedgerEntryOut(
        id=row["id"],
        time=row["time"],
        amount=amount_text(row["amount"]),
        currency=row["currency"],
        cause_kind=row["cause_kind"],
        cause_ref=row["cause_ref"],
        resulting_balance=amount_text(row["resulting_balance"]),
        batch_id=row["batch_id"],
        idempotency_key=row["idempotency_key"],
    )


async def list_entries(
    scope: Scope, agreement_id: int, filters: LedgerFilters, query: ListQuery
) -> tuple[list[LedgerEntryOut], int, Cursors]:
    """A page by key; with ``query.resume`` (a CSV export) the next batch after the last row."""
    # the agreement in scope (else 404) and its account, in one query
    row = await versions.agreement_row(
        scope, agreement_id, ACCOUNT_OF_AGREEMENT.as_alias("account")
    )
    where = [LedgerEntry.account == row["account"], *filters.clauses()]
    rows, total, cursors = await fetch_page(LedgerEntry, COLUMNS, where, query, SORTABLE)
    return [to_out(r) for r in rows], total, cursors
