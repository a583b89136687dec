"""The credit-limit rule, reduced to one number per account before anything is written.

A batch may hold several debits of one account at different times, each under the limit of the
agreement version in force at its own time. Entry ``i`` keeps the balance within its limit when
``start + prefix_i >= -limit_i`` (``prefix_i``: the batch's movements of that account up to and
including ``i``), that is ``start >= -limit_i - prefix_i``. The largest right-hand side is the
account's *floor*: the one condition the conditional ``UPDATE … WHERE balance >= floor`` checks
against the balance as it is when the row is locked, so no read-modify-write race exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.accounts.agreements.models import AgreementVersion
from core.errors import Invalid
from core.ledger.models import BalanceAccount
from core.money import amount_text
from core.periods import contains


@dataclass(frozen=True)
class Terms:
    """An account's agreement and the (from, till, credit_limit) of each of its versions."""

    agreement_id: int
    code: str
    versions: list[tuple[datetime, datetime | None, int | None]]

    def limit_at(self, t: datetime) -> int:
        """The credit limit in force at ``t``; ``-1`` for unlimited. With no version in force
        there are no terms granting credit: the limit is 0 (the balance may not go negative)."""
        for start, till, limit in self.versions:
            if contains(start, till, t):
                return -1 if limit is None else limit
        return 0


UNLIMITED = -1


async def terms_of(accounts: Iterable[int]) -> dict[int, Terms]:
    """Two queries for any number of accounts: their agreements, then those agreements' versions."""
    ids = list(accounts)
    owners = await BalanceAccount.select(
        BalanceAccount.id,
        BalanceAccount.agreement,
        BalanceAccount.agreement.code.as_alias("code"),
    ).where(BalanceAccount.id.is_in(ids))
    by_agreement = {r["agreement"]: r for r in owners}
    versions: dict[int, list] = {a: [] for a in by_agreement}
    if by_agreement:
        rows = await AgreementVersion.select(
            AgreementVersion.agreement,
            AgreementVersion.effective_from,
            AgreementVersion.effective_till,
            AgreementVersion.credit_limit,
        ).where(AgreementVersion.agreement.is_in(list(by_agreement)))
        for r in rows:
            versions[r["agreement"]].append(
                (r["effective_from"], r["effective_till"], r["credit_limit"])
            )
    return {r["id"]: Terms(r["agreement"], r["code"], versions[r["agreement"]]) for r in owners}


def floors(rows: list[tuple], terms: dict[int, Terms]) -> dict[int, int]:
    """Each account's floor (see the module docstring); accounts without a limited debit have
    none."""
    prefix: dict[int, int] = {}
    found: dict[int, int] = {}
    for account, amount, _kind, _ref, at in rows:
        running = prefix.get(account, 0) + amount
        prefix[account] = running
        if amount >= 0 or account not in terms:
            continue
        limit = terms[account].limit_at(at)
        if limit == UNLIMITED:
            continue
        floor = -limit - running
        if account not in found or floor > found[account]:
            found[account] = floor
    return found


class LimitExceeded(Invalid):
    """A debit refused by the credit limit; the whole batch is refused with it."""

    def __init__(self, agreement: str, balance: int, limit: int, amount: int, currency: str):
        self.agreement, self.balance, self.limit, self.amount = agreement, balance, limit, amount
        message = (
            f"agreement {agreement}: a debit of {amount_text(-amount)} {currency} would take the "
            f"balance from {amount_text(balance)} to {amount_text(balance + amount)} {currency}, "
            f"below the credit limit of {amount_text(limit)} {currency}"
        )
        super().__init__(message, [{"field": "amount", "message": message}])


def refusal(rows: list[tuple], account: int, start: int, terms: Terms, currency: str):
    """The first debit of ``account`` that passes its limit from balance ``start``."""
    balance = start
    for acc, amount, _kind, _ref, at in rows:
        if acc != account:
            continue
        limit = terms.limit_at(at)
        if amount < 0 and limit != UNLIMITED and balance + amount < -limit:
            return LimitExceeded(terms.code, balance, limit, amount, currency)
        balance += amount
    return None
