"""``company_plugins`` becomes the table of per-company plugin switches (issue 11): one row per
company and plugin, now enforced by the database (``tenants.sync`` and the plugins API both
check first; the index decides a race, answered 409). Duplicate pairs written before are
folded into the newest row first, so the index can be built on any existing database.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T11:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "company_plugins_unique"

DEDUPLICATE = (
    "DELETE FROM company_plugins WHERE id NOT IN "
    "(SELECT MAX(id) FROM company_plugins GROUP BY company, plugin)"
)
INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS company_plugins_company_plugin_unique "
    "ON company_plugins (company, plugin)"
)
DROP = "DROP INDEX IF EXISTS company_plugins_company_plugin_unique"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine

        await engine().run_ddl(DEDUPLICATE)
        await engine().run_ddl(INDEX)

    async def drop() -> None:
        from core.db.engine import engine

        await engine().run_ddl(DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
