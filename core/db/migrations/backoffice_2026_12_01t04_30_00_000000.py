"""Indexes for lists at 100,000 rows (issue 9): the agreement-code check looks codes up by
``LOWER(code)`` instead of reading every code of the seller, and the audit log's sort keys
carry the id tie-break so a keyset page (``(key, id) < (value, id)``) is one index range on
both engines. Raw SQL: piccolo cannot declare expression or composite indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T04:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "list_indexes"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS agreements_lower_code ON agreements (LOWER(code))",
    "CREATE INDEX IF NOT EXISTS audit_events_created_at_id ON audit_events (created_at, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_action_id ON audit_events (action, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_user_label_id ON audit_events (user_label, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_ip_id ON audit_events (ip, id)",
    "CREATE INDEX IF NOT EXISTS agreements_code_id ON agreements (code, id)",
    "CREATE INDEX IF NOT EXISTS legal_entities_name_id ON legal_entities (name, id)",
)
DROPS = tuple(
    "DROP INDEX IF EXISTS " + sql.split(" IF NOT EXISTS ")[1].split(" ")[0] for sql in INDEXES
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine

        for sql in INDEXES:
            await engine().run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine

        for sql in DROPS:
            await engine().run_ddl(sql)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
