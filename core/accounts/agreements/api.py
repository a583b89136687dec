"""REST endpoints: /api/v1/agreements (agreements with the companies the caller created) and
their versions, over ``core.accounts.agreements.service`` and
``core.accounts.agreements.versions``."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.accounts.agreements import csv as agreement_csv
from core.accounts.agreements import service, versions
from core.accounts.agreements.schemas import (
    AgreementCreate,
    AgreementOut,
    AgreementPage,
    AgreementUpdate,
    VersionCreate,
    VersionOut,
    VersionPage,
    VersionUpdate,
)
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging
from core.web.rule_check import rules

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]


async def _check_rules(request: Request, partial, broken: frozenset[str]) -> list[dict]:
    """Rule errors of a body's well-shaped fields, answered with its shape errors at once."""
    agreement_id = request.path_params.get("agreement_id")
    return await service.rule_errors(principal_of(request).scope, partial, agreement_id, broken)


class AgreementController(Controller):
    path = "/agreements"
    tags = ["Agreements"]

    @get(
        "/",
        summary="List the agreements with the companies your company created",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        company_id: FromQuery[int | None] = None,
        currency: FromQuery[str | None] = None,
        direction: FromQuery[str | None] = None,
        in_force_on: FromQuery[date | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> AgreementPage:
        filters = service.AgreementFilters(
            q=q,
            company_id=company_id,
            currency=currency,
            direction=direction,
            in_force_on=in_force_on,
        )
        if format == "csv":
            scope = principal_of(request).scope
            return await csv_export.respond(
                "agreements",
                AgreementOut,
                lambda rows: service.list_agreements(scope, filters, rows),
                list_query,
                columns=lambda rows: agreement_csv.columns(scope, filters, rows),
            )
        items, total, cursors = await service.list_agreements(
            principal_of(request).scope, filters, list_query
        )
        return make_page(items, total, list_query, AgreementPage, cursors)

    @post(
        "/",
        summary="Create an agreement with its first version",
        guards=MANAGE,
        opt=rules(AgreementCreate, _check_rules),
    )
    async def create(self, request: Request, data: JSONBody[AgreementCreate]) -> AgreementOut:
        return await service.create_agreement(
            audit_context(request), principal_of(request).scope, data
        )

    @get("/{agreement_id:int}", summary="One agreement", guards=VIEW)
    async def read(self, request: Request, agreement_id: FromPath[int]) -> AgreementOut:
        return await service.get_agreement(principal_of(request).scope, agreement_id)

    @patch(
        "/{agreement_id:int}",
        summary="Change an agreement",
        guards=MANAGE,
        opt=rules(AgreementUpdate, _check_rules),
    )
    async def update(
        self, request: Request, agreement_id: FromPath[int], data: JSONBody[AgreementUpdate]
    ) -> AgreementOut:
        return await service.update_agreement(
            audit_context(request), principal_of(request).scope, agreement_id, data
        )

    @delete(
        "/{agreement_id:int}",
        summary="Delete an agreement (zero balance, no reselling use)",
        status_code=204,
        guards=MANAGE,
    )
    async def remove(self, request: Request, agreement_id: FromPath[int]) -> None:
        await service.delete_agreement(
            audit_context(request), principal_of(request).scope, agreement_id
        )

    @get("/{agreement_id:int}/versions", summary="The versions of an agreement", guards=VIEW)
    async def list_versions(self, request: Request, agreement_id: FromPath[int]) -> VersionPage:
        items = await versions.list_versions(principal_of(request).scope, agreement_id)
        return VersionPage(items=items, total=len(items))

    @post("/{agreement_id:int}/versions", summary="Add a version", guards=MANAGE)
    async def add_version(
        self, request: Request, agreement_id: FromPath[int], data: JSONBody[VersionCreate]
    ) -> VersionOut:
        return await versions.add_version(
            audit_context(request), principal_of(request).scope, agreement_id, data
        )

    @get("/{agreement_id:int}/versions/{version_id:int}", summary="One version", guards=VIEW)
    async def read_version(
        self, request: Request, agreement_id: FromPath[int], version_id: FromPath[int]
    ) -> VersionOut:
        return await versions.get_version(principal_of(request).scope, agreement_id, version_id)

    @patch(
        "/{agreement_id:int}/versions/{version_id:int}",
        summary="Change a version (a started version keeps its start)",
        guards=MANAGE,
    )
    async def update_version(
        self,
        request: Request,
        agreement_id: FromPath[int],
        version_id: FromPath[int],
        data: JSONBody[VersionUpdate],
    ) -> VersionOut:
        return await versions.update_version(
            audit_context(request), principal_of(request).scope, agreement_id, version_id, data
        )

    @delete(
        "/{agreement_id:int}/versions/{version_id:int}",
        summary="Delete an upcoming version (never the only one)",
        status_code=204,
        guards=MANAGE,
    )
    async def remove_version(
        self, request: Request, agreement_id: FromPath[int], version_id: FromPath[int]
    ) -> None:
        await versions.delete_version(
            audit_context(request), principal_of(request).scope, agreement_id, version_id
        )


API_HANDLERS = [AgreementController]
