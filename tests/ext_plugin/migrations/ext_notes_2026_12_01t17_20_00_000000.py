"""The ext test plugin's ``ext_notes`` table: a plugin app's own migration, applied by
``backoffice db migrate`` after core's."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-01T17:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ext_notes"


class Company(Table, tablename="companies", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ext_notes", description=DESCRIPTION)
    manager.add_table(class_name="Note", tablename="ext_notes", schema=None, columns=None)
    manager.add_column(
        table_class_name="Note",
        tablename="ext_notes",
        column_name="company",
        db_column_name="company",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Company,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    manager.add_column(
        table_class_name="Note",
        tablename="ext_notes",
        column_name="text",
        db_column_name="text",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
            "default": "",
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
