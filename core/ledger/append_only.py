"""Emptying the ledger for a fresh test database, past its append-only guard.

Migration ``2026-12-01T10:40:01`` installs triggers refusing any ``UPDATE`` or ``DELETE`` of a
ledger entry, so a stray query (a script, a future bug, a hand-run fix) fails loudly instead of
leaving a balance that no longer equals its ledger. PostgreSQL's ``TRUNCATE`` fires no row
trigger; SQLite has no ``TRUNCATE``, so the test cleanup lifts the delete guard for its
``DELETE FROM`` and puts the very same trigger back (read from ``sqlite_master``).
"""

from __future__ import annotations

GUARD = "ledger_entries_no_delete"


async def delete_all_sqlite(db) -> None:
    rows = await db.run_querystring(
        _query("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = {}", GUARD)
    )
    await db.run_ddl(f"DROP TRIGGER IF EXISTS {GUARD}")
    try:
        await db.run_ddl('DELETE FROM "ledger_entries"')
    finally:
        if rows:
            await db.run_ddl(rows[0]["sql"])


def _query(sql: str, *values):
    from piccolo.querystring import QueryString

    return QueryString(sql, *values)
