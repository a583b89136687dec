"""Planner statistics, refreshed after every migration and every six hours.

Without them SQLite's planner guesses (it had never run ``ANALYZE``), and an index that would
serve a list's scope and sort may be passed over for a scan of every row. PostgreSQL's
autovacuum analyzes on its own, but only after enough rows changed: a bulk load followed at
once by reads (an import, the benchmarks) is planned on stale figures until then. Likewise the
trigram GIN indexes of name search (``core.db.search``) take new rows into a pending list that
only (auto)vacuum merges; until then the planner prices the index as too dear and reads every
row instead, so the refresh merges those lists (VACUUM does).

On PostgreSQL the refresh is ``VACUUM (ANALYZE)``, not ``ANALYZE`` alone: a bulk-loaded table
has no page marked all-visible until it is vacuumed, so an index-only scan must still visit
every row's page, and the planner, pricing it so, reads a capped count (``core.web.listing``)
as a scan of the table that stops at the cap. When the scope's rows lie at the far end, that
scan reads every other row first: the count of a reseller's 100,000 own bank accounts, created
after its clients' accounts, took 18-48 ms; vacuumed, it is an index-only range (0.4 ms).
The audit log's text filters gain the same way: their capped totals are counted from the
``(arm, label, …)`` indexes, 80-100 ms for ``user=user7@`` at 1,000,000 bulk-loaded events,
1-2 ms once vacuumed. It runs outside a transaction (it must), skips tables another session
holds locked, and skips pages already all-visible, so a refresh with little changed is cheap.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.db.engine import engine, is_postgres, transaction
from core.jobs.declarations import every, job

log = logging.getLogger("backoffice.db")

# SQLite samples this many rows per index instead of reading all of them (PRAGMA optimize's
# own choice); the figures only need to be about right.
SQLITE_ANALYSIS_LIMIT = 1000


async def refresh_statistics() -> None:
    """``VACUUM (ANALYZE)`` on PostgreSQL, on a connection of its own (it cannot run in a
    transaction); ``ANALYZE`` on SQLite, bounded, on one connection (the limit is a
    per-connection pragma)."""
    if is_postgres():
        connection = await engine().get_new_connection()
        try:
            await connection.execute("VACUUM (ANALYZE, SKIP_LOCKED)")
        finally:
            await connection.close()
    else:
        async with transaction() as txn:
            await txn.connection.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            await txn.connection.execute("ANALYZE")
    log.info("planner statistics refreshed")


@job(queue_name="default", max_retries=0)
async def refresh_statistics_job() -> None:
    await refresh_statistics()


JOBS = [refresh_statistics_job]
SCHEDULES = [every(timedelta(hours=6), refresh_statistics_job)]
