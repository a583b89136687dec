"""``agreement.version_started`` is announced when a version comes into force (issue 11): the
column that records it.

``agreement_versions.start_announced_at`` is set once the event for the version's start has
been emitted. The fill and the index follow in ``2026-12-01T18:20:01``, because piccolo runs
a migration's raw SQL before its column changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "agreement_version_start_announced_at"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)
    manager.add_column(
        table_class_name="AgreementVersion",
        tablename="agreement_versions",
        column_name="start_announced_at",
        db_column_name="start_announced_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
