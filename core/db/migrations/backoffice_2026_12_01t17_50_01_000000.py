"""Payment systems keep their settings in ``plugin_instances`` (issue 11).

For each ``payment_systems`` row an instance of category ``payment_system`` is inserted (its
company, ``plugin`` = the kind, name, enabled, settings, times), the row is linked to it and
``payment_systems.settings`` is dropped. The settings are re-sealed under the instance store's
key purpose; a value no key of this server opens is copied as it is (it was unreadable before
and stays so: the service shows it as unset, to be entered again). Instance names are unique
per company and category in any case; a payment system whose name another one already holds
gets " (2)", " (3)", ... on both rows, so the two names stay equal. The link is unique (an
index: SQLite cannot add a UNIQUE column). Backwards only drops that index and re-adds an
empty ``settings`` column: the settings stay in the instances.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-12-01T17:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment_systems_into_plugin_instances"

OLD_PURPOSE = "payment-system-settings"
NEW_PURPOSE = "plugin-instance-settings"
INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS payment_systems_instance_unique "
    "ON payment_systems (instance)"
)
DROP = "DROP INDEX IF EXISTS payment_systems_instance_unique"
INSERT = (
    "INSERT INTO plugin_instances "
    "(company, category, plugin, name, enabled, settings, created_at, updated_at) "
    "SELECT company, 'payment_system', kind, {}, enabled, {}, created_at, updated_at "
    "FROM payment_systems WHERE id = {} RETURNING id"
)


def _reseal(token: str | None) -> str:
    from core.auth.secrets import SecretUnreadable, decrypt, encrypt

    if not token:
        return ""
    try:
        return encrypt(decrypt(token, purpose=OLD_PURPOSE), purpose=NEW_PURPOSE)
    except SecretUnreadable:
        return token


def _free(name: str, taken: set[str]) -> str:
    n, candidate = 1, name
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = name[: 200 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="backoffice", description=DESCRIPTION)

    async def move() -> None:
        from core.db.engine import engine

        db = engine()
        existing = await db.run_ddl(
            "SELECT company, name FROM plugin_instances WHERE category = 'payment_system'"
        )
        taken: dict[int, set[str]] = {}
        for row in existing:
            taken.setdefault(row["company"], set()).add(row["name"].lower())
        systems = await db.run_ddl(
            "SELECT id, company, name, settings FROM payment_systems "
            "WHERE instance IS NULL ORDER BY id"
        )
        for row in systems:
            name = _free(row["name"], taken.setdefault(row["company"], set()))
            inserted = await db.run_querystring(
                QueryString(INSERT, name, _reseal(row["settings"]), row["id"])
            )
            await db.run_querystring(
                QueryString(
                    "UPDATE payment_systems SET instance = {}, name = {} WHERE id = {}",
                    inserted[0]["id"],
                    name,
                    row["id"],
                )
            )
        await db.run_ddl(INDEX)

    async def undo() -> None:
        from core.db.engine import engine

        await engine().run_ddl(DROP)

    manager.add_raw(move)
    manager.add_raw_backwards(undo)
    manager.drop_column(
        table_class_name="PaymentSystemConfig",
        tablename="payment_systems",
        column_name="settings",
        db_column_name="settings",
        schema=None,
    )
    return manager
