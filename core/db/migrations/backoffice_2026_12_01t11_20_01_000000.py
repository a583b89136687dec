"""Sort keys copied from joined rows (issue 9): the columns.

This file only declares the ``sort_*`` columns, so piccolo's snapshot (and
tests/test_schema_migrations.py) knows them; the fill, the triggers that keep them and the
indexes follow in ``2026-12-01T11:20:02``, because piccolo runs a migration's raw SQL before
its column changes. See ``core/db/copies.py``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T11:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "sort_copy_columns"

# (table class, table, column)
COLUMNS = (
    ("Agreement", "agreements", "sort_company"),
    ("Company", "companies", "sort_own_legal_entity"),
    ("LegalEntity", "legal_entities", "sort_company"),
    ("BankAccount", "bank_accounts", "sort_company"),
    ("BankAccount", "bank_accounts", "sort_legal_entity"),
    ("BankAccount", "bank_accounts", "sort_bank"),
    ("Portal", "portals", "sort_company"),
    ("Invitation", "invitations", "sort_company"),
    ("User", "users", "sort_company"),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)
    for class_name, tablename, column in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": 200,
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
