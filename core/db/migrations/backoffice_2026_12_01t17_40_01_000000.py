"""The agreements list's balance order key (issue 9): the fill, the triggers and the index.

Sorting agreements by balance joined ``balance_accounts`` and sorted every agreement of the
seller on every page. The balance is copied onto the agreement (``sort_balance``, declared in
``2026-12-01T17:40:00``) and indexed after ``seller_id``, so a page is one index range. The
database keeps it, as it keeps the name copies of ``2026-12-01T11:20:02``: every write of
``balance_accounts.balance`` (the posting service's one UPDATE, an account opened by the
agreement's insert trigger, any manual fix) is followed onto the agreement, and a value a
caller writes into the copy is overwritten by the account's balance (0 before the account
opens). The list still shows the account's balance: the copy is only the order.

Lock order on PostgreSQL: a posting locks its ``balance_accounts`` rows, then the trigger
updates their agreements; whoever locks both must take them in that order
(``core.accounts.agreements.service.delete_agreement`` does).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T17:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "sort_balance_copy"

ACCOUNT = "COALESCE((SELECT balance FROM balance_accounts WHERE agreement = {row}.id), 0)"
FILL = f"UPDATE agreements SET sort_balance = {ACCOUNT.format(row='agreements')}"
INDEX = (
    "agreements_seller_id_sort_balance",
    "CREATE INDEX IF NOT EXISTS agreements_seller_id_sort_balance "
    "ON agreements (seller_id, sort_balance, id)",
)
FOLLOW = "UPDATE agreements SET sort_balance = NEW.balance WHERE id = NEW.agreement"
# (name, CREATE): SQLite cannot set a column before a write, so each trigger fixes the row
# after it, only when the copy is not already right.
SQLITE_TRIGGERS = (
    (
        "balance_accounts_sort_balance",
        "CREATE TRIGGER IF NOT EXISTS balance_accounts_sort_balance AFTER INSERT ON "
        "balance_accounts WHEN NEW.balance IS NOT "
        "(SELECT sort_balance FROM agreements WHERE id = NEW.agreement) "
        f"BEGIN {FOLLOW}; END",
    ),
    (
        "balance_accounts_sort_balance_update",
        "CREATE TRIGGER IF NOT EXISTS balance_accounts_sort_balance_update AFTER UPDATE OF "
        "balance ON balance_accounts WHEN NEW.balance IS NOT OLD.balance "
        f"BEGIN {FOLLOW}; END",
    ),
    (
        "agreements_sort_balance_update",
        "CREATE TRIGGER IF NOT EXISTS agreements_sort_balance_update AFTER UPDATE OF "
        f"sort_balance ON agreements WHEN NEW.sort_balance IS NOT {ACCOUNT.format(row='NEW')} "
        f"BEGIN UPDATE agreements SET sort_balance = {ACCOUNT.format(row='NEW')} "
        "WHERE id = NEW.id; END",
    ),
)
# (trigger, table, function, CREATE FUNCTION, CREATE TRIGGER)
POSTGRES_TRIGGERS = (
    (
        "balance_accounts_sort_balance",
        "balance_accounts",
        "balance_accounts_follow_balance",
        "CREATE OR REPLACE FUNCTION balance_accounts_follow_balance() RETURNS trigger AS $$ "
        f"BEGIN {FOLLOW} AND sort_balance IS DISTINCT FROM NEW.balance; RETURN NULL; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER balance_accounts_sort_balance AFTER INSERT OR UPDATE OF balance ON "
        "balance_accounts FOR EACH ROW EXECUTE FUNCTION balance_accounts_follow_balance()",
    ),
    (
        "agreements_sort_balance",
        "agreements",
        "agreements_copy_balance",
        "CREATE OR REPLACE FUNCTION agreements_copy_balance() RETURNS trigger AS $$ BEGIN "
        f"NEW.sort_balance := {ACCOUNT.format(row='NEW')}; RETURN NEW; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER agreements_sort_balance BEFORE INSERT OR UPDATE OF sort_balance ON "
        "agreements FOR EACH ROW EXECUTE FUNCTION agreements_copy_balance()",
    ),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        await db.run_ddl(FILL)
        if is_postgres():
            for trigger, table, _, function, create_trigger in POSTGRES_TRIGGERS:
                await db.run_ddl(function)
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
                await db.run_ddl(create_trigger)
        else:
            for _, sql in SQLITE_TRIGGERS:
                await db.run_ddl(sql)
        await db.run_ddl(INDEX[1])

    async def drop() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        if is_postgres():
            for trigger, table, function, _, _ in POSTGRES_TRIGGERS:
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
                await db.run_ddl(f"DROP FUNCTION IF EXISTS {function}()")
        else:
            for name, _ in SQLITE_TRIGGERS:
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {name}")
        await db.run_ddl(f"DROP INDEX IF EXISTS {INDEX[0]}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
