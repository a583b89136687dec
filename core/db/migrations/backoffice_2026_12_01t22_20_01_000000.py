"""The enabled services' list and lookup indexes (issue 12 item 9).

A list is one kind of one seller (``seller = C AND kind = K``) sorted by a key of
``SORT_KEYS``: each has a ``(seller, kind, key, id)`` index, so a page is one range read in
order. ``(agreement, kind, effective_from)`` serves the overlap check of a write and the
agreements list's grouped count of services and packs per page of agreements.
Raw SQL: piccolo declares no composite indexes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T22:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "enabled_services_indexes"

# the keys of ``core.catalogue.enabled.service.SORTABLE`` (tests/test_enabled_services_api.py)
SORT_KEYS = ("id", "effective_from", "effective_till", "created_at")
BY_AGREEMENT = (
    "CREATE INDEX IF NOT EXISTS enabled_services_agreement_kind "
    "ON enabled_services (agreement, kind, effective_from)"
)


def indexes() -> list[tuple[str, str]]:
    found = [("enabled_services_agreement_kind", BY_AGREEMENT)]
    for key in SORT_KEYS:
        columns = "seller, kind, id" if key == "id" else f"seller, kind, {key}, id"
        name = f"enabled_services_seller_{key}_sort"
        found.append((name, f"CREATE INDEX IF NOT EXISTS {name} ON enabled_services ({columns})"))
    return found


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine

        for _, sql in indexes():
            await engine().run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine

        for name, _ in indexes():
            await engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
