"""The agreements list's balance order key (issue 9): the column.

This file only declares ``agreements.sort_balance``, so piccolo's snapshot (and
tests/test_schema_migrations.py) knows it; the fill, the triggers that keep it and its index
follow in ``2026-12-01T17:40:01``, because piccolo runs a migration's raw SQL before its
column changes. See ``core/db/copies.py``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T17:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sort_balance_column"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Agreement",
        tablename="agreements",
        column_name="sort_balance",
        db_column_name="sort_balance",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
            "null": False,
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
