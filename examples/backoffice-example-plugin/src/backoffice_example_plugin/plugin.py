"""The plugin object BackOffice loads (entry point ``example`` in pyproject.toml).

Each hook only returns declarations; nothing here does I/O.
"""

from __future__ import annotations

from backoffice_example_plugin import receipts
from backoffice_example_plugin.channel import ExampleSms, TrafficTypes
from backoffice_example_plugin.routes import settings_schema
from backoffice_example_plugin.vendor import ExampleHttpVendor
from core.access.areas import Area
from core.plugins.extension import MenuEntry, PluginFiles
from core.plugins.hookspecs import hookimpl

# The core API versions this package was written against; another major is refused at
# start-up with this range in the reason (core.plugins.compat).
BACKOFFICE_API = ">=1,<2"


@hookimpl
def register_channels() -> list:
    return [ExampleSms]


@hookimpl
def register_vendors() -> list:
    return [ExampleHttpVendor]


@hookimpl
def register_dictionaries() -> list:
    return [TrafficTypes]


@hookimpl
def register_permission_areas() -> list:
    return [
        Area(
            receipts.AREA,
            "Delivery receipts",
            "backoffice",
            "Plugins",
            "Delivery receipts the example gateway reported",
            {"noc_engineer": "view"},
        )
    ]


@hookimpl
def register_routes() -> list:
    # settings_schema is guarded (/api/v1/plugins/example/...); the webhook is public()
    # and mounts under /hooks/example/.
    return [settings_schema, receipts.receive_receipts]


@hookimpl
def register_pages() -> list:
    return [receipts.receipts_page]


@hookimpl
def register_menu_entries() -> list:
    return [MenuEntry("Delivery receipts", "/p/example/receipts", receipts.AREA)]


@hookimpl
def register_templates() -> list:
    return [PluginFiles(templates_dir=receipts.HERE / "templates")]


@hookimpl
def register_migrations() -> list:
    return [receipts.APP]
