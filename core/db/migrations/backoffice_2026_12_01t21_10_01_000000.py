"""The services' name rule and list indexes (issue 12).

A name is unique per owning company whatever its case: ``core.catalogue.services.service``
checks first and answers a clear 409, the unique ``(company, lower(name))`` index decides a
race between two writers. The list is scoped to ``company = C`` and sorted by a key of
``SORT_KEYS``: each has a ``(company, key, id)`` index, so a page is one range read in order
(SQLite's own ``(company)`` index ends in the rowid and serves the ``id`` sort itself).
Raw SQL: piccolo declares neither expression nor composite indexes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T21:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "services_indexes"

# the keys of ``core.catalogue.services.service.SORTABLE`` (tests/test_services_api.py checks)
SORT_KEYS = ("id", "name", "type", "currency", "created_at", "updated_at")
NAME_UNIQUE = (
    "CREATE UNIQUE INDEX IF NOT EXISTS services_name_unique ON services (company, lower(name))"
)


def indexes(postgres: bool) -> list[tuple[str, str]]:
    """(name, CREATE) pairs, the unique name first."""
    found = [("services_name_unique", NAME_UNIQUE)]
    for key in SORT_KEYS:
        if key == "id" and not postgres:
            continue
        columns = "company, id" if key == "id" else f"company, {key}, id"
        name = f"services_company_{key}_sort"
        found.append((name, f"CREATE INDEX IF NOT EXISTS {name} ON services ({columns})"))
    return found


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine, is_postgres

        for _, sql in indexes(is_postgres()):
            await engine().run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine, is_postgres

        for name, _ in indexes(is_postgres()):
            await engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
