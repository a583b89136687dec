"""Versions already in force count as announced; the ones still to start are found by index.

Versions whose ``effective_from`` has passed get ``start_announced_at`` = their start (they
started before events existed: announcing them now would tell subscribers of old news). The
others are announced by ``core.events.starts`` when their time comes; a partial index holds
just those, so the scan reads only versions still waiting.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T18:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "agreement_version_start_announced_fill"

INDEX = "agreement_versions_waiting_start"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def fill() -> None:
        from datetime import UTC, datetime

        from piccolo.querystring import QueryString

        from core.db.engine import engine

        db = engine()
        await db.run_querystring(
            QueryString(
                "UPDATE agreement_versions SET start_announced_at = effective_from "
                "WHERE start_announced_at IS NULL AND effective_from <= {}",
                datetime.now(UTC),
            )
        )
        await db.run_ddl(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON agreement_versions (effective_from, id) "
            "WHERE start_announced_at IS NULL"
        )

    async def undo() -> None:
        from core.db.engine import engine

        await engine().run_ddl(f"DROP INDEX IF EXISTS {INDEX}")

    manager.add_raw(fill)
    manager.add_raw_backwards(undo)
    return manager
