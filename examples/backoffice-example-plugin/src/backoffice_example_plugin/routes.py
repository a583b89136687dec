"""An API route of the plugin: the JSON schema of the vendor's connection settings.

Plugin routes are not inside BackOffice's guarded ``/api/v1`` router, so the handler sets the
``require_api_user`` guard itself, and declares the permission it needs: vendor connections
belong to the Settings area.
"""

from __future__ import annotations

from typing import Any

from litestar import get

from backoffice_example_plugin.vendor import ExampleHttpVendor
from core.access.guards import requires
from core.auth.guards import require_api_user
from core.plugins.fields import json_schema


@get(
    "/api/v1/example/settings-schema",
    guards=[require_api_user, requires("settings", "view")],
    tags=["Example plugin"],
    summary="Connection settings of the example vendor",
)
async def settings_schema() -> dict[str, Any]:
    return {
        "vendor": ExampleHttpVendor.key,
        "schema": json_schema(ExampleHttpVendor.settings_fields),
    }
