"""Indexes for lists at 100,000 rows (issue 9).

Agreements get ``seller_id``, the seller (the company's parent) stored on the row and kept by
a trigger on insert, so a seller's list is one index range ``(seller_id, sort key, id)``: the
scope was a join to ``companies`` that no index could serve together with the sort, and SQLite
sorted every agreement of the seller for each page. Agreement codes become unique per seller
whatever their case, in the database (``(seller_id, LOWER(code))``), and the service checks a
code with one lookup on that index instead of reading every code of the seller. The audit
log's sort keys, and a tenant's companies by name or creation, carry the id tie-break, so a keyset page is one index range on both engines.
Raw SQL: piccolo cannot declare triggers, expression or composite indexes; the column is
maintained by the database alone and read only through ``agreement_versions.managed``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T04:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "list_indexes"

FILL = (
    "UPDATE agreements SET seller_id = "
    "(SELECT parent FROM companies WHERE companies.id = agreements.company)"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS agreements_seller AFTER INSERT ON agreements "
    "WHEN NEW.seller_id IS NULL BEGIN "
    "UPDATE agreements SET seller_id = (SELECT parent FROM companies WHERE id = NEW.company) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER IF NOT EXISTS agreements_seller_company AFTER UPDATE OF company ON agreements "
    "BEGIN "
    "UPDATE agreements SET seller_id = (SELECT parent FROM companies WHERE id = NEW.company) "
    "WHERE id = NEW.id; END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION agreements_set_seller() RETURNS trigger AS $$ BEGIN "
    "NEW.seller_id := (SELECT parent FROM companies WHERE id = NEW.company); RETURN NEW; "
    "END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS agreements_seller ON agreements",
    "CREATE TRIGGER agreements_seller BEFORE INSERT OR UPDATE OF company ON agreements "
    "FOR EACH ROW EXECUTE FUNCTION agreements_set_seller()",
)
INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS agreements_seller_lower_code "
    "ON agreements (seller_id, LOWER(code))",
    "CREATE INDEX IF NOT EXISTS agreements_seller_id ON agreements (seller_id, id)",
    "CREATE INDEX IF NOT EXISTS agreements_seller_code ON agreements (seller_id, code, id)",
    "CREATE INDEX IF NOT EXISTS agreements_seller_date "
    "ON agreements (seller_id, agreement_date, id)",
    "CREATE INDEX IF NOT EXISTS agreements_seller_currency ON agreements (seller_id, currency, id)",
    "CREATE INDEX IF NOT EXISTS agreements_seller_balance ON agreements (seller_id, balance, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_created_at_id ON audit_events (created_at, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_action_id ON audit_events (action, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_user_label_id ON audit_events (user_label, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_ip_id ON audit_events (ip, id)",
    "CREATE INDEX IF NOT EXISTS legal_entities_name_id ON legal_entities (name, id)",
    "CREATE INDEX IF NOT EXISTS companies_parent_name_id ON companies (parent, name, id)",
    "CREATE INDEX IF NOT EXISTS companies_parent_created_id ON companies (parent, created_at, id)",
)
DROPS = (
    *("DROP INDEX IF EXISTS " + sql.split(" IF NOT EXISTS ")[1].split(" ")[0] for sql in INDEXES),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        await db.run_ddl("ALTER TABLE agreements ADD COLUMN seller_id INTEGER")
        await db.run_ddl(FILL)
        for sql in POSTGRES_TRIGGERS if is_postgres() else SQLITE_TRIGGERS:
            await db.run_ddl(sql)
        for sql in INDEXES:
            await db.run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        for sql in DROPS:
            await db.run_ddl(sql)
        if is_postgres():
            await db.run_ddl("DROP TRIGGER IF EXISTS agreements_seller ON agreements")
            await db.run_ddl("DROP FUNCTION IF EXISTS agreements_set_seller()")
        else:
            await db.run_ddl("DROP TRIGGER IF EXISTS agreements_seller")
            await db.run_ddl("DROP TRIGGER IF EXISTS agreements_seller_company")
        await db.run_ddl("ALTER TABLE agreements DROP COLUMN seller_id")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
