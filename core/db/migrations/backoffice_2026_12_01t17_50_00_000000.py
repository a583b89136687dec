"""``payment_systems.instance`` (issue 11): a payment system's settings move into the one store
of configured plugin instances; this adds the link, the next migration fills it.

Nullable and without piccolo's UNIQUE: SQLite cannot add a UNIQUE column, so uniqueness is an
index of its own (migration 2026-12-01T17:50:01), and the service sets the link on every row.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class PluginInstance(Table, tablename="plugin_instances", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-01T17:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment_systems_instance"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    manager.add_column(
        table_class_name="PaymentSystemConfig",
        tablename="payment_systems",
        column_name="instance",
        db_column_name="instance",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": PluginInstance,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
