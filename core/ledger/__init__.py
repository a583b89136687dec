"""The ledger: every balance and every movement of it (issue 10, docs/ledger.md).

``post`` / ``post_rows`` are the only writers of balances; an agreement's main account is opened
by the database when the agreement row is inserted (``main_account`` finds it).
"""

from __future__ import annotations

from core.errors import NotFound
from core.ledger.limits import LimitExceeded
from core.ledger.models import BalanceAccount, LedgerEntry
from core.ledger.posting import CAUSE_KINDS, Entry, Posted, post, post_rows, replay

__all__ = [
    "CAUSE_KINDS",
    "BalanceAccount",
    "Entry",
    "LedgerEntry",
    "LimitExceeded",
    "Posted",
    "main_account",
    "post",
    "post_rows",
    "replay",
]


async def main_account(agreement_id: int) -> int:
    """The id of an agreement's main balance account (callers check the agreement's scope)."""
    row = (
        await BalanceAccount.select(BalanceAccount.id)
        .where(BalanceAccount.agreement == agreement_id)
        .first()
    )
    if row is None:
        raise NotFound(f"agreement {agreement_id} has no balance account")
    return row["id"]
