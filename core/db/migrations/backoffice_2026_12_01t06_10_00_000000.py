"""Trigram indexes for name search (issue 9), read through ``core.db.search.matches``.

PostgreSQL: the ``pg_trgm`` extension and a GIN ``gin_trgm_ops`` index per searched column,
which ``ILIKE '%text%'`` uses as it is. SQLite: an FTS5 table ``<table>_search`` per searched
table (``tokenize='trigram'``, external content: the text stays in the table, FTS5 keeps only
its index), filled from the existing rows and kept in step by triggers on insert, delete and
update of the searched columns. Raw SQL: piccolo declares neither extensions, GIN operator
classes, virtual tables nor triggers. The list is frozen here (a migration never changes);
``core.db.search.SEARCHED`` must name the same columns, which tests/test_search.py checks.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T06:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trigram_search"

SEARCHED = {
    "companies": ("name",),
    "legal_entities": ("name", "legal_name"),
    "agreements": ("code",),
    "banks": ("name", "swift"),
    "bank_accounts": ("name", "holder", "number"),
    "portals": ("name", "fqdn"),
    "payment_systems": ("name",),
    "roles": ("name",),
    "users": ("email", "first_name", "last_name", "login"),
    "invitations": ("email",),
}


def _sqlite_create(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"{table}_search"
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    forget = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, "
        f"content='{table}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN {learn} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN {forget} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF id, {names} ON {table} "
        f"BEGIN {forget} {learn} END",
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
    ]


def _sqlite_drop(table: str) -> list[str]:
    fts = f"{table}_search"
    return [
        *(f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in ("insert", "delete", "update")),
        f"DROP TABLE IF EXISTS {fts}",
    ]


def _postgres_create(table: str, columns: tuple[str, ...]) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {table}_{c}_trgm ON {table} USING gin ({c} gin_trgm_ops)"
        for c in columns
    ]


def _postgres_drop(table: str, columns: tuple[str, ...]) -> list[str]:
    return [f"DROP INDEX IF EXISTS {table}_{c}_trgm" for c in columns]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        if is_postgres():
            await db.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, columns in SEARCHED.items():
            make = _postgres_create if is_postgres() else _sqlite_create
            for sql in make(table, columns):
                await db.run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        for table, columns in SEARCHED.items():
            for sql in _postgres_drop(table, columns) if is_postgres() else _sqlite_drop(table):
                await db.run_ddl(sql)
        if is_postgres():
            # no CASCADE: should anything else have come to use the extension, say so
            await db.run_ddl("DROP EXTENSION IF EXISTS pg_trgm")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
