"""Builds the piccolo engine and gives every write one well-behaved transaction.

SQLite needs WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writes, otherwise concurrent
writers fail with "database is locked" instead of waiting their turn.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from core.db.sqlite_pool import PooledSQLiteEngine
from core.settings import Settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30

log = logging.getLogger("backoffice.db")

# Callbacks of the outermost ``transaction()`` of this task, run once it has committed.
_after_commit: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "backoffice_after_commit", default=None
)


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
    """A write transaction on the configured engine (nested calls join the outer one).

    The outermost one runs the ``after_commit`` callbacks once COMMIT has succeeded; on a
    rollback they are dropped, so nothing announces a write that never happened.
    """
    db = engine()
    outermost = _after_commit.get() is None and not db.transaction_exists()
    token = _after_commit.set([]) if outermost else None
    callbacks: list = []
    try:
        if isinstance(db, SQLiteEngine):
            async with db.transaction(transaction_type=TransactionType.immediate) as txn:
                yield txn
        else:
            async with db.transaction() as txn:
                yield txn
        if token is not None:
            callbacks = _after_commit.get() or []
    finally:
        if token is not None:
            _after_commit.reset(token)
    for callback in callbacks:
        try:
            await callback()
        except Exception:  # the data is committed: a failed follow-up must not undo the answer
            log.exception("after-commit callback %r failed", callback)


def after_commit(callback: Callable[[], Awaitable[None]]) -> bool:
    """Queue ``callback`` for after the current ``transaction()`` commits.

    False when no transaction is open (the caller runs it at once). A transaction opened on
    the piccolo engine directly cannot promise "after commit", so that is refused loudly.
    """
    pending = _after_commit.get()
    if pending is not None:
        pending.append(callback)
        return True
    if engine().transaction_exists():
        raise RuntimeError("after_commit needs core.db.engine.transaction(), not a raw one")
    return False


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
