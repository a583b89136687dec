"""REST endpoints for companies under /api/v1/companies."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.accounts.companies import profile as company_profile
from core.accounts.companies import service as companies
from core.accounts.companies.schemas import (
    CompanyCreate,
    CompanyOut,
    CompanyPage,
    CompanyProfile,
    CompanyUpdate,
)
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging
from core.web.rule_check import rules

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]


async def _check_rules(request: Request, partial, broken: frozenset[str]) -> list[dict]:
    """Rule errors of a body's well-shaped fields, answered with its shape errors at once."""
    company_id = request.path_params.get("company_id")
    return await companies.rule_errors(principal_of(request).scope, partial, company_id, broken)


class CompanyController(Controller):
    path = "/companies"
    tags = ["Companies"]

    @get(
        "/",
        summary="List the companies your company created",
        dependencies={"list_query": paging("id", companies.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        enabled: FromQuery[bool | None] = None,
        creator_of_resellers: FromQuery[bool | None] = None,
        moderation: FromQuery[bool | None] = None,
        invoices_enabled: FromQuery[bool | None] = None,
        two_factor_required: FromQuery[bool | None] = None,
        mnp_requests: FromQuery[bool | None] = None,
        own_legal_entity_id: FromQuery[int | None] = None,
        portal_id: FromQuery[int | None] = None,
        created_from: FromQuery[datetime | None] = None,
        created_to: FromQuery[datetime | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> CompanyPage:
        filters = companies.CompanyFilters(
            q=q,
            type=type,
            enabled=enabled,
            creator_of_resellers=creator_of_resellers,
            moderation=moderation,
            invoices_enabled=invoices_enabled,
            two_factor_required=two_factor_required,
            mnp_requests=mnp_requests,
            own_legal_entity_id=own_legal_entity_id,
            portal_id=portal_id,
            created_from=created_from,
            created_to=created_to,
        )
        if format == "csv":
            return await csv_export.respond(
                "companies",
                CompanyOut,
                lambda rows: companies.list_companies(principal_of(request).scope, filters, rows),
                list_query,
            )
        items, total, cursors = await companies.list_companies(
            principal_of(request).scope, filters, list_query
        )
        return make_page(items, total, list_query, CompanyPage, cursors)

    @post("/", summary="Create a company", guards=MANAGE, opt=rules(CompanyUpdate, _check_rules))
    async def create(self, request: Request, data: JSONBody[CompanyCreate]) -> CompanyOut:
        return await companies.create_company(
            audit_context(request), principal_of(request).scope, data
        )

    @get("/{company_id:int}", summary="One company", guards=VIEW)
    async def read(self, request: Request, company_id: FromPath[int]) -> CompanyOut:
        return await companies.get_company(principal_of(request).scope, company_id)

    @patch(
        "/{company_id:int}",
        summary="Change a company",
        guards=MANAGE,
        opt=rules(CompanyUpdate, _check_rules),
    )
    async def update(
        self, request: Request, company_id: FromPath[int], data: JSONBody[CompanyUpdate]
    ) -> CompanyOut:
        return await companies.update_company(
            audit_context(request), principal_of(request).scope, company_id, data
        )

    @delete("/{company_id:int}", summary="Delete a company", status_code=204, guards=MANAGE)
    async def remove(self, request: Request, company_id: FromPath[int]) -> None:
        await companies.delete_company(
            audit_context(request), principal_of(request).scope, company_id
        )

    @get(
        "/{company_id:int}/profile",
        summary="A company's profile: overview, finance and assets for a period",
        guards=VIEW,
    )
    async def profile(
        self,
        request: Request,
        company_id: FromPath[int],
        period: FromQuery[str] = "month",
    ) -> CompanyProfile:
        return await company_profile.company_profile(
            principal_of(request).scope, company_id, period
        )

    @post(
        "/{company_id:int}/block",
        summary="Block a company: its users are signed out and its tokens refused",
        status_code=200,
        guards=MANAGE,
    )
    async def block(self, request: Request, company_id: FromPath[int]) -> CompanyOut:
        return await companies.set_blocked(
            audit_context(request), principal_of(request).scope, company_id, True
        )

    @post(
        "/{company_id:int}/unblock",
        summary="Unblock a company: its users may sign in again",
        status_code=200,
        guards=MANAGE,
    )
    async def unblock(self, request: Request, company_id: FromPath[int]) -> CompanyOut:
        return await companies.set_blocked(
            audit_context(request), principal_of(request).scope, company_id, False
        )
