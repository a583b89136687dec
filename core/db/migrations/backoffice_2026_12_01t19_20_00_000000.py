"""The vendor connections list (``plugin_instances`` of one category) pages by key like every
list (issue 9): one ``(company, category, key, id)`` index per sort key, so a page of any sort
is one index range on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T19:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "plugin_instances_sort_indexes"

KEYS = ("id", "name", "plugin", "enabled", "created_at", "updated_at")


def _name(key: str) -> str:
    return f"plugin_instances_company_category_{key}"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine

        for key in KEYS:
            columns = "company, category, id" if key == "id" else f"company, category, {key}, id"
            await engine().run_ddl(
                f"CREATE INDEX IF NOT EXISTS {_name(key)} ON plugin_instances ({columns})"
            )

    async def drop() -> None:
        from core.db.engine import engine

        for key in KEYS:
            await engine().run_ddl(f"DROP INDEX IF EXISTS {_name(key)}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
