"""The audit log's label dictionary: its text filters read a few labels, not every event (issue 9).

The audit list filters ``user`` (a part of ``user_label``) and ``action_contains`` (a part of
``action``) were ``LIKE '%text%'`` over every event of the scope. A trigram index on
``audit_events`` would serve them, but it made every bulk write of the log about 100 times
slower on SQLite (docs/architecture.md, "Name search"). The log holds few distinct labels and
actions, so they go into a small dictionary, ``audit_labels (id, kind, value)`` unique on
``(kind, value)``, which the trigram index covers instead: a filter finds its matching values
there and reads the events through the existing ``(user_label, id)`` / ``(action, id)`` indexes
(``core.audit.labels``).

The database keeps the dictionary, so piccolo inserts and ``core.db.bulk.insert_many``
(executemany, COPY) are right alike: SQLite with an ``AFTER INSERT`` row trigger that adds a
value it does not hold yet (one unique-index probe per value); PostgreSQL with a
statement-level ``AFTER INSERT`` trigger over the transition table, so a COPY of many rows adds
its distinct values once. An update of either column (the log is append-only; only a repair
would) adds the new values too. Values are never removed: a value no event holds any more only
matches nothing. Raw SQL: piccolo declares neither triggers, FTS5 tables nor GIN indexes, and
the dictionary is no model (no one reads or writes it through the ORM).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T11:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_labels"

# the searched columns of the dictionary (``core.db.search.SEARCHED`` names them too)
SEARCHED = {"audit_labels": ("value",)}
KINDS = ("user_label", "action")

_CHECK = "CHECK (kind IN ('user_label', 'action'))"


def _sqlite_learn(row: str) -> str:
    """One statement per kind: the value of ``row`` unless the dictionary holds it. Not ``OR
    IGNORE``: a conflict policy of the statement firing the trigger would override it."""
    return " ".join(
        f"INSERT INTO audit_labels (kind, value) SELECT '{kind}', {row}.{kind} WHERE NOT EXISTS "
        f"(SELECT 1 FROM audit_labels WHERE kind = '{kind}' AND value = {row}.{kind});"
        for kind in KINDS
    )


SQLITE_CREATE = (
    "CREATE TABLE IF NOT EXISTS audit_labels (id INTEGER PRIMARY KEY, "
    f"kind TEXT NOT NULL {_CHECK}, value TEXT NOT NULL, UNIQUE (kind, value))",
    "CREATE VIRTUAL TABLE IF NOT EXISTS audit_labels_search USING fts5(value, "
    "content='audit_labels', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS audit_labels_search_insert AFTER INSERT ON audit_labels "
    "BEGIN INSERT INTO audit_labels_search (rowid, value) VALUES (new.id, new.value); END",
    "CREATE TRIGGER IF NOT EXISTS audit_labels_search_delete AFTER DELETE ON audit_labels "
    "BEGIN INSERT INTO audit_labels_search (audit_labels_search, rowid, value) "
    "VALUES ('delete', old.id, old.value); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_labels AFTER INSERT ON audit_events "
    f"BEGIN {_sqlite_learn('new')} END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_labels_update "
    f"AFTER UPDATE OF user_label, action ON audit_events BEGIN {_sqlite_learn('new')} END",
    "INSERT OR IGNORE INTO audit_labels (kind, value) "
    "SELECT DISTINCT 'user_label', user_label FROM audit_events",
    "INSERT OR IGNORE INTO audit_labels (kind, value) "
    "SELECT DISTINCT 'action', action FROM audit_events",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_events_labels",
    "DROP TRIGGER IF EXISTS audit_events_labels_update",
    "DROP TRIGGER IF EXISTS audit_labels_search_insert",
    "DROP TRIGGER IF EXISTS audit_labels_search_delete",
    "DROP TABLE IF EXISTS audit_labels_search",
    "DROP TABLE IF EXISTS audit_labels",
)


def _postgres_learn(rows: str) -> str:
    """The distinct values of ``rows`` the dictionary lacks, in one order (two transactions
    adding the same values lock them alike); ``ON CONFLICT`` for one that adds them first."""
    selects = " UNION ".join(
        f"SELECT '{kind}', {kind} FROM {rows} AS r WHERE NOT EXISTS "
        f"(SELECT 1 FROM audit_labels AS l WHERE l.kind = '{kind}' AND l.value = r.{kind})"
        for kind in KINDS
    )
    return (
        f"INSERT INTO audit_labels (kind, value) SELECT * FROM ({selects}) AS found "
        "ORDER BY 1, 2 ON CONFLICT (kind, value) DO NOTHING"
    )


POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS audit_labels (id BIGINT GENERATED ALWAYS AS IDENTITY "
    f"PRIMARY KEY, kind TEXT NOT NULL {_CHECK}, value TEXT NOT NULL, UNIQUE (kind, value))",
    "CREATE INDEX IF NOT EXISTS audit_labels_value_trgm ON audit_labels "
    "USING gin (value gin_trgm_ops)",
    "CREATE OR REPLACE FUNCTION audit_events_learn_labels() RETURNS trigger AS $$ BEGIN "
    f"{_postgres_learn('added')}; RETURN NULL; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_events_labels ON audit_events",
    "CREATE TRIGGER audit_events_labels AFTER INSERT ON audit_events "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION audit_events_learn_labels()",
    # a transition table cannot go with a column list: a row trigger, fired by a change only
    "CREATE OR REPLACE FUNCTION audit_events_learn_label() RETURNS trigger AS $$ BEGIN "
    f"{_postgres_learn('(SELECT NEW.user_label, NEW.action)')}; RETURN NULL; END $$ "
    "LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_events_labels_update ON audit_events",
    "CREATE TRIGGER audit_events_labels_update AFTER UPDATE OF user_label, action "
    "ON audit_events FOR EACH ROW WHEN (OLD.user_label IS DISTINCT FROM NEW.user_label "
    "OR OLD.action IS DISTINCT FROM NEW.action) EXECUTE FUNCTION audit_events_learn_label()",
    _postgres_learn("audit_events"),
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS audit_events_labels ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_labels_update ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_learn_labels()",
    "DROP FUNCTION IF EXISTS audit_events_learn_label()",
    "DROP TABLE IF EXISTS audit_labels",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def create() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        for sql in POSTGRES_CREATE if is_postgres() else SQLITE_CREATE:
            await db.run_ddl(sql)

    async def drop() -> None:
        from core.db.engine import engine, is_postgres

        db = engine()
        for sql in POSTGRES_DROP if is_postgres() else SQLITE_DROP:
            await db.run_ddl(sql)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
