"""The bulk data path: many rows in, many rows upserted, a query's rows streamed out.

Piccolo writes a row at a time (``save()``, about 3,500 rows/s) or builds one huge statement
(``insert(*rows)``); the ledger, rating, rate import and invoicing write millions of rows, so
they come through here instead: ``executemany`` on SQLite and ``COPY`` (asyncpg's
``copy_records_to_table``) on PostgreSQL. Every call joins the caller's transaction when there
is one, so a failed batch leaves nothing behind; otherwise it runs in its own.

Values are Python objects of the columns' types (``int``, ``str``, ``Decimal``, aware
``datetime``, ``bool``, ``None``); piccolo's sqlite adapters and asyncpg's codecs convert them
the same way the ORM does, so rows written here read back through piccolo unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from itertools import islice
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Combinable
from piccolo.table import Table

from core.db.copies import copied
from core.db.engine import is_postgres, transaction

BATCH_ROWS = 5_000
TENANT = "tenant_id"


def _name(table: type[Table]) -> str:
    return table._meta.tablename


def _column_names(table: type[Table], columns: Sequence[str]) -> list[str]:
    """Columns are named by their attribute; unknown names fail before any row is sent."""
    names = []
    for name in columns:
        column = table._meta.get_column_by_name(name)  # raises ValueError for unknown names
        names.append(column._meta.db_column_name)
    if len(set(names)) != len(names):
        raise ValueError(f"a column is named twice: {list(columns)}")
    return names


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[tuple]]:
    iterator = iter(rows)
    while chunk := [tuple(row) for row in islice(iterator, size)]:
        yield chunk


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _sqlite_insert(table: type[Table], names: list[str]) -> str:
    """``INSERT … VALUES`` for ``executemany``.

    A tenant-owned table's ``tenant_id`` (the owner's parent, kept by triggers: migration
    ``2026-12-01T10:30:01``) is read in the statement itself when the rows do not carry it.
    SQLite's trigger cannot set a column before the insert, only update the row after it; with
    the value already right it skips that update, which made bulk loads about five times
    slower. The trigger still decides (a wrong value given by a caller is corrected).
    """
    columns, marks = list(names), [f"?{n}" for n in range(1, len(names) + 1)]
    owner = getattr(table, "__owner__", None)
    stored = {column._meta.db_column_name for column in table._meta.columns}
    if owner and TENANT not in names and TENANT in stored:
        owner_name = table._meta.get_column_by_name(owner)._meta.db_column_name
        if owner_name in names:
            columns.append(TENANT)
            marks.append(
                f"(SELECT parent FROM companies WHERE id = ?{names.index(owner_name) + 1})"
            )
    # the sort copies (core.db.copies) likewise, so their insert triggers find them right
    for column, (fk, ref, ref_column) in copied(_name(table)).items():
        if column not in names and fk in names:
            columns.append(column)
            marks.append(f"(SELECT {ref_column} FROM {ref} WHERE id = ?{names.index(fk) + 1})")
    return f'INSERT INTO "{_name(table)}" ({_quoted(columns)}) VALUES ({", ".join(marks)})'


async def insert_many(
    table: type[Table],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order); returns how many were written.

    ``rows`` may be a generator: it is read a batch at a time, never all at once.
    """
    names = _column_names(table, columns)
    written = 0
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            for chunk in _chunks(rows, batch_rows):
                await conn.copy_records_to_table(_name(table), records=chunk, columns=names)
                written += len(chunk)
        else:
            sql = _sqlite_insert(table, names)
            for chunk in _chunks(rows, batch_rows):
                await conn.executemany(sql, chunk)
                written += len(chunk)
    return written


async def upsert_many(
    table: type[Table],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Insert ``rows``, or update the row already holding the same ``key`` (a unique index).

    ``update`` names the columns overwritten on a conflict (default: every column not in
    ``key``); an empty ``update`` keeps existing rows as they are. On PostgreSQL each batch is
    copied into a temporary table first, then merged with one ``INSERT … ON CONFLICT``.
    """
    names = _column_names(table, columns)
    key_names = _column_names(table, key)
    if not set(key_names) <= set(names):
        raise ValueError("every key column must be among the written columns")
    update_names = (
        [n for n in names if n not in key_names] if update is None else _column_names(table, update)
    )
    if not set(update_names) <= set(names):
        raise ValueError("every updated column must be among the written columns")
    if update_names:
        on_conflict = "DO UPDATE SET " + ", ".join(f'"{n}" = excluded."{n}"' for n in update_names)
    else:
        on_conflict = "DO NOTHING"
    conflict = f"ON CONFLICT ({_quoted(key_names)}) {on_conflict}"
    written = 0
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            staging = f"bulk_{_name(table)}"
            # Only the written columns, without constraints or defaults: no serial is consumed.
            await conn.execute(f'DROP TABLE IF EXISTS "{staging}"')
            await conn.execute(
                f'CREATE TEMP TABLE "{staging}" ON COMMIT DROP AS '
                f'SELECT {_quoted(names)} FROM "{_name(table)}" WITH NO DATA'
            )
            for chunk in _chunks(rows, batch_rows):
                await conn.execute(f'TRUNCATE "{staging}"')
                await conn.copy_records_to_table(staging, records=chunk, columns=names)
                await conn.execute(
                    f'INSERT INTO "{_name(table)}" ({_quoted(names)}) '
                    f'SELECT {_quoted(names)} FROM "{staging}" {conflict}'
                )
                written += len(chunk)
        else:
            sql = f"{_sqlite_insert(table, names)} {conflict}"
            for chunk in _chunks(rows, batch_rows):
                await conn.executemany(sql, chunk)
                written += len(chunk)
    return written


async def stream(
    table: type[Table],
    columns: Sequence[Column],
    *,
    where: Combinable | None = None,
    key: Column | None = None,
    batch_rows: int = BATCH_ROWS,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield batches of a query's rows in ``key`` order (default: the primary key).

    Keyset paging (``key > last``) rather than OFFSET: each batch costs the same however deep
    it is, and memory holds one batch. ``key`` must be unique and not null; rows inserted
    behind the cursor while streaming are not seen, rows inserted ahead are.
    """
    key = key or table._meta.primary_key
    key_name = key._meta.name
    selected = list(columns)
    if all(c._meta.name != key_name for c in selected):
        selected.append(key)
    last: Any = None
    while True:
        query = table.select(*selected).order_by(key).limit(batch_rows)
        conditions = [c for c in (where, None if last is None else key > last) if c is not None]
        for condition in conditions:
            query = query.where(condition)
        batch = await query
        if not batch:
            return
        yield batch
        if len(batch) < batch_rows:
            return
        last = batch[-1][key_name]
