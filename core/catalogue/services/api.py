"""REST endpoints for services under /api/v1/services (guide §7.3)."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.catalogue.services import service
from core.catalogue.services.schemas import (
    ServiceClone,
    ServiceCreate,
    ServiceOut,
    ServicePage,
    ServiceUpdate,
)
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

VIEW = [requires("services", "view")]
MANAGE = [requires("services", "manage")]


class ServiceController(Controller):
    path = "/services"
    tags = ["Services"]

    @get(
        "/",
        summary="List your company's services",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        currency: FromQuery[str | None] = None,
        archived: FromQuery[bool | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> ServicePage:
        filters = service.ServiceFilters(q=q, type=type, currency=currency, archived=archived)
        scope = principal_of(request).scope
        if format == "csv":
            return await csv_export.respond(
                "services",
                ServiceOut,
                lambda rows: service.list_services(scope, filters, rows),
                list_query,
            )
        items, total, cursors = await service.list_services(scope, filters, list_query)
        return make_page(items, total, list_query, ServicePage, cursors)

    @post("/", summary="Create a service", guards=MANAGE)
    async def create(self, request: Request, data: JSONBody[ServiceCreate]) -> ServiceOut:
        return await service.create_service(
            audit_context(request), principal_of(request).scope, data
        )

    @get("/{service_id:int}", summary="One of your services", guards=VIEW)
    async def read(self, request: Request, service_id: FromPath[int]) -> ServiceOut:
        return await service.get_service(principal_of(request).scope, service_id)

    @patch("/{service_id:int}", summary="Change one of your services", guards=MANAGE)
    async def update(
        self, request: Request, service_id: FromPath[int], data: JSONBody[ServiceUpdate]
    ) -> ServiceOut:
        return await service.update_service(
            audit_context(request), principal_of(request).scope, service_id, data
        )

    @delete(
        "/{service_id:int}",
        summary="Delete one of your services nothing uses (archive is the usual way)",
        status_code=204,
        guards=MANAGE,
    )
    async def remove(self, request: Request, service_id: FromPath[int]) -> None:
        await service.delete_service(
            audit_context(request), principal_of(request).scope, service_id
        )

    @post(
        "/{service_id:int}/clone",
        summary="Copy one of your services under a new name",
        status_code=201,
        guards=MANAGE,
    )
    async def clone(
        self, request: Request, service_id: FromPath[int], data: JSONBody[ServiceClone]
    ) -> ServiceOut:
        return await service.clone_service(
            audit_context(request), principal_of(request).scope, service_id, data
        )

    @post(
        "/{service_id:int}/archive",
        summary="Archive one of your services",
        status_code=200,
        guards=MANAGE,
    )
    async def archive(self, request: Request, service_id: FromPath[int]) -> ServiceOut:
        return await service.set_archived(
            audit_context(request), principal_of(request).scope, service_id, True
        )

    @post(
        "/{service_id:int}/unarchive",
        summary="Bring one of your archived services back",
        status_code=200,
        guards=MANAGE,
    )
    async def unarchive(self, request: Request, service_id: FromPath[int]) -> ServiceOut:
        return await service.set_archived(
            audit_context(request), principal_of(request).scope, service_id, False
        )
