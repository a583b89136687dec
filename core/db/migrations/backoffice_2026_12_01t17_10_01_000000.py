"""An instance name is unique per company and category whatever its case (issue 11).

``core.plugins.instances`` checks first and answers a clear 409; the index decides a race
between two writers. Raw SQL: piccolo declares no expression index. ``lower()`` folds ASCII
alike on SQLite and PostgreSQL, which is the case users type names in here.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T17:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "plugin_instances_name_unique"

INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS plugin_instances_name_unique "
    "ON plugin_instances (company, category, lower(name))"
)
DROP = "DROP INDEX IF EXISTS plugin_instances_name_unique"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine

        await engine().run_ddl(INDEX)

    async def drop() -> None:
        from core.db.engine import engine

        await engine().run_ddl(DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
