"""``tenant_id`` on the tenant-owned rows that scoped lists read (issue 9).

This file only declares the columns, so piccolo's snapshot (and tests/test_schema_migrations.py)
knows them; the fill, the triggers that keep them and the indexes follow in
``2026-12-01T10:30:01``, because piccolo runs a migration's raw SQL before its column changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant_columns"

TABLES = {
    "LegalEntity": "legal_entities",
    "BankAccount": "bank_accounts",
    "Portal": "portals",
    "User": "users",
    "Invitation": "invitations",
    "AuditEvent": "audit_events",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)
    for class_name, tablename in TABLES.items():
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="tenant_id",
            db_column_name="tenant_id",
            column_class_name="Integer",
            column_class=Integer,
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
