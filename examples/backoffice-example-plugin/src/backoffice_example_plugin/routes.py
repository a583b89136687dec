"""An API route of the plugin: the JSON schema of the vendor's connection settings.

BackOffice mounts it at ``/api/v1/plugins/example/settings-schema`` behind the guard of its
``/api/v1`` router (401 without a token) and the plugin's switch (404 for a company that has
the plugin off). The handler still declares the permission it needs, as every guarded plugin
route must: vendor connections belong to the Settings area.
"""

from __future__ import annotations

from typing import Any

from litestar import get

from backoffice_example_plugin.vendor import ExampleHttpVendor
from core.access.guards import requires
from core.plugins.fields import json_schema


@get(
    "/settings-schema",
    guards=[requires("settings", "view")],
    tags=["Example plugin"],
    summary="Connection settings of the example vendor",
)
async def settings_schema() -> dict[str, Any]:
    return {
        "vendor": ExampleHttpVendor.key,
        "schema": json_schema(ExampleHttpVendor.settings_fields),
    }
