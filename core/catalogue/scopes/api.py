"""REST endpoints for service scopes: ``/api/v1/services/{id}/scopes`` and
``/api/v1/scopes/{id}``. Same permission area as services ("Services and rates"): a scope is
part of its service's price."""

from __future__ import annotations

from litestar import Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.catalogue.scopes import service
from core.catalogue.scopes.schemas import ScopeCreate, ScopeOut, ScopePage, ScopeUpdate
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

VIEW = [requires("services", "view")]
MANAGE = [requires("services", "manage")]
TAGS = ["Services"]


@get(
    "/services/{service_id:int}/scopes",
    summary="The scopes (validity periods) of one of your services",
    dependencies={"list_query": paging("id", service.SORTABLE, default_order="asc")},
    guards=VIEW,
    tags=TAGS,
)
async def list_scopes(
    request: Request,
    service_id: FromPath[int],
    list_query: ListQueryParam,
    draft: FromQuery[bool | None] = None,
    format: csv_export.ExportFormat = "json",
) -> ScopePage:
    scope = principal_of(request).scope
    filters = service.ScopeFilters(draft=draft)
    if format == "csv":
        await service.owned_service(scope, service_id)
        return await csv_export.respond(
            "scopes",
            ScopeOut,
            lambda rows: service.list_scopes(scope, service_id, filters, rows),
            list_query,
        )
    items, total, cursors = await service.list_scopes(scope, service_id, filters, list_query)
    return make_page(items, total, list_query, ScopePage, cursors)


@post(
    "/services/{service_id:int}/scopes",
    summary="Add a scope to one of your services, optionally copying another scope's tree",
    guards=MANAGE,
    tags=TAGS,
)
async def create_scope(
    request: Request, service_id: FromPath[int], data: JSONBody[ScopeCreate]
) -> ScopeOut:
    return await service.create_scope(
        audit_context(request), principal_of(request).scope, service_id, data
    )


@get("/scopes/{scope_id:int}", summary="One scope of your services", guards=VIEW, tags=TAGS)
async def read_scope(request: Request, scope_id: FromPath[int]) -> ScopeOut:
    return await service.get_scope(principal_of(request).scope, scope_id)


@patch(
    "/scopes/{scope_id:int}",
    summary="Change a scope's dates or draft flag",
    guards=MANAGE,
    tags=TAGS,
)
async def update_scope(
    request: Request, scope_id: FromPath[int], data: JSONBody[ScopeUpdate]
) -> ScopeOut:
    return await service.update_scope(
        audit_context(request), principal_of(request).scope, scope_id, data
    )


@delete(
    "/scopes/{scope_id:int}",
    summary="Delete a scope and its rate tree",
    status_code=204,
    guards=MANAGE,
    tags=TAGS,
)
async def delete_scope(request: Request, scope_id: FromPath[int]) -> None:
    await service.delete_scope(audit_context(request), principal_of(request).scope, scope_id)


API_HANDLERS = [list_scopes, create_scope, read_scope, update_scope, delete_scope]
