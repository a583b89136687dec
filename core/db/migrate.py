"""Applies piccolo migrations from code, so ``backoffice db migrate`` and ``make run`` agree.

Core's migrations run first, then each plugin app's (``register_migrations``) in plugin order:
a plugin table may reference a core table, never the reverse."""

from __future__ import annotations

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager, run_forwards

from core.db.engine import prepare_sqlite_file
from core.db.statistics import refresh_statistics
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
    await migrate_plugins()
    await _refresh_system_roles()
    await refresh_statistics()


async def migrate_plugins() -> None:
    """Plugin apps are not in piccolo's app registry (that is core's alone, so its
    auto-migration diff stays core's): their migrations run from their ``AppConfig``."""
    from core.db.tables import plugin_apps

    for app in plugin_apps():
        runner = ForwardsMigrationManager(app_name=app.app_name)
        await runner.create_migration_table()
        result = await runner.run_migrations(app)
        if not result.success:
            raise MigrationFailed(f"plugin app {app.app_name}: {result.message}")


async def _refresh_system_roles() -> None:
    """System roles follow the code (and plugins' permission areas): bring them up to date at
    each release's migration, once, rather than racing at every web process start."""
    from core.access.system_roles import ensure_system_roles
    from tenants.models import Company

    owner = await Company.select(Company.id).where(Company.kind == "owner").first()
    if owner is not None:
        await ensure_system_roles(owner["id"])
