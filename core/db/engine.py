"""Builds the piccolo engine and gives every write one well-behaved transaction.

SQLite needs WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writes, otherwise concurrent
writers fail with "database is locked" instead of waiting their turn.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from core.db.sqlite_pool import PooledSQLiteEngine
from core.settings import Settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    return PostgresEngine(config=postgres_config(settings.database_url))


def postgres_config(url: str) -> dict:
    parsed = urlparse(url)
    config = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "database": parsed.path.lstrip("/"),
    }
    if parsed.password:
        config["password"] = parsed.password
    return config


def engine() -> Engine:
    from core.db.piccolo_conf import DB

    return DB


def prepare_sqlite_file(path: str) -> None:
    """WAL is a property of the file, so it is set once, synchronously, before any server."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")


@asynccontextmanager
async def transaction():
    """A write transaction on the configured engine (nested calls join the outer one)."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate) as txn:
            yield txn
    else:
        async with db.transaction() as txn:
            yield txn


async def start_pool() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=10)


async def close_pool(grace_seconds: float = 10) -> None:
    """Close the pool; a connection never released (a crashed request) must not hang shutdown."""
    db = engine()
    if isinstance(db, PooledSQLiteEngine):
        await db.close_idle()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        pool = db.pool
        try:
            await asyncio.wait_for(pool.close(), timeout=grace_seconds)
        except TimeoutError:
            pool.terminate()
        db.pool = None


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)
