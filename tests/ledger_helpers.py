"""Moving an agreement's balance in a test the only way it moves: a ledger posting."""

from __future__ import annotations

import uuid

from core import ledger


async def set_balance(agreement_id: int, micros: int) -> None:
    """Post the adjustment that brings the agreement's balance to ``micros``."""
    account = await ledger.main_account(agreement_id)
    current = (
        await ledger.BalanceAccount.select(ledger.BalanceAccount.balance)
        .where(ledger.BalanceAccount.id == account)
        .first()
    )
    entry = ledger.Entry(account, micros - current["balance"], "adjustment", "test")
    await ledger.post([entry], idempotency_key=uuid.uuid4().hex, enforce_limit=False)
