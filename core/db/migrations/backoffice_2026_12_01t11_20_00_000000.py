"""Indexes for the list sorts whose scope had none (issue 9).

Each list reads a page as one range of a ``(scope column, sort key, id)`` index, or one such
range per arm of its scope (``core/db/disjoint.py``). The jobs list (``company = C``) and the
banks list (``company = A`` for each ancestor ``A`` of the caller) had only ``(company)``, so
every page of theirs sorted the scope's rows; the users' ``last_active`` and the invitations'
``updated_at`` had no index on either arm. NULL-able keys (``finished_at``,
``last_active_at``) need no expression index: ``core.web.keyset.ranges`` reads their values
and their NULLs as two ranges of the plain ``(scope, key, id)`` index.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T11:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "list_sort_indexes"

# table -> (scope columns, sort keys indexed after each of them; id always last). The keys are
# those ``tenants.scope.SCOPE_SORTS`` and ``core.accounts.banks.service.SCOPE_SORTS`` read by
# arm, and the jobs list's (tests/test_sort_indexes.py checks they agree).
SORT_INDEXES = {
    "jobs": (("company",), ("id", "created_at", "kind", "status", "finished_at")),
    "banks": (("company",), ("id", "name", "country", "swift", "created_at")),
    "users": (("company", "tenant_id"), ("last_active_at",)),
    "invitations": (("company", "tenant_id"), ("updated_at",)),
}


def indexes(postgres: bool) -> list[tuple[str, str]]:
    """(name, CREATE) pairs. SQLite's own ``(company)`` index ends in the rowid, so it serves
    ``(company, id)`` itself; PostgreSQL needs that one too."""
    found = []
    for table, (scopes, keys) in SORT_INDEXES.items():
        for scope in scopes:
            for key in keys:
                if key == "id" and not postgres:
                    continue
                columns = f"{scope}, id" if key == "id" else f"{scope}, {key}, id"
                name = f"{table}_{scope}_{key}_sort"
                found.append((name, f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"))
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
