"""The plugin object BackOffice loads (entry point ``example`` in pyproject.toml).

Each hook only returns declarations; nothing here does I/O.
"""

from __future__ import annotations

from backoffice_example_plugin.channel import ExampleSms, TrafficTypes
from backoffice_example_plugin.routes import settings_schema
from backoffice_example_plugin.vendor import ExampleHttpVendor
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
def register_routes() -> list:
    return [settings_schema]
