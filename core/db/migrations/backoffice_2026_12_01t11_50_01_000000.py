"""The indexes that read a filtered audit list within a scope (issue 9, ``core.audit.labels``).

A text filter names a few values of ``user_label`` or ``action``; the scope is two arms,
``company = C`` and ``tenant_id = C`` (migration ``2026-12-01T10:30:01``). The existing
``(user_label, id)`` index finds a value's events across every tenant, and each must then be
read to check its scope; SQLite instead read the whole arm in order and checked each event
(its statistics say a company holds a handful of events, a reseller holds a third of the log).
``(arm, column, created_at, id)`` holds exactly the events of one value in one arm, newest
last: a count reads the index alone, a page reads the matching events of the arm and sorts
them. Four indexes on the table written most: bench_bulk_insert's figures are in
docs/architecture.md.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T11:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_label_indexes"

INDEXES = {
    f"audit_events_{arm}_{column}_scope": f"{arm}, {column}, created_at, id"
    for arm in ("company", "tenant_id")
    for column in ("user_label", "action")
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine

        for name, columns in INDEXES.items():
            await engine().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON audit_events ({columns})")

    async def drop() -> None:
        from core.db.engine import engine

        for name in INDEXES:
            await engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
