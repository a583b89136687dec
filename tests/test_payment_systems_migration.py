"""The migration that moves payment-system settings into ``plugin_instances`` keeps every
setting readable through the service (issue 11).

A scratch database is migrated up to the migration before the move, given payment systems the
old way (settings sealed under the old purpose, two names equal but for case, one value sealed
under another secret key), then migrated to the end, in a subprocess: the suite's own database
is already at the end.
"""

from __future__ import annotations

from migration_scratch import run_script

BEFORE_MOVE = "2026-12-01T17:10:01:000000"
SCRIPT = f"""
import asyncio, json
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.querystring import QueryString

async def main():
    from core.auth.secrets import encrypt
    from core.db.engine import engine, prepare_sqlite_file
    from core.settings import get_settings

    settings = get_settings()
    if settings.is_sqlite:
        prepare_sqlite_file(settings.sqlite_path)
    done = await run_forwards(app_name="backoffice", migration_id="{BEFORE_MOVE}")
    assert done.success, done.message
    db = engine()
    await db.run_ddl(
        "INSERT INTO companies (id, name, kind, depth, path) VALUES (1, 'O', 'owner', 0, '/1/')"
    )
    old = "payment-system-settings"
    rows = [
        (1, "Cards", "fakepay", True,
         encrypt(json.dumps({{"account": "a-1", "api_key": "sk_1"}}), purpose=old)),
        (2, "cards", "fakepay", False, encrypt(json.dumps({{"account": "a-2"}}), purpose=old)),
        (3, "Lost", "otherpay", True, "not-a-token-of-this-key"),
        (4, "Empty", "fakepay", True, ""),
    ]
    for row in rows:
        await db.run_querystring(QueryString(
            "INSERT INTO payment_systems (id, company, name, kind, enabled, settings, fee_payer, "
            "internal_fee, created_at, updated_at) VALUES ({{}}, 1, {{}}, {{}}, {{}}, {{}}, "
            "'client', 0, '2026-01-02T03:04:05+00:00', '2026-01-03T03:04:05+00:00')",
            *row,
        ))
    done = await run_forwards(app_name="backoffice", migration_id="all")
    assert done.success, done.message

    from core.payments import systems
    from core.plugins.instance_models import PluginInstance
    from tenants.scope import Scope

    scope = Scope(company_id=1, company_path="/1/", company_kind="owner")
    out = []
    for row in await db.run_ddl("SELECT * FROM payment_systems ORDER BY id"):
        row = dict(row)
        instance = await PluginInstance.select().where(
            PluginInstance.id == row["instance"]
        ).first()
        out.append({{
            "id": row["id"],
            "name": row["name"],
            "columns": sorted(row),
            "settings": await systems.stored_settings(scope, row),
            "instance": [instance[k] for k in ("company", "category", "plugin", "name")],
            "enabled": [bool(row["enabled"]), bool(instance["enabled"])],
            "times": [str(instance["created_at"])[:10], str(instance["updated_at"])[:10]],
        }})
    try:
        await db.run_ddl("UPDATE payment_systems SET instance = 1 WHERE id = 2")
        unique = False
    except Exception:
        unique = True
    print("RESULT" + json.dumps([out, unique], default=str))

asyncio.run(main())
"""


def test_settings_move_into_instances_and_stay_readable(tmp_path):
    rows, unique = run_script(SCRIPT, tmp_path)
    assert unique, "two payment systems could share one instance"
    assert [r["settings"] for r in rows] == [
        {"account": "a-1", "api_key": "sk_1"},
        {"account": "a-2"},
        {},  # unreadable before (another key), unreadable after: entered again
        {},
    ]
    # the second "cards" is renamed on both rows: instance names are unique in any case
    assert [r["name"] for r in rows] == ["Cards", "cards (2)", "Lost", "Empty"]
    assert [r["instance"] for r in rows] == [
        [1, "payment_system", "fakepay", "Cards"],
        [1, "payment_system", "fakepay", "cards (2)"],
        [1, "payment_system", "otherpay", "Lost"],
        [1, "payment_system", "fakepay", "Empty"],
    ]
    on, off = [True, True], [False, False]
    assert [r["enabled"] for r in rows] == [on, off, on, on]
    assert all(r["times"] == ["2026-01-02", "2026-01-03"] for r in rows)
    assert all("settings" not in r["columns"] and "instance" in r["columns"] for r in rows)
