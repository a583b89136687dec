"""REST endpoints for the audit log under /api/v1/audit (and the jobs its export creates)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter

from core.access.guards import requires
from core.audit import export, service
from core.audit.service import AuditEventDetail, AuditEventPage, AuditFilters
from core.jobs.api import JobController
from core.jobs.schemas import JobOut
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

DateParam = Annotated[str | None, QueryParameter(description="YYYY-MM-DD or ISO 8601")]
Short = Annotated[str, Parameter(max_length=200)]
AUDIT_VIEW = requires(("audit", "portal_audit"), "view")
EXPORT_MANAGE = requires(("export", "portal_export"), "manage")


class AuditController(Controller):
    path = "/audit"
    tags = ["Audit"]
    guards = [AUDIT_VIEW]

    @get(
        "/",
        summary="The audit log of your company and the companies it created",
        dependencies={"list_query": paging("created_at", service.SORTABLE)},
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        action: FromQuery[Short | None] = None,
        action_contains: FromQuery[Short | None] = None,
        user: FromQuery[Short | None] = None,
        ip: Annotated[str | None, QueryParameter(max_length=64)] = None,
        table_name: Annotated[str | None, QueryParameter(max_length=100)] = None,
        object_id: FromQuery[int | None] = None,
        date_from: Annotated[
            str | None, QueryParameter(description="YYYY-MM-DD or ISO 8601")
        ] = None,
        date_to: Annotated[str | None, QueryParameter(description="YYYY-MM-DD or ISO 8601")] = None,
    ) -> AuditEventPage:
        filters = AuditFilters.from_query(
            {
                "action": action,
                "action_contains": action_contains,
                "user": user,
                "ip": ip,
                "table_name": table_name,
                "object_id": object_id,
                "date_from": date_from,
                "date_to": date_to,
            }
        )
        scope = principal_of(request).scope
        items, total, cursors = await service.list_events(scope, filters, list_query)
        return make_page(items, total, list_query, AuditEventPage, cursors)

    @get("/{event_id:int}", summary="One audit event with the rows it changed")
    async def read(self, request: Request, event_id: FromPath[int]) -> AuditEventDetail:
        return await service.get_event(principal_of(request).scope, event_id)

    @get(
        "/{event_id:int}/csv",
        summary="One event's changes as CSV",
        media_type=csv_export.MEDIA_TYPE,
    )
    async def read_csv(self, request: Request, event_id: FromPath[int]) -> Response:
        detail = await service.get_event(principal_of(request).scope, event_id)
        name = export.event_csv_name(event_id)
        return Response(
            content=export.render_event_csv(detail),
            media_type=csv_export.MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @post(
        "/exports",
        summary="Export the filtered log as CSV (a background job)",
        status_code=202,
        guards=[EXPORT_MANAGE],
    )
    async def start_export(self, request: Request, data: JSONBody[AuditFilters]) -> JobOut:
        return await export.start_export(audit_context(request), principal_of(request), data)


def api_handlers() -> list:
    return [AuditController, JobController]
