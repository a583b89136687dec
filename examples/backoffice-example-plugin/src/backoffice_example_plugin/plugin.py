"""The plugin object BackOffice loads (entry point ``example`` in pyproject.toml).

Each hook only returns declarations; nothing here does I/O.
"""

from __future__ import annotations

from backoffice_example_plugin.channel import ExampleSms, TrafficTypes
from backoffice_example_plugin.routes import settings_schema
from backoffice_example_plugin.vendor import ExampleHttpVendor
from core.plugins.hookspecs import hookimpl


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
