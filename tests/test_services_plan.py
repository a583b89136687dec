"""The services list reads one company's range of a ``(company, key, id)`` index in order:
no scan of other companies' services and no sort, whatever the sort key of ``SORTABLE``."""

from __future__ import annotations

from importlib import import_module

import pytest

from core.catalogue.services import service
from core.catalogue.services.models import Service
from core.db import bulk
from core.db.engine import is_postgres, transaction
from core.web.keyset import Block
from core.web.listing import ListQuery, _select
from tenants.models import Company
from tenants.scope import Scope

# Query plans depend on the tables' files, not only their rows (see bo_fresh_tables).
pytestmark = pytest.mark.usefixtures("bo_fresh_tables")

TYPES = ("pay_as_you_go", "unit_pack", "monetary_pack", "bundle_initiator", "bundle_pack")


def test_every_sort_key_has_its_index():
    migration = import_module("core.db.migrations.backoffice_2026_12_01t21_10_01_000000")
    assert set(migration.SORT_KEYS) == set(service.SORTABLE)


async def _plan(query) -> str:
    from core.db.engine import engine

    sql, args = query.querystrings[0].compile_string(engine_type=engine().engine_type)
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            await conn.execute("SET LOCAL enable_seqscan = off")
            rows = await conn.fetch("EXPLAIN " + sql, *args)
            return "\n".join(row[0] for row in rows)
        cursor = await conn.execute("EXPLAIN QUERY PLAN " + sql, args)
        return "\n".join(str(row["detail"]) for row in await cursor.fetchall())


@pytest.mark.parametrize("key", ["name", "type", "created_at", "id"])
async def test_a_first_page_is_one_index_range_of_the_company(bo_factory, key):
    """Ten companies of 2,000 services each, statistics refreshed: a page of one company's
    services sorted by ``key`` reads that company's range of its index, in order. (With a
    hundred services a company PostgreSQL rightly reads them all and sorts: cheaper still.)"""
    from core.db.statistics import refresh_statistics

    owner = await bo_factory.owner()
    rows = [(f"Reseller {i:03d}", "reseller", owner["id"], 1) for i in range(10)]
    await bulk.insert_many(Company, ["name", "kind", "parent", "depth"], rows)
    companies = [r["id"] for r in await Company.select(Company.id).where(Company.depth == 1)]
    services = [
        (c, f"Service {i:04d}", TYPES[i % 5], None if i % 5 == 1 else "EUR")
        for c in companies
        for i in range(2000)
    ]
    await bulk.insert_many(Service, ["company", "name", "type", "currency"], services)
    await refresh_statistics()
    company = await Company.select().where(Company.id == companies[3]).first()
    where = [service.owned(Scope.of(company))]
    block = Block(Service, service.OUT_COLUMNS, where, service.SORTABLE)
    query = _select(block, ListQuery(sort=key, order="asc"), True, where).limit(26)
    plan = await _plan(query)
    index = f"services_company_{key}_sort"
    if key == "id" and not is_postgres():
        index = "services_company"  # SQLite's (company) index ends in the rowid
    if is_postgres():
        assert f"Index Scan using {index}" in plan or f"Index Only Scan using {index}" in plan
        assert "Sort" not in plan and "Seq Scan" not in plan, plan
    else:
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
        assert "TEMP B-TREE" not in plan and "SCAN services" not in plan, plan
    page = await query
    assert [r["company"] for r in page] == [companies[3]] * 26
