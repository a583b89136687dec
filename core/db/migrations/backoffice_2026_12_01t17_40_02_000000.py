"""Indexes for the payment systems list's sorts (issue 9).

The list reads one company's systems (``company = C``) and had only ``(company)``: every
page sorted all of them. Each key of ``core.payments.systems.SORTABLE`` gets a
``(company, key, id)`` index, as ``2026-12-01T11:20:00`` gave the jobs and banks lists;
SQLite's ``(company)`` index ends in the rowid and already serves ``(company, id)``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T17:40:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment_system_sort_indexes"

# The keys of ``core.payments.systems.SORTABLE`` (tests/test_sort_copies.py checks).
KEYS = ("id", "name", "kind", "enabled", "fee_payer", "internal_fee", "created_at", "updated_at")


def indexes(postgres: bool) -> list[tuple[str, str]]:
    """(name, CREATE) pairs."""
    found = []
    for key in KEYS:
        if key == "id" and not postgres:
            continue
        columns = "company, id" if key == "id" else f"company, {key}, id"
        name = f"payment_systems_company_{key}_sort"
        found.append((name, f"CREATE INDEX IF NOT EXISTS {name} ON payment_systems ({columns})"))
    return found


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        for _, sql in indexes(is_postgres()):
            await db.run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        for name, _ in indexes(is_postgres()):
            await db.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
