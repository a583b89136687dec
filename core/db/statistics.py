"""Planner statistics, refreshed after every migration and every six hours.

Without them SQLite's planner guesses (it had never run ``ANALYZE``), and an index that would
serve a list's scope and sort may be passed over for a scan of every row. PostgreSQL's
autovacuum analyzes on its own, but only after enough rows changed: a bulk load followed at
once by reads (an import, the benchmarks) is planned on stale figures until then. Likewise the
trigram GIN indexes of name search (``core.db.search``) take new rows into a pending list that
only (auto)vacuum merges; until then the planner prices the index as too dear and reads every
row instead, so the refresh merges those lists first. And an index-only read (the capped
totals of the audit log's text filters, counted from the ``(arm, label, …)`` indexes) still
fetches every row from the table until vacuum has marked its pages all-visible: ``user=user7@``
at 1,000,000 bulk-loaded events counted in 80-100 ms, 1-2 ms once vacuumed. So PostgreSQL's
refresh is ``VACUUM (ANALYZE)``, which autovacuum would also do, later; on an append-mostly
database it reads only the pages written since the last one.
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
GIN_PENDING_LISTS_MERGED = (
    "SELECT gin_clean_pending_list(c.oid) FROM pg_class c "
    "JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace ns ON ns.oid = c.relnamespace "
    "WHERE c.relkind = 'i' AND am.amname = 'gin' AND ns.nspname = current_schema()"
)


async def refresh_statistics() -> None:
    """``ANALYZE`` on both engines, bounded on SQLite; one connection (the limit is a
    per-connection pragma). PostgreSQL's is ``VACUUM (ANALYZE)``, which runs outside any
    transaction: a connection of its own."""
    if is_postgres():
        connection = await engine().get_new_connection()
        try:
            await connection.execute(GIN_PENDING_LISTS_MERGED)
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
