"""REST endpoints for companies under /api/v1/companies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import Parameter

from core.accounts import companies
from core.accounts.company_schemas import CompanyCreate, CompanyOut, CompanyPage, CompanyUpdate
from core.web.context import audit_context, principal_of
from core.web.listing import DEFAULT_PAGE_SIZE, ListQuery, make_page


class CompanyController(Controller):
    path = "/companies"
    tags = ["Companies"]

    @get("/", summary="List the companies your company created")
    async def list(
        self,
        request: Request,
        page: Annotated[int, Parameter(ge=1)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=500)] = DEFAULT_PAGE_SIZE,
        sort: str = "id",
        order: str = "desc",
        q: str | None = None,
        type: str | None = None,
        enabled: bool | None = None,
        creator_of_resellers: bool | None = None,
        moderation: bool | None = None,
        portal_id: int | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> CompanyPage:
        query = ListQuery(page=page, page_size=page_size, sort=sort, order=order)
        filters = companies.CompanyFilters(
            q=q,
            type=type,
            enabled=enabled,
            creator_of_resellers=creator_of_resellers,
            moderation=moderation,
            portal_id=portal_id,
            created_from=created_from,
            created_to=created_to,
        )
        items, total = await companies.list_companies(principal_of(request).scope, filters, query)
        page_ = make_page(items, total, query)
        return CompanyPage(**{f: getattr(page_, f) for f in page_.__struct_fields__})

    @post("/", summary="Create a company")
    async def create(self, request: Request, data: CompanyCreate) -> CompanyOut:
        return await companies.create_company(
            audit_context(request), principal_of(request).scope, data
        )

    @get("/{company_id:int}", summary="One company")
    async def read(self, request: Request, company_id: int) -> CompanyOut:
        return await companies.get_company(principal_of(request).scope, company_id)

    @patch("/{company_id:int}", summary="Change a company")
    async def update(self, request: Request, company_id: int, data: CompanyUpdate) -> CompanyOut:
        return await companies.update_company(
            audit_context(request), principal_of(request).scope, company_id, data
        )

    @delete("/{company_id:int}", summary="Delete a company", status_code=204)
    async def remove(self, request: Request, company_id: int) -> None:
        await companies.delete_company(
            audit_context(request), principal_of(request).scope, company_id
        )
