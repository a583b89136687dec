"""The reads of scopes and rate trees, each one range of one index (issue 12).

``rate_nodes (scope,
parent, position)``: a node's children in order (the constructor's lazy expand, and the
domain rows of ``domains_of`` with ``parent IS NULL``); ``rate_nodes (parent)`` is piccolo's
own, for the cascade of a deleted subtree; a service's few scopes are read through piccolo's
``service_scopes (service)``. Raw SQL: piccolo declares no composite indexes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T22:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "service_scopes_rate_nodes_indexes"

INDEXES = (
    ("rate_nodes_scope_parent_position", "rate_nodes (scope, parent, position)"),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine

        for name, target in INDEXES:
            await engine().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop() -> None:
        from core.db.engine import engine

        for name, _ in INDEXES:
            await engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
