"""Pooled SQLite connections are reused, see committed writes and never leak a transaction."""

import os

import pytest

from core.db.engine import engine, transaction
from core.db.sqlite_pool import PooledSQLiteEngine
from tenants.models import Company

pytestmark = pytest.mark.skipif(
    os.environ.get("BACKOFFICE_DATABASE_URL", "").startswith("postgres"),
    reason="the pool is SQLite's; PostgreSQL has asyncpg's",
)


async def test_queries_reuse_kept_connections(bo_factory):
    db = engine()
    assert isinstance(db, PooledSQLiteEngine)
    await Company.count()
    kept = list(db._idle)
    assert kept
    await Company.count()
    assert db._idle[-1] is kept[-1]


async def test_a_connection_given_back_mid_transaction_is_rolled_back(bo_factory):
    db = engine()
    owner = await bo_factory.owner()
    conn = await db.acquire()
    await conn.execute("BEGIN IMMEDIATE")
    await conn.execute("UPDATE companies SET name = 'half-done' WHERE id = ?", [owner["id"]])
    await db.release(conn)  # as a cancelled request would leave it
    assert not conn.in_transaction
    row = await Company.select(Company.name).where(Company.id == owner["id"]).first()
    assert row["name"] == owner["name"]
    async with transaction():  # and the write lock is free again
        await Company.update({Company.name: "renamed"}).where(Company.id == owner["id"])
    assert (await Company.select(Company.name).where(Company.id == owner["id"]).first()) == {
        "name": "renamed"
    }


async def test_a_failed_transaction_leaves_nothing_and_its_connection_usable(bo_factory):
    owner = await bo_factory.owner()
    with pytest.raises(RuntimeError):
        async with transaction():
            await Company.update({Company.name: "lost"}).where(Company.id == owner["id"])
            raise RuntimeError("boom")
    assert (await Company.select(Company.name).where(Company.id == owner["id"]).first())[
        "name"
    ] == owner["name"]
