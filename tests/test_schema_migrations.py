"""The migrations describe exactly the models: a column added to a model without a migration
(or a migration edited by hand away from its model) fails here, not in production."""

from itertools import chain

from piccolo.apps.migrations.commands.new import AutoMigrationManager

from core.db.piccolo_app import APP_CONFIG


async def test_auto_migration_diff_against_the_models_is_empty():
    # "y" answers piccolo's rename prompts; any statement at all means a drift.
    statements = await AutoMigrationManager(auto_input="y").get_alter_statements(
        app_config=APP_CONFIG
    )
    pending = list(chain.from_iterable(s.statements for s in statements))
    assert pending == [], "models differ from migrations; run `piccolo migrations new --auto`"
