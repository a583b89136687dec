"""The bulk path writes what piccolo reads back, joins transactions and streams by key."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.audit.models import AuditEvent
from core.db import bulk
from core.db.engine import transaction

COLUMNS = ("created_at", "company", "user_label", "ip", "action")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(company_id: int, n: int, start: int = 0):
    for i in range(start, start + n):
        yield (T0 + timedelta(seconds=i), company_id, f"user {i}", "127.0.0.1", f"act.{i}")


async def test_insert_many_reads_back_through_piccolo(bo_factory):
    company = await bo_factory.company()
    written = await bulk.insert_many(AuditEvent, COLUMNS, _rows(company["id"], 12), batch_rows=5)
    assert written == 12
    rows = (
        await AuditEvent.select().where(AuditEvent.company == company["id"]).order_by(AuditEvent.id)
    )
    assert [r["action"] for r in rows] == [f"act.{i}" for i in range(12)]
    assert rows[3]["created_at"] == T0 + timedelta(seconds=3)
    assert rows[3]["created_at"].tzinfo is not None


async def test_a_failed_batch_inside_a_transaction_leaves_nothing(bo_factory):
    company = await bo_factory.company()
    bad = [*_rows(company["id"], 3), (T0, 99_999_999, "x", "", "fk")]  # unknown company
    with pytest.raises(Exception):  # noqa: B017 - each engine names its FK error differently
        async with transaction():
            await bulk.insert_many(AuditEvent, COLUMNS, _rows(company["id"], 4))
            await bulk.insert_many(AuditEvent, COLUMNS, bad)
    assert await AuditEvent.count().where(AuditEvent.company == company["id"]) == 0


async def test_unknown_or_repeated_columns_are_refused_before_writing(bo_factory):
    company = await bo_factory.company()
    with pytest.raises(ValueError):
        await bulk.insert_many(AuditEvent, ("created_at", "nope"), [(T0, 1)])
    with pytest.raises(ValueError):
        await bulk.insert_many(AuditEvent, ("action", "action"), [("a", "b")])
    assert await AuditEvent.count().where(AuditEvent.company == company["id"]) == 0


async def test_upsert_many_updates_on_key_and_inserts_the_rest(bo_factory):
    company = await bo_factory.company()
    cid = company["id"]
    first = [(1000 + i, T0, cid, "", "", f"old.{i}") for i in range(4)]
    columns = ("id", *("created_at", "company", "user_label", "ip", "action"))
    assert await bulk.upsert_many(AuditEvent, columns, first, key=("id",)) == 4
    second = [(1002, T0, cid, "", "", "new.2"), (1004, T0, cid, "", "", "new.4")]
    await bulk.upsert_many(AuditEvent, columns, second, key=("id",), update=("action",))
    rows = (
        await AuditEvent.select(AuditEvent.id, AuditEvent.action)
        .where(AuditEvent.company == cid)
        .order_by(AuditEvent.id)
    )
    assert [(r["id"], r["action"]) for r in rows] == [
        (1000, "old.0"),
        (1001, "old.1"),
        (1002, "new.2"),
        (1003, "old.3"),
        (1004, "new.4"),
    ]
    keep = [(1000, T0, cid, "", "", "ignored")]
    await bulk.upsert_many(AuditEvent, columns, keep, key=("id",), update=())
    assert await AuditEvent.select(AuditEvent.action).where(AuditEvent.id == 1000).first() == {
        "action": "old.0"
    }


async def test_stream_yields_every_matching_row_once_in_key_order(bo_factory):
    mine, other = await bo_factory.company(), await bo_factory.company()
    await bulk.insert_many(AuditEvent, COLUMNS, _rows(mine["id"], 23))
    await bulk.insert_many(AuditEvent, COLUMNS, _rows(other["id"], 5))
    seen = []
    async for batch in bulk.stream(
        AuditEvent,
        [AuditEvent.action],
        where=AuditEvent.company == mine["id"],
        batch_rows=10,
    ):
        assert len(batch) <= 10
        seen.extend(batch)
    assert [r["action"] for r in seen] == [f"act.{i}" for i in range(23)]
    assert [r["id"] for r in seen] == sorted(r["id"] for r in seen)


# The fixture is reset by hand: every example starts from an empty audit table.
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(min_value=0, max_value=40), batch=st.integers(min_value=1, max_value=12))
async def test_stream_batches_partition_the_rows(bo_factory, n, batch):
    company = await bo_factory.owner()
    await AuditEvent.delete(force=True)
    await bulk.insert_many(AuditEvent, COLUMNS, _rows(company["id"], n), batch_rows=batch)
    ids = [r["id"] async for chunk in bulk.stream(AuditEvent, [], batch_rows=batch) for r in chunk]
    assert len(ids) == n == len(set(ids))
    assert ids == sorted(ids)
