"""Applies piccolo migrations from code, so ``backoffice db migrate`` and ``make run`` agree."""

from __future__ import annotations

from piccolo.apps.migrations.commands.forwards import run_forwards

from core.db.engine import prepare_sqlite_file
from core.settings import get_settings


class MigrationFailed(RuntimeError):
    pass


async def migrate() -> None:
    settings = get_settings()
    if settings.is_sqlite:
        prepare_sqlite_file(settings.sqlite_path)
    result = await run_forwards(app_name="backoffice", migration_id="all", fake=False)
    if not result.success:
        raise MigrationFailed(result.message)
