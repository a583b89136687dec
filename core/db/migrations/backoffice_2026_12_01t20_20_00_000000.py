"""The audit log's user index by arm carries the action too: ``(arm, user_label, action,
created_at, id)`` replaces ``(arm, user_label, created_at, id)`` (issue 9, ``core.audit.labels``).

A capped total ("10,000+") must find 10,001 matching events. ``user=user1&action_contains=
company`` at 1,000,000 events matched 5% of the log: through ``(arm, user_label, created_at,
id)`` each of the user's events had its action read from the table (84 ms on PostgreSQL, a
bitmap heap scan; 33,000 index entries for 10,001 matches with the action only included in
the index, 8 ms). With the action after the label, each (label, action) pair the two filters
name is one range of the index: the count reads exactly the matching entries, index-only
(2 ms). Within a pair the events are in time order, so SQLite reads a page as the pairs'
ranges, each stopped after the page (``core.audit.label_pairs``); PostgreSQL's planner picks
a label's range or the list's order from its statistics, as before.

Same number of indexes on the table written most, one column wider each (the action):
bench_bulk_insert's before/after is in docs/architecture.md.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T20:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_user_action_indexes"

ARMS = ("company", "tenant_id")
NEW = {
    f"audit_events_{arm}_user_label_action_scope": f"{arm}, user_label, action, created_at, id"
    for arm in ARMS
}
OLD = {f"audit_events_{arm}_user_label_scope": f"{arm}, user_label, created_at, id" for arm in ARMS}


async def _swap(drop: dict[str, str], create: dict[str, str]) -> None:
    from core.db.engine import engine

    for name, columns in create.items():
        await engine().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON audit_events ({columns})")
    for name in drop:
        await engine().run_ddl(f"DROP INDEX IF EXISTS {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        await _swap(OLD, NEW)

    async def drop() -> None:
        await _swap(NEW, OLD)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
