"""SQLite connections kept open between queries.

Piccolo's SQLite engine opens a new ``aiosqlite`` connection for every query run outside a
transaction, and every transaction: each one starts a thread, opens the file and sets
``foreign_keys``, which cost more than the query itself on the request path. This engine keeps
a few connections open, with their pragmas set once, and lends them to queries and
transactions alike. Connections run in autocommit mode (piccolo's ``isolation_level=None``),
so an idle connection holds no snapshot and sees every committed write; one given back inside
an unfinished transaction (a cancelled request) is rolled back first, and one that fails that
is closed rather than reused. A query runs as one call on the connection's thread (execute and
fetch together, ``execute_fetchall``): each hop to that thread and back costs a wake-up of the
event loop, and a cursor used through aiosqlite took three.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

POOL_SIZE = 8
_MIN_RETURNING_VERSION = (3, 35, 0)  # older SQLite needs piccolo's own insert path


class _Lease:
    """A pooled connection lent to a piccolo transaction; its ``close()`` gives it back."""

    __slots__ = ("_conn", "_engine")

    def __init__(self, engine: PooledSQLiteEngine, conn: aiosqlite.Connection) -> None:
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_conn", conn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._conn, name, value)

    async def close(self) -> None:
        await self._engine.release(self._conn)


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, pool_size: int = POOL_SIZE, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._plain: list[aiosqlite.Connection] = []  # no converters: ``core.db.rows``
        self._pool_size = pool_size
        self._pooled = sqlite3.sqlite_version_info >= _MIN_RETURNING_VERSION

    async def _open(self, plain: bool = False) -> aiosqlite.Connection:
        kwargs = {**self.connection_kwargs, "detect_types": 0} if plain else self.connection_kwargs
        conn = aiosqlite.connect(**kwargs)
        # A kept connection outlives the code that opened it: its thread must not hold the
        # process open at exit (a CLI command that never closes the pool). SQLite's journal
        # keeps the file consistent whatever the thread was doing.
        thread = getattr(conn, "_thread", None)
        if thread is not None:
            thread.daemon = True
        await conn
        if not plain:
            conn.row_factory = dict_factory
        await conn.execute("PRAGMA foreign_keys = 1")
        await conn.execute("PRAGMA synchronous = NORMAL")  # per connection; safe under WAL
        return conn

    async def acquire(self) -> aiosqlite.Connection:
        return self._idle.pop() if self._idle else await self._open()

    async def release(self, conn: aiosqlite.Connection, idle: list | None = None) -> None:
        idle = self._idle if idle is None else idle
        try:
            if conn.in_transaction:
                await conn.rollback()
        except Exception:
            await conn.close()
            return
        if len(idle) < self._pool_size:
            idle.append(conn)
        else:
            await conn.close()

    async def fetch_plain(self, query: str, args: list[Any]) -> tuple[list[str], list[tuple]]:
        """The column names and rows (tuples) of ``query`` read with no type converters, on a
        connection kept for that (``core.db.rows`` decodes them); outside any transaction."""
        conn = self._plain.pop() if self._plain else await self._open(plain=True)
        try:
            async with conn.execute(query, args) as cursor:
                rows = await cursor.fetchall()
                names = [column[0] for column in cursor.description or ()]
        finally:
            await self.release(conn, self._plain)
        return names, rows

    async def close_idle(self) -> None:
        """Close the kept connections (their threads); the next query opens new ones."""
        idle, self._idle, self._plain = [*self._idle, *self._plain], [], []
        for conn in idle:
            await conn.close()

    async def get_connection(self):
        if not self._pooled:
            return await super().get_connection()
        return _Lease(self, await self.acquire())

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        if not self._pooled:
            return await super()._run_in_new_connection(query, args, query_type, table)
        conn = await self.acquire()
        try:
            return await conn.execute_fetchall(query, args or [])
        finally:
            await self.release(conn)

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        """Inside a transaction: the pragmas were set when the connection was opened."""
        if not self._pooled:
            return await super()._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        return await connection.execute_fetchall(query, args or [])
