"""REST endpoints for enabled services, packs, bundle initiators and bundle packs
(``/api/v1/enabled-services``, ``/enabled-packs``, ``/enabled-bundle-initiators``,
``/enabled-bundle-packs``; guide §6.4): one controller per kind, made by ``controller_for``
so the four answer alike."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.catalogue.enabled import service
from core.catalogue.enabled.kinds import KINDS, Kind
from core.catalogue.enabled.schemas import EnabledCreate, EnabledOut, EnabledPage, EnabledUpdate
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]


def controller_for(kind: Kind) -> type[Controller]:
    class EnabledController(Controller):
        path = f"/{kind.path}"
        tags = ["Enabled services"]

        @get(
            "/",
            summary=f"List the {kind.tab.lower()} of the agreements your company sells under",
            dependencies={"list_query": paging("id", service.SORTABLE)},
            guards=VIEW,
            operation_id=f"list_{kind.key}",
        )
        async def list(
            self,
            request: Request,
            list_query: ListQueryParam,
            agreement_id: FromQuery[int | None] = None,
            service_id: FromQuery[int | None] = None,
            in_force_at: FromQuery[datetime | None] = None,
            active: FromQuery[bool | None] = None,
            hidden: FromQuery[bool | None] = None,
            format: csv_export.ExportFormat = "json",
        ) -> EnabledPage:
            filters = service.EnabledFilters(
                agreement_id=agreement_id,
                service_id=service_id,
                in_force_at=in_force_at,
                active=active,
                hidden=hidden,
            )
            scope = principal_of(request).scope
            if format == "csv":
                return await csv_export.respond(
                    kind.path,
                    EnabledOut,
                    lambda rows: service.list_enabled(scope, kind, filters, rows),
                    list_query,
                )
            items, total, cursors = await service.list_enabled(scope, kind, filters, list_query)
            return make_page(items, total, list_query, EnabledPage, cursors)

        @post(
            "/",
            summary=f"Enable a service on an agreement ({kind.noun})",
            guards=MANAGE,
            operation_id=f"create_{kind.key}",
        )
        async def create(self, request: Request, data: JSONBody[EnabledCreate]) -> EnabledOut:
            return await service.create_enabled(
                audit_context(request), principal_of(request).scope, kind, data
            )

        @get(
            "/{enabled_id:int}",
            summary=f"One {kind.noun}",
            guards=VIEW,
            operation_id=f"read_{kind.key}",
        )
        async def read(self, request: Request, enabled_id: FromPath[int]) -> EnabledOut:
            return await service.get_enabled(principal_of(request).scope, kind, enabled_id)

        @patch(
            "/{enabled_id:int}",
            summary=f"Change one {kind.noun} (its period, visibility and options)",
            guards=MANAGE,
            operation_id=f"update_{kind.key}",
        )
        async def update(
            self, request: Request, enabled_id: FromPath[int], data: JSONBody[EnabledUpdate]
        ) -> EnabledOut:
            return await service.update_enabled(
                audit_context(request), principal_of(request).scope, kind, enabled_id, data
            )

        @delete(
            "/{enabled_id:int}",
            summary=f"Delete one {kind.noun} that has not started",
            status_code=204,
            guards=MANAGE,
            operation_id=f"delete_{kind.key}",
        )
        async def remove(self, request: Request, enabled_id: FromPath[int]) -> None:
            await service.delete_enabled(
                audit_context(request), principal_of(request).scope, kind, enabled_id
            )

    EnabledController.__name__ = EnabledController.__qualname__ = (
        f"Enabled{kind.key.title().replace('_', '')}Controller"
    )
    return EnabledController


API_HANDLERS = [controller_for(kind) for kind in KINDS.values()]
