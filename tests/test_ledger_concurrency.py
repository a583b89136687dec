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


async def test_batches_crossing_the_same_accounts_in_any_order_all_land(bo_factory):
    """Accounts are locked in id order whatever order a batch lists them in: no deadlock."""
    a = await open_agreement(bo_factory, "X-A", [(T0, None, None)])
    b = await open_agreement(bo_factory, "X-B", [(T0, None, None)])
    await start_pool()
    try:
        await asyncio.gather(
            *(
                ledger.post_rows(
                    [(first, -1, "edr", "", T0), (second, 2, "adjustment", "", T0)],
                    idempotency_key=f"cross-{n}",
                    enforce_limit=True,
                )
                for n, (first, second) in enumerate([(a, b), (b, a)] * 8)
            )
        )
    finally:
        await close_pool()
    assert await balance(a) == 8 == await ledger_sum(a)
    assert await balance(b) == 8 == await ledger_sum(b)


async def test_the_hot_path_refuses_a_batch_past_a_limit_as_a_whole(bo_factory):
    limited = await open_agreement(bo_factory, "HL-1", [(T0, None, 10)])
    free = await open_agreement(bo_factory, "HL-2", [(T0, None, None)])
    rows = [(free, -1_000, "edr", "", T0)] + [(limited, -3, "edr", f"e{n}", T0) for n in range(4)]
    try:
        await ledger.post_rows(rows, idempotency_key="hot", enforce_limit=True)
    except LimitExceeded as refused:
        assert "HL-1" in refused.detail and "-0.000009" in refused.detail
    else:
        raise AssertionError("the fourth debit passes the limit of 10 micro-units")
    assert await balance(free) == 0 and await LedgerEntry.count() == 0
