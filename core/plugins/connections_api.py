"""REST endpoints for vendor connections: ``/api/v1/vendor-connections`` and
``/api/v1/vendor-types``, over the generic store ``core.plugins.instances`` (category
``vendor_connection``; area "settings", as payment systems).

The store holds every rule (validation, sealing, write-only secrets, audit, tenant isolation,
plugin switches); these handlers only give the category its URLs, so a vendor plugin's
connection settings can be entered before a messaging module uses them.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.errors import NotFound
from core.plugins import enablement, instances
from core.plugins.fields import json_schema
from core.plugins.instance_schemas import (
    InstanceCreate,
    InstanceOut,
    InstancePage,
    InstanceUpdate,
    TestResultOut,
)
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

VIEW = [requires("settings", "view")]
MANAGE = [requires("settings", "manage")]
CATEGORY = "vendor_connection"


class VendorTypeOut(msgspec.Struct):
    key: str
    name: str
    channels: list[str]
    settings_schema: dict[str, Any]


def _checked(connection_id: int) -> int:
    """An id no 32-bit id column holds is as missing as any other, before PostgreSQL would
    refuse it as out of range."""
    if not 0 < connection_id < 2**31:
        raise NotFound(f"vendor connection {connection_id} not found")
    return connection_id


class VendorConnectionController(Controller):
    path = "/vendor-connections"
    tags = ["Vendor connections"]

    @get(
        "/",
        summary="The vendor connections your company configured (filter, sort, page)",
        dependencies={"list_query": paging("name", instances.SORTABLE, "asc")},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        plugin: FromQuery[str | None] = None,
        enabled: FromQuery[bool | None] = None,
    ) -> InstancePage:
        filters = instances.InstanceFilters(q=q, plugin=plugin, enabled=enabled)
        items, total, cursors = await instances.page_instances(
            principal_of(request).scope, CATEGORY, filters, list_query
        )
        return make_page(items, total, list_query, InstancePage, cursors)

    @post(
        "/",
        summary="Configure a connection to a vendor (`plugin` names a vendor type on for your "
        "company)",
        guards=MANAGE,
    )
    async def create(self, request: Request, data: JSONBody[InstanceCreate]) -> InstanceOut:
        return await instances.create_instance(
            audit_context(request), principal_of(request).scope, CATEGORY, data
        )

    @get("/{connection_id:int}", summary="One vendor connection (secrets redacted)", guards=VIEW)
    async def read(self, request: Request, connection_id: FromPath[int]) -> InstanceOut:
        return await instances.get_instance(
            principal_of(request).scope, CATEGORY, _checked(connection_id)
        )

    @patch(
        "/{connection_id:int}",
        summary="Change a vendor connection (omitted secrets and files keep their value)",
        guards=MANAGE,
    )
    async def update(
        self, request: Request, connection_id: FromPath[int], data: JSONBody[InstanceUpdate]
    ) -> InstanceOut:
        return await instances.update_instance(
            audit_context(request),
            principal_of(request).scope,
            CATEGORY,
            _checked(connection_id),
            data,
        )

    @post(
        "/{connection_id:int}/test",
        summary="Test the connection with the stored settings",
        status_code=200,
        guards=MANAGE,
    )
    async def test(self, request: Request, connection_id: FromPath[int]) -> TestResultOut:
        result = await instances.check_instance(
            principal_of(request).scope, CATEGORY, _checked(connection_id)
        )
        return TestResultOut(ok=result.ok, message=result.message)

    @delete(
        "/{connection_id:int}",
        summary="Delete a vendor connection",
        status_code=204,
        guards=MANAGE,
    )
    async def remove(self, request: Request, connection_id: FromPath[int]) -> None:
        await instances.delete_instance(
            audit_context(request), principal_of(request).scope, CATEGORY, _checked(connection_id)
        )


@get(
    "/vendor-types",
    summary="Vendor plugins on for your company and the JSON schema of their settings",
    tags=["Vendor connections"],
    guards=VIEW,
)
async def list_vendor_types(request: Request) -> list[VendorTypeOut]:
    offered = await enablement.available(principal_of(request).scope, "vendors")
    return [
        VendorTypeOut(
            key=key,
            name=cls.name,
            channels=list(cls.channels),
            settings_schema=json_schema(cls.settings_fields),
        )
        for key, cls in sorted(offered.items(), key=lambda item: item[1].name.lower())
    ]


API_HANDLERS = [VendorConnectionController, list_vendor_types]
