"""REST endpoints: /api/v1/payment-systems, /api/v1/payment-system-types and the payment
systems of an own legal entity, all over ``core.payments.systems`` (area "settings")."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.payments import systems as service
from core.payments.schemas import (
    AssignmentIn,
    AssignmentOut,
    PaymentSystemCreate,
    PaymentSystemOut,
    PaymentSystemPage,
    PaymentSystemTypeOut,
    PaymentSystemUpdate,
)
from core.plugins.instance_schemas import TestResultOut
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

VIEW = [requires("settings", "view")]
MANAGE = [requires("settings", "manage")]


class PaymentSystemController(Controller):
    path = "/payment-systems"
    tags = ["Payment systems"]

    @get(
        "/",
        summary="List the payment systems your company configured",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        enabled: FromQuery[bool | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> PaymentSystemPage:
        filters = service.PaymentSystemFilters(q=q, kind=kind, enabled=enabled)
        if format == "csv":
            return await csv_export.respond(
                "payment-systems",
                PaymentSystemOut,
                lambda rows: service.list_payment_systems(
                    principal_of(request).scope, filters, rows
                ),
                list_query,
            )
        items, total, cursors = await service.list_payment_systems(
            principal_of(request).scope, filters, list_query
        )
        return make_page(items, total, list_query, PaymentSystemPage, cursors)

    @post("/", summary="Configure a payment system", guards=MANAGE)
    async def create(
        self, request: Request, data: JSONBody[PaymentSystemCreate]
    ) -> PaymentSystemOut:
        return await service.create_payment_system(
            audit_context(request), principal_of(request).scope, data
        )

    @get("/{system_id:int}", summary="One payment system (secrets redacted)", guards=VIEW)
    async def read(self, request: Request, system_id: FromPath[int]) -> PaymentSystemOut:
        return await service.get_payment_system(principal_of(request).scope, system_id)

    @patch(
        "/{system_id:int}",
        summary="Change a payment system (omitted secrets keep their value)",
        guards=MANAGE,
    )
    async def update(
        self, request: Request, system_id: FromPath[int], data: JSONBody[PaymentSystemUpdate]
    ) -> PaymentSystemOut:
        return await service.update_payment_system(
            audit_context(request), principal_of(request).scope, system_id, data
        )

    @post(
        "/{system_id:int}/test",
        summary="Test the connection to the provider with the stored settings",
        description="A failure inside the plugin is answered as `ok: false` with its message; "
        "a plugin that offers no test, or one switched off for your company, is a 422.",
        status_code=200,
        guards=MANAGE,
    )
    async def test(self, request: Request, system_id: FromPath[int]) -> TestResultOut:
        result = await service.check_payment_system(principal_of(request).scope, system_id)
        return TestResultOut(ok=result.ok, message=result.message)

    @delete("/{system_id:int}", summary="Delete a payment system", status_code=204, guards=MANAGE)
    async def remove(self, request: Request, system_id: FromPath[int]) -> None:
        await service.delete_payment_system(
            audit_context(request), principal_of(request).scope, system_id
        )


@get(
    "/payment-system-types",
    summary="Payment-system plugins on for your company and the JSON schema of their settings",
    tags=["Payment systems"],
    guards=VIEW,
)
async def list_payment_system_types(request: Request) -> list[PaymentSystemTypeOut]:
    return service.list_types(await service.offered_types(principal_of(request).scope))


class OwnLegalEntityPaymentSystems(Controller):
    path = "/own-legal-entities/{entity_id:int}/payment-systems"
    tags = ["Payment systems"]

    @get("/", summary="Payment systems offered by an own legal entity", guards=VIEW)
    async def read(self, request: Request, entity_id: FromPath[int]) -> AssignmentOut:
        return await service.get_assignment(principal_of(request).scope, entity_id)

    @put("/", summary="Replace the payment systems of an own legal entity", guards=MANAGE)
    async def replace(
        self, request: Request, entity_id: FromPath[int], data: JSONBody[AssignmentIn]
    ) -> AssignmentOut:
        return await service.set_assignment(
            audit_context(request), principal_of(request).scope, entity_id, data.payment_system_ids
        )


API_HANDLERS = [PaymentSystemController, list_payment_system_types, OwnLegalEntityPaymentSystems]
