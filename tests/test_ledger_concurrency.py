"""64 debits racing on one agreement with a credit limit: the database decides each one against
the balance it has locked, so the limit is never passed and the final balance is exact (on
PostgreSQL through the pool, as the app runs; on SQLite through ``BEGIN IMMEDIATE``)."""

from __future__ import annotations

import asyncio

from test_ledger import T0, balance, ledger_sum, open_agreement

from core import ledger
from core.db.engine import close_pool, start_pool
from core.ledger import Entry, LedgerEntry, LimitExceeded

DEBITS = 64
DEBIT = 3_000_000  # 3.00
LIMIT = 100_000_000  # 100.00: room for 33 debits, not 34


async def test_concurrent_debits_never_pass_the_limit(bo_factory):
    account = await open_agreement(bo_factory, "RACE", [(T0, None, LIMIT)])
    await start_pool()
    try:

        async def debit(n: int) -> bool:
            try:
                await ledger.post(
                    [Entry(account, -DEBIT, "edr", f"edr-{n}")],
                    idempotency_key=f"race-{n}",
                    enforce_limit=True,
                )
            except LimitExceeded:
                return False
            return True

        passed = await asyncio.gather(*(debit(n) for n in range(DEBITS)))
    finally:
        await close_pool()
    accepted = sum(passed)
    assert accepted == LIMIT // DEBIT == 33
    assert await balance(account) == -accepted * DEBIT == await ledger_sum(account)
    assert await LedgerEntry.count() == accepted
    rows = await LedgerEntry.select(LedgerEntry.resulting_balance).order_by(LedgerEntry.id)
    assert [r["resulting_balance"] for r in rows] == [-DEBIT * (i + 1) for i in range(accepted)]
    assert min(r["resulting_balance"] for r in rows) >= -LIMIT
