"""The example plugin's ``example_delivery_receipts`` table, applied by ``backoffice db
migrate`` after core's migrations (piccolo app ``example_gateway``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-01T18:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "example_delivery_receipts"
TABLE = "example_delivery_receipts"


class Company(Table, tablename="companies", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


def _params(**kw):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **kw,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="example_gateway", description=DESCRIPTION)
    manager.add_table(class_name="Receipt", tablename=TABLE, schema=None, columns=None)

    def column(name, column_class, **params):
        manager.add_column(
            table_class_name="Receipt",
            tablename=TABLE,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=_params(**params),
            schema=None,
        )

    column(
        "company",
        ForeignKey,
        references=Company,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=True,
        index=True,
    )
    column("connection", Integer, default=0)
    column("vendor_message_id", Varchar, length=100, default="")
    column("vendor_status", Varchar, length=50, default="")
    column("status", Varchar, length=20, default="")
    column("received_at", Timestamptz, default=TimestamptzNow())
    return manager
