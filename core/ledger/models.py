"""The ledger's two tables: where each balance stands, and every movement that brought it there.

Amounts are integer micro-units (``core.money``). ``balance_accounts.balance`` is a running
total kept by the posting service in the same transaction as the entries, so reading a balance
is one row, while ``ledger_entries`` stays the record it must always equal (append-only: the
service never updates or deletes an entry and database triggers refuse to).
"""

from __future__ import annotations

from piccolo.columns import BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.accounts.agreements.models import Agreement


class BalanceAccount(Table, tablename="balance_accounts"):
    """One balance: an agreement's main money balance (one per agreement, opened by a database
    trigger when the agreement row is inserted, whatever inserts it). Pack sub-balances will hang
    off the main account, so "the account of agreement X" stays one row (``agreement`` unique).
    """

    __owner__ = "agreement"

    agreement = ForeignKey(
        references=Agreement, on_delete=OnDelete.cascade, unique=True, null=False
    )
    currency = Varchar(length=3)
    balance = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class LedgerEntry(Table, tablename="ledger_entries"):
    """One movement of one balance: signed ``amount`` (credit > 0, debit < 0), why
    (``cause_kind`` and ``cause_ref``), when (``time``: the moment it belongs to, which picks the
    credit limit), and ``resulting_balance`` right after it. ``idempotency_key`` is unique: the
    batch's key and the entry's position in it, so a retried batch is recognised."""

    __owner__ = "account"

    account = ForeignKey(
        references=BalanceAccount, on_delete=OnDelete.restrict, index=False, null=False
    )
    amount = BigInt()
    currency = Varchar(length=3)
    cause_kind = Varchar(length=24)
    cause_ref = Varchar(length=200, default="")
    idempotency_key = Varchar(length=240, unique=True)
    batch_id = Varchar(length=32)
    time = Timestamptz()
    resulting_balance = BigInt()


def agreement_balance(agreement_id):
    """The balance column of the agreement whose id is ``agreement_id`` (``Agreement.id`` or a
    join's ``….agreement.id``), joined in the same query: lists select and sort by it."""
    return agreement_id.join_on(BalanceAccount.agreement).balance
