"""The single piccolo app that owns the schema and its migrations."""

import os

from piccolo.conf.apps import AppConfig

from core.db.tables import core_tables

APP_CONFIG = AppConfig(
    app_name="backoffice",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=core_tables(),
    migration_dependencies=[],
    commands=[],
)
