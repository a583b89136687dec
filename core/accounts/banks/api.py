"""REST endpoints for bank profiles under /api/v1/banks."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.accounts.banks import service as banks
from core.accounts.banks.schemas import BankCreate, BankOut, BankPage, BankUpdate
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]


class BankController(Controller):
    path = "/banks"
    tags = ["Banks"]

    @get(
        "/",
        summary="List your banks and, read-only, those of the tenants above you",
        dependencies={"list_query": paging("id", banks.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        country: FromQuery[str | None] = None,
        swift: FromQuery[str | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> BankPage:
        filters = banks.BankFilters(q=q, country=country, swift=swift)
        if format == "csv":
            return await csv_export.respond(
                "banks",
                BankOut,
                lambda rows: banks.list_banks(principal_of(request).scope, filters, rows),
                list_query,
            )
        items, total, cursors = await banks.list_banks(
            principal_of(request).scope, filters, list_query
        )
        return make_page(items, total, list_query, BankPage, cursors)

    @post("/", summary="Create a bank for your company", guards=MANAGE)
    async def create(self, request: Request, data: JSONBody[BankCreate]) -> BankOut:
        return await banks.create_bank(audit_context(request), principal_of(request).scope, data)

    @get("/{bank_id:int}", summary="One bank (yours or a tenant's above you)", guards=VIEW)
    async def read(self, request: Request, bank_id: FromPath[int]) -> BankOut:
        return await banks.get_bank(principal_of(request).scope, bank_id)

    @patch("/{bank_id:int}", summary="Change one of your banks", guards=MANAGE)
    async def update(
        self, request: Request, bank_id: FromPath[int], data: JSONBody[BankUpdate]
    ) -> BankOut:
        return await banks.update_bank(
            audit_context(request), principal_of(request).scope, bank_id, data
        )

    @delete("/{bank_id:int}", summary="Delete one of your banks", status_code=204, guards=MANAGE)
    async def remove(self, request: Request, bank_id: FromPath[int]) -> None:
        await banks.delete_bank(audit_context(request), principal_of(request).scope, bank_id)
