"""Agreement balances move into the ledger (issue 10).

Each agreement gets its main ``balance_accounts`` row holding its balance, and a non-zero
balance an opening ``adjustment`` entry, so every balance equals the sum of its ledger from
the first day. A trigger opens the account of every agreement inserted from now on (the
service, a bulk import, a test factory alike), append-only triggers guard ``ledger_entries``,
an index serves the ledger list (one index range per agreement and time span), and
idempotency keys compare byte by byte (a retried batch is one range of their unique index).
Then ``agreements.balance`` goes, with its list index: nothing reads it any more.
Going backwards brings the column back empty (0): balances live in ``balance_accounts``.
"""

from datetime import UTC, datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-12-01T10:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger_balances"

OPEN_ACCOUNTS = (
    "INSERT INTO balance_accounts (agreement, currency, balance, created_at, updated_at) "
    "SELECT id, currency, balance, created_at, created_at FROM agreements"
)
OPENING_ENTRIES = (
    "INSERT INTO ledger_entries (account, amount, currency, cause_kind, cause_ref, "
    "idempotency_key, batch_id, time, resulting_balance) "
    "SELECT b.id, b.balance, b.currency, 'adjustment', 'opening balance', "
    "'opening-' || b.agreement, 'opening', {}, b.balance "
    "FROM balance_accounts b WHERE b.balance <> 0"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS agreements_open_account AFTER INSERT ON agreements BEGIN "
    "INSERT INTO balance_accounts (agreement, currency, balance, created_at, updated_at) "
    "VALUES (NEW.id, NEW.currency, 0, NEW.created_at, NEW.created_at); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION agreements_open_account() RETURNS trigger AS $$ BEGIN "
    "INSERT INTO balance_accounts (agreement, currency, balance, created_at, updated_at) "
    "VALUES (NEW.id, NEW.currency, 0, NEW.created_at, NEW.created_at); RETURN NEW; "
    "END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS agreements_open_account ON agreements",
    "CREATE TRIGGER agreements_open_account AFTER INSERT ON agreements "
    "FOR EACH ROW EXECUTE FUNCTION agreements_open_account()",
)
# One index per entry beyond the keys: every index is paid by each of the millions of entries
# rating posts (two more, by id and by kind, halved the hot path on SQLite).
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ledger_entries_account_time_id "
    "ON ledger_entries (account, time, id)",
)
# Idempotency keys are machine identifiers compared byte by byte: a batch's keys "{key}/{i}"
# are then one range of the unique index, whatever the database's collation.
POSTGRES_KEY_COLLATION = (
    'ALTER TABLE ledger_entries ALTER COLUMN idempotency_key TYPE VARCHAR(240) COLLATE "C"'
)
APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS ledger_entries_no_update BEFORE UPDATE ON ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: post a correcting entry "
    "instead'); END",
    "CREATE TRIGGER IF NOT EXISTS ledger_entries_no_delete BEFORE DELETE ON ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: post a correcting entry "
    "instead'); END",
)
APPEND_ONLY_POSTGRES = (
    "CREATE OR REPLACE FUNCTION ledger_entries_refuse() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'ledger entries are append-only: post a correcting entry instead'; "
    "END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries",
    "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entries_refuse()",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def move() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        await db.run_ddl(OPEN_ACCOUNTS)
        await db.run_querystring(QueryString(OPENING_ENTRIES, datetime.now(UTC)))
        postgres = is_postgres()
        if postgres:
            await db.run_ddl(POSTGRES_KEY_COLLATION)
        for sql in (
            *(POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS),
            *(APPEND_ONLY_POSTGRES if postgres else APPEND_ONLY_SQLITE),
            *INDEXES,
            "DROP INDEX IF EXISTS agreements_seller_balance",
        ):
            await db.run_ddl(sql)

    async def undo() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        if is_postgres():
            drops = (
                "DROP TRIGGER IF EXISTS agreements_open_account ON agreements",
                "DROP FUNCTION IF EXISTS agreements_open_account()",
                "DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries",
                "DROP FUNCTION IF EXISTS ledger_entries_refuse()",
            )
        else:
            drops = (
                "DROP TRIGGER IF EXISTS agreements_open_account",
                "DROP TRIGGER IF EXISTS ledger_entries_no_update",
                "DROP TRIGGER IF EXISTS ledger_entries_no_delete",
            )
        for sql in (*drops, *("DROP INDEX IF EXISTS " + s.split()[5] for s in INDEXES)):
            await db.run_ddl(sql)

    manager.add_raw(move)
    manager.add_raw_backwards(undo)
    manager.drop_column(
        table_class_name="Agreement",
        tablename="agreements",
        column_name="balance",
        db_column_name="balance",
        schema=None,
    )
    return manager
