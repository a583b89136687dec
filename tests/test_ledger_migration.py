"""The migration that moves ``agreements.balance`` into the ledger keeps every value (issue 10).

A scratch database (a file on SQLite, a database of its own on PostgreSQL) is migrated up to
the migration before the ledger, given agreements with balances the old way, then migrated to
the end, in a subprocess: the suite's own database is already at the end.
"""

from __future__ import annotations

from migration_scratch import run_script

BEFORE_LEDGER = "2026-12-01T10:30:01:000000"
SCRIPT = f"""
import asyncio, json
from piccolo.apps.migrations.commands.forwards import run_forwards

async def main():
    from core.db.engine import engine, prepare_sqlite_file
    from core.settings import get_settings

    settings = get_settings()
    if settings.is_sqlite:
        prepare_sqlite_file(settings.sqlite_path)
    done = await run_forwards(app_name="backoffice", migration_id="{BEFORE_LEDGER}")
    assert done.success, done.message
    db = engine()
    for sql in (
        "INSERT INTO companies (id, name, kind, depth, path) VALUES (1, 'O', 'owner', 0, '/1/')",
        "INSERT INTO companies (id, name, kind, depth, path, parent) "
        "VALUES (2, 'C', 'client', 1, '/1/2/', 1)",
        "INSERT INTO legal_entities (id, company, name, legal_name) VALUES (1, 1, 'O', 'O')",
        "INSERT INTO legal_entities (id, company, name, legal_name) VALUES (2, 2, 'C', 'C')",
    ):
        await db.run_ddl(sql)
    for n, (currency, balance) in enumerate(
        [("EUR", -5000000), ("USD", 1234500001), ("EUR", 0)], start=1
    ):
        await db.run_ddl(
            "INSERT INTO agreements (id, company, legal_entity, own_legal_entity, code, "
            "agreement_date, currency, balance, direction) "
            f"VALUES ({{n}}, 2, 2, 1, 'A-{{n}}', '2026-01-01', '{{currency}}', {{balance}}, "
            "'client')"
        )
    done = await run_forwards(app_name="backoffice", migration_id="all")
    assert done.success, done.message
    accounts = await db.run_ddl(
        "SELECT agreement, currency, balance FROM balance_accounts ORDER BY agreement"
    )
    entries = await db.run_ddl(
        "SELECT b.agreement, e.amount, e.cause_kind, e.resulting_balance FROM ledger_entries e "
        "JOIN balance_accounts b ON b.id = e.account ORDER BY b.agreement"
    )
    columns = await db.run_ddl("SELECT * FROM agreements WHERE id = 1")
    rows = [[dict(r) for r in accounts], [dict(r) for r in entries], sorted(dict(columns[0]))]
    print("RESULT" + json.dumps(rows, default=str))

asyncio.run(main())
"""


def test_balances_move_into_accounts_with_an_opening_entry_each(tmp_path):
    accounts, entries, columns = run_script(SCRIPT, tmp_path)
    assert [(a["agreement"], a["currency"], a["balance"]) for a in accounts] == [
        (1, "EUR", -5000000),
        (2, "USD", 1234500001),
        (3, "EUR", 0),
    ]
    # a non-zero balance opens with one adjustment, so each balance is the sum of its ledger
    assert [
        (e["agreement"], e["amount"], e["cause_kind"], e["resulting_balance"]) for e in entries
    ] == [
        (1, -5000000, "adjustment", -5000000),
        (2, 1234500001, "adjustment", 1234500001),
    ]
    assert "balance" not in columns
