"""``tenant_id`` kept by the database, and the indexes that serve a scope with a sort (issue 9).

A caller sees the rows its company owns and those of the companies it created. Written as
``owner = C OR owner.parent = C`` that needs a join no index serves together with the sort, so
lists slowed down linearly with the number of client companies. Each row now carries
``tenant_id``, its owning company's parent (NULL for the system owner's rows: the root has no
parent), written by a trigger on insert and on a change of the owner column, and moved with a
company whose parent changes. The scope is then two disjoint arms, ``owner = C`` and
``tenant_id = C``, each one range of an ``(owner, key, id)`` / ``(tenant_id, key, id)`` index
(``core/db/disjoint.py`` merges them). Triggers, not the services, so piccolo inserts and
``core.db.bulk.insert_many``/``upsert_many`` (executemany, COPY) are right alike; each reads
the parent by primary key. A value written by a caller is overwritten: the database decides.
Agreements keep their own ``seller_id`` (same rule, migration ``2026-12-01T04:30``); it now
moves with a company's parent too.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T10:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant_triggers"

# table -> (owner column, sort keys indexed after each arm's column; id always last). The same
# keys are ``tenants.scope.SCOPE_SORTS``, the sorts a list reads by arm (tests check both agree).
# The audit log is written most: only its default sort (created_at) is indexed by arm.
TENANT_OWNED = {
    "legal_entities": ("company", ("id", "name")),
    "bank_accounts": ("company", ("id", "name")),
    "portals": ("company", ("id", "name")),
    "users": ("company", ("id", "email")),
    "invitations": ("company", ("id", "email")),
    "audit_events": ("company", ("created_at",)),
}
PARENT = "(SELECT parent FROM companies WHERE id = NEW.{owner})"


def _indexes(
    table: str, owner: str, keys: tuple[str, ...], postgres: bool
) -> list[tuple[str, str]]:
    """(name, CREATE) pairs: per arm column and sort key, ``(arm, key, id)``. SQLite's own
    ``(owner)`` index already ends in the rowid, so it serves ``(owner, id)`` itself."""
    found = []
    for arm in (owner, "tenant_id"):
        for key in keys:
            if key == "id" and arm == owner and not postgres:
                continue
            columns = f"{arm}, id" if key == "id" else f"{arm}, {key}, id"
            name = f"{table}_{arm}_{key}_scope"
            found.append((name, f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"))
    return found


def _sqlite_triggers(table: str, owner: str) -> list[str]:
    parent = PARENT.format(owner=owner)
    fix = f"UPDATE {table} SET tenant_id = {parent} WHERE id = NEW.id; END"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_tenant AFTER INSERT ON {table} "
        f"WHEN NEW.tenant_id IS NOT {parent} BEGIN {fix}",
        f"CREATE TRIGGER IF NOT EXISTS {table}_tenant_update "
        f"AFTER UPDATE OF {owner}, tenant_id ON {table} "
        f"WHEN NEW.tenant_id IS NOT {parent} BEGIN {fix}",
    ]


def _postgres_triggers(table: str, owner: str) -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {table}_set_tenant() RETURNS trigger AS $$ BEGIN "
        f"NEW.tenant_id := {PARENT.format(owner=owner)}; RETURN NEW; END $$ LANGUAGE plpgsql",
        f"DROP TRIGGER IF EXISTS {table}_tenant ON {table}",
        f"CREATE TRIGGER {table}_tenant BEFORE INSERT OR UPDATE OF {owner}, tenant_id "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_set_tenant()",
    ]


def _moves() -> str:
    """The statements that follow a company to its new parent."""
    moves = [
        f"UPDATE {table} SET tenant_id = NEW.parent WHERE {owner} = NEW.id;"
        for table, (owner, _) in TENANT_OWNED.items()
    ]
    moves.append("UPDATE agreements SET seller_id = NEW.parent WHERE company = NEW.id;")
    return " ".join(moves)


SQLITE_MOVE = (
    "CREATE TRIGGER IF NOT EXISTS companies_tenant_move AFTER UPDATE OF parent ON companies "
    f"WHEN NEW.parent IS NOT OLD.parent BEGIN {_moves()} END"
)
POSTGRES_MOVE = (
    "CREATE OR REPLACE FUNCTION companies_move_tenant() RETURNS trigger AS $$ BEGIN "
    f"{_moves()} RETURN NULL; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS companies_tenant_move ON companies",
    "CREATE TRIGGER companies_tenant_move AFTER UPDATE OF parent ON companies FOR EACH ROW "
    "WHEN (OLD.parent IS DISTINCT FROM NEW.parent) EXECUTE FUNCTION companies_move_tenant()",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine, is_postgres

        db, postgres = engine(), is_postgres()
        for table, (owner, keys) in TENANT_OWNED.items():
            await db.run_ddl(
                f"UPDATE {table} SET tenant_id = "
                f"(SELECT parent FROM companies WHERE companies.id = {table}.{owner})"
            )
            triggers = _postgres_triggers if postgres else _sqlite_triggers
            for sql in triggers(table, owner):
                await db.run_ddl(sql)
            for _, sql in _indexes(table, owner, keys, postgres):
                await db.run_ddl(sql)
        for sql in POSTGRES_MOVE if postgres else (SQLITE_MOVE,):
            await db.run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine, is_postgres

        db, postgres = engine(), is_postgres()
        if postgres:
            await db.run_ddl("DROP TRIGGER IF EXISTS companies_tenant_move ON companies")
            await db.run_ddl("DROP FUNCTION IF EXISTS companies_move_tenant()")
        else:
            await db.run_ddl("DROP TRIGGER IF EXISTS companies_tenant_move")
        for table, (owner, keys) in TENANT_OWNED.items():
            for name, _ in _indexes(table, owner, keys, postgres):
                await db.run_ddl(f"DROP INDEX IF EXISTS {name}")
            if postgres:
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {table}_tenant ON {table}")
                await db.run_ddl(f"DROP FUNCTION IF EXISTS {table}_set_tenant()")
            else:
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {table}_tenant")
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {table}_tenant_update")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
