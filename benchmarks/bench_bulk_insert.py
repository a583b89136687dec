"""Writing many narrow rows: the bulk path (core.db.bulk) against piccolo's two ways.

The ledger, rating, rate import and invoicing write millions of rows. Baselines, in the same
process and on the same table (audit events of a client company: a timestamp, a company, three
short strings; the database adds ``tenant_id``, the company's parent, by trigger):
piccolo ``save()`` one row at a time, and piccolo ``insert(*rows)`` in batches of 1,000. The
bulk path inserts ROWS rows (default 1,000,000) with ``insert_many`` (``executemany`` on
SQLite, ``COPY`` on PostgreSQL), upserts a tenth of them with ``upsert_many``, and streams them
all back with ``stream``. Baselines run on fewer rows (they would take minutes) and are
compared as rows per second.

Run: .venv/bin/python benchmarks/bench_bulk_insert.py  (a throw-away SQLite file), or with
BACKOFFICE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_bench (a database you do not
mind being filled; it must exist). ROWS=… changes the bulk row count, ACTIONS=… the distinct
actions among them; BASELINES=0 skips the two piccolo baselines (minutes on a loaded machine)
and measures the bulk path alone.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

if "BACKOFFICE_DATABASE_URL" not in os.environ:
    os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"

ROWS = int(os.environ.get("ROWS", "1000000"))
BASELINES = os.environ.get("BASELINES", "1") != "0"
# distinct actions among the rows: 0 (the default) gives each row its own, the audit log's
# dictionary's worst case (migration 2026-12-01T11:50); a real log has a few dozen
ACTIONS = int(os.environ.get("ACTIONS", "0"))
SAVE_ROWS = 5_000
INSERT_ROWS = 100_000
COLUMNS = ("created_at", "company", "user_label", "ip", "action")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rows(company_id: int, n: int, start: int = 0):
    for i in range(start, start + n):
        yield (
            T0 + timedelta(seconds=i),
            company_id,
            f"user {i % 977}",
            "10.0.0.1",
            f"bench.{i % ACTIONS if ACTIONS else i}",
        )


async def main() -> None:
    from core.accounts.bootstrap import ensure_system_owner
    from core.audit.models import AuditEvent
    from core.db import bulk
    from core.db.engine import close_pool, is_postgres, start_pool, transaction
    from core.db.migrate import migrate
    from tenants.models import Company

    await migrate()
    await start_pool()
    owner = await ensure_system_owner()
    # rows of a client company, not of the root: the tenant_id triggers read its parent
    client = await Company.objects().get(Company.name == "Bulk bench client")
    if client is None:
        client = Company(name="Bulk bench client", kind="client", parent=owner["id"], depth=1)
        await client.save()
    cid = client.id
    await AuditEvent.delete(force=True)
    engine = "PostgreSQL" if is_postgres() else "SQLite"
    results: dict[str, float] = {}

    def report(label: str, n: int, seconds: float) -> float:
        rate = n / seconds
        # this process's CPU since the last report: SQLite's work, only the client's on PostgreSQL
        cpu = time.process_time() - clock[0]
        clock[0] = time.process_time()
        print(
            f"{engine:10} {label:42} {n:>9,} rows {seconds:8.2f} s {rate:>12,.0f} rows/s "
            f"{n / cpu:>12,.0f} rows/CPU-s"
        )
        return rate

    clock = [time.process_time()]

    if BASELINES:
        clock[0], start = time.process_time(), time.perf_counter()
        async with transaction():
            for values in rows(cid, SAVE_ROWS):
                await AuditEvent(**dict(zip(COLUMNS, values, strict=True))).save()
        results["save"] = report(
            "piccolo save(), one row at a time", SAVE_ROWS, time.perf_counter() - start
        )

        start = time.perf_counter()
        batch: list = []
        async with transaction():
            for values in rows(cid, INSERT_ROWS):
                batch.append(AuditEvent(**dict(zip(COLUMNS, values, strict=True))))
                if len(batch) == 1000:
                    await AuditEvent.insert(*batch)
                    batch = []
        results["insert"] = report(
            "piccolo insert(*1000 rows)", INSERT_ROWS, time.perf_counter() - start
        )
    await AuditEvent.delete(force=True)

    clock[0], start = time.process_time(), time.perf_counter()
    written = await bulk.insert_many(AuditEvent, COLUMNS, rows(cid, ROWS))
    results["bulk"] = report("bulk.insert_many", written, time.perf_counter() - start)
    assert await AuditEvent.count() == ROWS

    first_id = (await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id).first())["id"]
    tenth = ROWS // 10
    changed = ((first_id + i, T0, cid, "", "10.0.0.2", f"upserted.{i}") for i in range(0, ROWS, 10))
    start = time.perf_counter()
    await bulk.upsert_many(
        AuditEvent, ("id", *COLUMNS), changed, key=("id",), update=("ip", "action")
    )
    report("bulk.upsert_many (every 10th row)", tenth, time.perf_counter() - start)

    start = time.perf_counter()
    streamed = 0
    async for chunk in bulk.stream(AuditEvent, [AuditEvent.action, AuditEvent.created_at]):
        streamed += len(chunk)
    report("bulk.stream (keyset batches of 5,000)", streamed, time.perf_counter() - start)
    assert streamed == ROWS

    if BASELINES:
        print(
            f"{engine:10} bulk.insert_many is {results['bulk'] / results['save']:.1f}x "
            f"piccolo save() and {results['bulk'] / results['insert']:.1f}x piccolo insert(*1000)"
        )
    await AuditEvent.delete(force=True)
    await close_pool()


if __name__ == "__main__":
    asyncio.run(main())
