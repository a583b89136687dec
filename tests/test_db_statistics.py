"""Planner statistics are refreshed after migrations and on a schedule, and the lookups that
lists and writes rely on are served by indexes (issue 9)."""

from __future__ import annotations

from datetime import timedelta

from core.accounts.agreements import CODE_TAKEN
from core.accounts.models import Agreement
from core.db.engine import is_postgres, transaction
from core.db.migrate import migrate
from core.db.statistics import SCHEDULES, refresh_statistics, refresh_statistics_job
from core.jobs.broker import BUILTIN_MODULES


async def _analyzed() -> bool:
    if is_postgres():
        rows = await Agreement.raw(
            "SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables "
            "WHERE relname = 'agreements'"
        )
        return bool(rows) and any(rows[0].values())
    rows = await Agreement.raw(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'"
    )
    return rows[0]["n"] == 1


async def test_migrate_refreshes_statistics(bo_factory):
    await migrate()
    assert await _analyzed()
    await refresh_statistics()  # idempotent, callable at any time
    assert await _analyzed()


def test_statistics_are_refreshed_every_six_hours():
    assert "core.db.statistics" in BUILTIN_MODULES
    assert [s.job for s in SCHEDULES] == [refresh_statistics_job]
    assert SCHEDULES[0].interval == timedelta(hours=6)


async def test_agreement_code_check_is_an_index_lookup(bo_factory):
    """It read every code of the seller into Python (300 ms at 100,000 agreements)."""
    if is_postgres():  # an empty table is scanned unless scans are ruled out
        async with transaction() as txn:
            await txn.connection.execute("SET LOCAL enable_seqscan = off")
            rows = await txn.connection.fetch("EXPLAIN " + CODE_TAKEN.format("'x'", 1, 0))
        plan = " ".join(str(dict(r)) for r in rows)
    else:
        rows = await Agreement.raw("EXPLAIN QUERY PLAN " + CODE_TAKEN, "x", 1, 0)
        plan = " ".join(str(r) for r in rows)
    assert "agreements_lower_code" in plan
