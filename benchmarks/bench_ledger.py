"""Posting to the ledger: rating's hot path (``core.ledger.post_rows``) against a naive posting.

ENTRIES entries (default 1,000,000) over ACCOUNTS agreement balances (default 10,000) go through
``post_rows`` in batches of BATCH (default 100,000: one rating run's worth), each one
transaction: one conditional UPDATE for every account touched, the entries through
``core.db.bulk.insert_many`` (``executemany`` / ``COPY``). The baseline, in the same run and on
the same tables, posts a 10,000-entry slice the naive way: per entry, piccolo reads the account,
``save()``s its new balance and ``save()``s the entry (one transaction for the whole slice, so
only the per-entry cost differs). Rows are built before the clock starts, for both. At the end
every balance is checked against the sum of its ledger.

Run: .venv/bin/python benchmarks/bench_ledger.py  (a throw-away SQLite file), or with
BACKOFFICE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_bench (a database you do not
mind being filled; it must exist).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

if "BACKOFFICE_DATABASE_URL" not in os.environ:
    os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"

ENTRIES = int(os.environ.get("ENTRIES", "1000000"))
ACCOUNTS = int(os.environ.get("ACCOUNTS", "10000"))
BATCH = int(os.environ.get("BATCH", "100000"))
NAIVE = 10_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)
AGREEMENT_COLUMNS = [
    "company",
    "legal_entity",
    "own_legal_entity",
    "code",
    "agreement_date",
    "currency",
]
AGREEMENT_COLUMNS += ["created_at", "updated_at"]


async def seed() -> list[int]:
    """ACCOUNTS agreements of one client (the database opens an account for each)."""
    from core.accounts.agreements.models import Agreement
    from core.accounts.bootstrap import ensure_system_owner
    from core.accounts.legal_entities.models import LegalEntity
    from core.db.bulk import insert_many
    from core.ledger import BalanceAccount
    from tenants.models import Company
    from tenants.tree import child_path

    owner = await ensure_system_owner()
    client = Company(name=f"Ledger bench {time.time()}", kind="client", parent=owner["id"])
    await client.save()
    await Company.update({Company.path: child_path(owner["path"], client.id)}).where(
        Company.id == client.id
    )
    theirs = LegalEntity(company=client.id, name="B", legal_name="B", country="DE")
    ours = LegalEntity(company=owner["id"], name="S", legal_name="S", country="DE")
    await theirs.save()
    await ours.save()
    now = datetime.now(UTC)
    await insert_many(
        Agreement,
        AGREEMENT_COLUMNS,
        (
            (
                client.id,
                theirs.id,
                ours.id,
                f"LB-{client.id}-{i}",
                date(2026, 1, 1),
                "EUR",
                now,
                now,
            )
            for i in range(ACCOUNTS)
        ),
    )
    rows = await BalanceAccount.select(BalanceAccount.id).where(
        BalanceAccount.agreement._.company == client.id
    )
    return sorted(r["id"] for r in rows)


def batch_rows(accounts: list[int], start: int, n: int) -> list[tuple]:
    count = len(accounts)
    return [
        (accounts[i % count], -(i % 997) - 1, "edr", f"edr-{i}", T0 + timedelta(seconds=i))
        for i in range(start, start + n)
    ]


async def naive(rows: list[tuple], key: str) -> None:
    from core.db.engine import transaction
    from core.ledger import BalanceAccount, LedgerEntry

    async with transaction():
        for i, (account, amount, kind, ref, at) in enumerate(rows):
            acc = await BalanceAccount.objects().get(BalanceAccount.id == account)
            acc.balance += amount
            await acc.save([BalanceAccount.balance])
            await LedgerEntry(
                account=account,
                amount=amount,
                currency=acc.currency,
                cause_kind=kind,
                cause_ref=ref,
                idempotency_key=f"{key}/{i}",
                batch_id=key,
                time=at,
                resulting_balance=acc.balance,
            ).save()


async def main() -> None:
    from core import ledger
    from core.db.engine import close_pool, is_postgres, start_pool
    from core.db.migrate import migrate
    from core.ledger import BalanceAccount, LedgerEntry

    await migrate()
    await start_pool()
    engine = "PostgreSQL" if is_postgres() else "SQLite"
    accounts = await seed()
    run = f"bench-{time.time_ns()}"

    rows = batch_rows(accounts, 0, NAIVE)
    start = time.perf_counter()
    await naive(rows, f"{run}-naive")
    naive_rate = NAIVE / (time.perf_counter() - start)
    print(
        f"{engine:10} naive (piccolo get + save() x2 per entry) {NAIVE:>9,} entries "
        f"{NAIVE / naive_rate:8.2f} s {naive_rate:>10,.0f} entries/s"
    )

    elapsed, cpu = 0.0, time.process_time()
    for n, first in enumerate(range(0, ENTRIES, BATCH)):
        rows = batch_rows(accounts, first, min(BATCH, ENTRIES - first))
        start = time.perf_counter()
        await ledger.post_rows(rows, idempotency_key=f"{run}-{n}")
        elapsed += time.perf_counter() - start
    rate = ENTRIES / elapsed
    cpu = time.process_time() - cpu  # this process, its database thread included
    print(
        f"{engine:10} hot path post_rows, batches of {BATCH:,}   {ENTRIES:>9,} entries "
        f"{elapsed:8.2f} s {rate:>10,.0f} entries/s over {len(accounts):,} accounts"
    )
    print(
        f"{engine:10} hot path is {rate / naive_rate:.1f}x the naive posting; "
        f"CPU of this process {cpu:.2f} s (rows built included), load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    start = time.perf_counter()
    sums = await LedgerEntry.raw(
        "SELECT account, SUM(amount) AS total FROM ledger_entries GROUP BY account"
    )
    balances = await BalanceAccount.select(BalanceAccount.id, BalanceAccount.balance)
    by_id = {r["id"]: r["balance"] for r in balances}
    wrong = [r for r in sums if by_id[r["account"]] != r["total"]]
    print(
        f"{engine:10} every balance equals its ledger: {not wrong} "
        f"(checked {len(sums):,} accounts in {time.perf_counter() - start:.2f} s)"
    )
    await close_pool()


if __name__ == "__main__":
    asyncio.run(main())
