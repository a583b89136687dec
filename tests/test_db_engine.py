"""The engine's behaviour under concurrency, and transactions that roll back whole."""

import asyncio

import pytest

from core.accounts.companies.schemas import CompanyCreate
from core.accounts.companies.service import create_company
from core.audit.models import AuditEvent
from core.audit.recorder import AuditContext
from core.db.engine import engine, is_postgres, transaction
from tenants.models import Company
from tenants.scope import Scope


async def test_concurrent_writers_all_succeed(bo_factory):
    owner = await bo_factory.owner()
    scope = Scope.of(owner)
    ctx = AuditContext(owner["id"], None, "test", "")
    names = [f"Parallel {i}" for i in range(20)]
    await asyncio.gather(
        *(create_company(ctx, scope, CompanyCreate(name=n, type="client")) for n in names)
    )
    assert await Company.count().where(Company.name.like("Parallel %")) == 20
    assert await AuditEvent.count().where(AuditEvent.action == "Company created") == 20


async def test_a_failed_write_leaves_nothing_behind(bo_factory):
    owner = await bo_factory.owner()
    before = await Company.count()
    with pytest.raises(RuntimeError):
        async with transaction():
            await Company.insert(Company(name="Ghost", kind="client", parent=owner["id"]))
            raise RuntimeError("boom")
    assert await Company.count() == before


async def test_sqlite_runs_in_wal_mode():
    if is_postgres():
        pytest.skip("WAL is a SQLite setting")
    rows = await engine().run_ddl("PRAGMA journal_mode")
    assert rows[0]["journal_mode"] == "wal"
