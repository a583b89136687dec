"""Planner statistics are refreshed after migrations and on a schedule, and the lookups that
lists and writes rely on are served by indexes (issue 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.agreements.models import Agreement
from core.accounts.agreements.service import CODE_TAKEN
from core.db.engine import is_postgres, transaction
from core.db.migrate import migrate
from core.db.statistics import SCHEDULES, refresh_statistics, refresh_statistics_job
from core.jobs.broker import BUILTIN_MODULES

# Query plans depend on the tables' files, not only their rows (see bo_fresh_tables).
pytestmark = pytest.mark.usefixtures("bo_fresh_tables")


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
            rows = await txn.connection.fetch("EXPLAIN " + CODE_TAKEN.format(1, "'x'", 0))
        plan = " ".join(str(dict(r)) for r in rows)
    else:
        rows = await Agreement.raw("EXPLAIN QUERY PLAN " + CODE_TAKEN, 1, "x", 0)
        plan = " ".join(str(r) for r in rows)
    assert "agreements_seller_lower_code" in plan


async def test_seller_is_stored_by_the_database_and_codes_are_unique_per_seller(bo_factory, bo_api):
    """Rows written without the service (bulk loads, imports) still get their seller, so the
    seller's list (one index range on ``seller_id``) shows them; a code differing only in case
    is refused by the database itself, the service's check aside."""
    from datetime import date

    from test_agreements_api import AG, make, world

    w = await world(bo_factory)
    api = await bo_api(w["user"])
    await make(api, w, code="Via-API")
    direct = Agreement(
        company=w["c1"]["id"],
        legal_entity=w["c1_le"],
        own_legal_entity=w["own_le"],
        code="Direct-1",
        agreement_date=date(2025, 1, 1),
        currency="EUR",
    )
    await direct.save()
    seller = await Agreement.raw("SELECT seller_id FROM agreements WHERE id = {}", direct.id)
    assert seller[0]["seller_id"] == w["r1"]["id"]
    listed = (await api.get(f"{AG}?sort=code&order=asc")).json()
    assert [a["code"] for a in listed["items"]] == ["Direct-1", "Via-API"]
    duplicate = Agreement(
        company=w["c1"]["id"],
        legal_entity=w["c1_le"],
        own_legal_entity=w["own_le"],
        code="VIA-api",
        agreement_date=date(2025, 1, 1),
        currency="EUR",
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        await duplicate.save()
    # the same code under another seller is fine
    other = await bo_factory.company(w["r2"], "client", name="Other Client")
    from test_agreements_api import entity

    other_le, their_le = await entity(other, "Other LE"), await entity(w["r2"], "Their LE")
    await Agreement(
        company=other["id"],
        legal_entity=other_le,
        own_legal_entity=their_le,
        code="via-api",
        agreement_date=date(2025, 1, 1),
        currency="EUR",
    ).save()
