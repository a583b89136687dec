"""The one way money moves: ``post`` (a few entries, typed) and ``post_rows`` (rating's hot path,
plain tuples of ints), both through ``_write``.

A batch is atomic and identified by its idempotency key: entry ``i`` is stored under
``"{key}/{i}"`` (unique), so the same key again finds the first result, returns it and writes
nothing, even when two callers race (the loser's insert breaks the unique index, its whole
transaction rolls back, and it answers the winner's result). Balances move by one conditional
``UPDATE … SET balance = balance + delta WHERE balance >= floor RETURNING`` per batch (all
accounts at once): the database checks the credit limit on the row it has locked, on PostgreSQL
(row lock, re-checked after a concurrent commit) and SQLite (inside ``BEGIN IMMEDIATE``) alike.
Entries go in through ``core.db.bulk.insert_many``; no per-entry ``Decimal`` or ORM object.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.db.bulk import insert_many
from core.db.engine import is_postgres, transaction
from core.errors import Invalid
from core.ledger import limits
from core.ledger.models import BalanceAccount, LedgerEntry
from core.money import MAX_MICROS
from core.periods import now_utc

CAUSE_KINDS = (
    "edr",
    "fee",
    "pack_purchase",
    "payment",
    "invoice_correction",
    "rerate",
    "adjustment",
)
MAX_KEY = 200
MAX_REF = 200
COLUMNS = [
    "account",
    "amount",
    "currency",
    "cause_kind",
    "cause_ref",
    "idempotency_key",
    "batch_id",
    "time",
    "resulting_balance",
]
SQLITE_ACCOUNTS_PER_UPDATE = 2_000  # 3 parameters each, far below SQLite's 32,766


@dataclass(frozen=True, slots=True)
class Entry:
    """One movement: ``amount`` in signed micro-units (credit > 0, debit < 0) of the account's
    currency; ``time`` (default: now) is the moment it belongs to and picks the credit limit."""

    account: int
    amount: int
    cause_kind: str
    cause_ref: str = ""
    time: datetime | None = None


@dataclass(frozen=True)
class Posted:
    """``balances``: each account's balance right after the batch. ``replayed``: the key had
    been posted before; this is that first result and nothing was written now."""

    batch_id: str
    entries: int
    balances: dict[int, int] = field(default_factory=dict)
    replayed: bool = False


async def post(entries: Sequence[Entry], *, idempotency_key: str, enforce_limit: bool) -> Posted:
    now = now_utc()
    rows = [(e.account, e.amount, e.cause_kind, e.cause_ref, e.time or now) for e in entries]
    return await _write(rows, idempotency_key, enforce_limit)


async def post_rows(
    rows: Iterable[tuple[int, int, str, str, datetime]],
    *,
    idempotency_key: str,
    enforce_limit: bool = False,
) -> Posted:
    """Rating's hot path: ``(account, amount, cause_kind, cause_ref, time)`` tuples, any number
    of accounts, one transaction (the caller's, when it has one)."""
    return await _write(
        rows if isinstance(rows, list) else list(rows), idempotency_key, enforce_limit
    )


def _check(rows: list[tuple], key: str) -> dict[int, int]:
    """Every row's shape, in our words, before anything is written; returns each account's
    net movement."""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
        raise Invalid.field("idempotency_key", f"must be 1 to {MAX_KEY} characters")
    if not rows:
        raise Invalid.field("entries", "a batch needs at least one entry")
    kinds = frozenset(CAUSE_KINDS)
    deltas: dict[int, int] = {}
    for i, (account, amount, kind, ref, at) in enumerate(rows):
        if type(amount) is not int or not -MAX_MICROS <= amount <= MAX_MICROS:
            raise Invalid.field(f"entries[{i}].amount", "must be an integer of micro-units")
        if kind not in kinds:
            raise Invalid.field(
                f"entries[{i}].cause_kind", f"must be one of: {', '.join(CAUSE_KINDS)}"
            )
        if type(account) is not int:
            raise Invalid.field(f"entries[{i}].account", "must be an account id")
        if type(ref) is not str or len(ref) > MAX_REF:
            raise Invalid.field(f"entries[{i}].cause_ref", f"must be at most {MAX_REF} characters")
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise Invalid.field(f"entries[{i}].time", "must carry a time zone")
        deltas[account] = deltas.get(account, 0) + amount
    return deltas


async def _write(rows: list[tuple], key: str, enforce_limit: bool) -> Posted:
    deltas = _check(rows, key)
    try:
        async with transaction():
            if (first := await replay(key)) is not None:
                return first
            terms = await limits.terms_of(deltas) if enforce_limit else {}
            floors = limits.floors(rows, terms) if enforce_limit else {}
            moved = await _move_balances(deltas, floors)
            if len(moved) < len(deltas):
                await _refuse(rows, deltas, moved, terms)
            batch_id = uuid.uuid4().hex
            await insert_many(LedgerEntry, COLUMNS, _entries(rows, key, batch_id, deltas, moved))
    except Exception as exc:
        if not _is_duplicate_key(exc) or (first := await replay(key)) is None:
            raise
        return first
    return Posted(batch_id, len(rows), {a: b for a, (b, _c) in moved.items()})


def _entries(rows, key: str, batch_id: str, deltas: dict, moved: dict):
    """The rows to insert, each with its resulting balance (start = end - net movement).

    Written grouped by account (a stable sort: each account's entries keep their order, ids
    and resulting balances included): the per-account indexes then grow at one place per
    account instead of at a random one per entry, which is what a batch of many interleaved
    accounts spends its time on. Entry ``i`` keeps the key ``{key}/{i}`` of its place in
    ``rows``.
    """
    running = {a: moved[a][0] - d for a, d in deltas.items()}
    currency = {a: c for a, (_b, c) in moved.items()}
    order = sorted(range(len(rows)), key=lambda i: rows[i][0]) if len(deltas) > 1 else None
    for i in order or range(len(rows)):
        account, amount, kind, ref, at = rows[i]
        balance = running[account] + amount
        running[account] = balance
        yield (account, amount, currency[account], kind, ref, f"{key}/{i}", batch_id, at, balance)


async def _move_balances(deltas: dict[int, int], floors: dict[int, int]) -> dict[int, tuple]:
    """One conditional UPDATE for all accounts: ``{account: (new balance, currency)}`` for the
    rows that moved; an account missing from the answer does not exist or hit its floor."""
    now = now_utc()
    ids = sorted(deltas)
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            # Lock in id order first: two batches touching the same accounts never deadlock.
            await conn.execute(
                "SELECT id FROM balance_accounts WHERE id = ANY($1::bigint[]) "
                "ORDER BY id FOR UPDATE",
                ids,
            )
            found = await conn.fetch(
                "UPDATE balance_accounts AS a SET balance = a.balance + v.delta, updated_at = $4 "
                "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, delta, floor) "
                "WHERE a.id = v.id AND (v.floor IS NULL OR a.balance >= v.floor) "
                "RETURNING a.id, a.balance, a.currency",
                ids,
                [deltas[a] for a in ids],
                [floors.get(a) for a in ids],
                now,
            )
            return {r["id"]: (r["balance"], r["currency"]) for r in found}
        moved = {}
        for start in range(0, len(ids), SQLITE_ACCOUNTS_PER_UPDATE):
            chunk = ids[start : start + SQLITE_ACCOUNTS_PER_UPDATE]
            values = ", ".join("(?, ?, ?)" for _ in chunk)
            params: list = [now]
            for a in chunk:
                params += (a, deltas[a], floors.get(a))
            found = await conn.execute_fetchall(
                "UPDATE balance_accounts SET balance = balance_accounts.balance + v.column2, "
                f"updated_at = ? FROM (VALUES {values}) AS v "
                "WHERE balance_accounts.id = v.column1 "
                "AND (v.column3 IS NULL OR balance_accounts.balance >= v.column3) "
                "RETURNING id, balance, currency",
                params,
            )
            moved.update({r["id"]: (r["balance"], r["currency"]) for r in found})
        return moved


async def _refuse(rows: list[tuple], deltas: dict, moved: dict, terms: dict) -> None:
    """Raise the reason an account did not move (the transaction then rolls back)."""
    missing = sorted(set(deltas) - set(moved))
    current = {
        r["id"]: r
        for r in await BalanceAccount.select(
            BalanceAccount.id, BalanceAccount.balance, BalanceAccount.currency
        ).where(BalanceAccount.id.is_in(missing))
    }
    for account in missing:
        if account not in current:
            raise Invalid.field("account", f"no balance account {account}")
        row = current[account]
        refused = limits.refusal(rows, account, row["balance"], terms[account], row["currency"])
        if refused is not None:
            raise refused
    raise RuntimeError("a balance did not move and no rule refused it")  # a bug, not input


async def replay(key: str) -> Posted | None:
    """The first result of ``key``: each account's balance after its last entry in the batch."""
    first = (
        await LedgerEntry.select(LedgerEntry.batch_id)
        .where(LedgerEntry.idempotency_key == f"{key}/0")
        .first()
    )
    if first is None:
        return None
    batch_id = first["batch_id"]
    # The batch's keys are one range of the unique index: "{key}/" up to "{key}0" ("0" follows
    # "/"), so no index on batch_id is kept for this rare read.
    rows = await LedgerEntry.raw(
        "SELECT account, resulting_balance, n FROM ledger_entries JOIN ("
        "SELECT MAX(id) AS last, COUNT(*) AS n FROM ledger_entries "
        "WHERE idempotency_key >= {} AND idempotency_key < {} AND batch_id = {} "
        "GROUP BY account) AS lasts ON ledger_entries.id = lasts.last",
        f"{key}/",
        f"{key}0",
        batch_id,
    )
    balances = {r["account"]: r["resulting_balance"] for r in rows}
    return Posted(batch_id, sum(r["n"] for r in rows), balances, replayed=True)


def _is_duplicate_key(exc: Exception) -> bool:
    """A unique violation of the idempotency key (asyncpg or sqlite3 wording)."""
    text = f"{type(exc).__name__} {exc}"
    return "idempotency_key" in text and ("Unique" in text or "UNIQUE" in text)
