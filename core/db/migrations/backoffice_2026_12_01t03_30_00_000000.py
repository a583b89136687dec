"""Rules the services check are now also enforced by the database (indexes piccolo cannot
declare): a tenant's company names are unique whatever their case, and a company has at most
one default legal entity. The services keep their clear field messages; these indexes decide
the races between two requests that both passed the check (answered 409)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T03:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "database_enforced_uniqueness"

INDEXES = (
    'CREATE UNIQUE INDEX IF NOT EXISTS companies_parent_lower_name_unique '
    'ON companies (parent, LOWER(name))',
    "CREATE UNIQUE INDEX IF NOT EXISTS legal_entities_one_default "
    "ON legal_entities (company) WHERE is_default",
)
DROPS = (
    "DROP INDEX IF EXISTS companies_parent_lower_name_unique",
    "DROP INDEX IF EXISTS legal_entities_one_default",
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
