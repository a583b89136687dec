"""REST endpoints: /api/v1/legal-entities (companies the caller created) and
/api/v1/own-legal-entities (the caller's company), both over
``core.accounts.legal_entities.service``.
"""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.accounts.legal_entities import service
from core.accounts.legal_entities.schemas import (
    LegalEntityCreate,
    LegalEntityOut,
    LegalEntityPage,
    LegalEntityUpdate,
    OwnLegalEntityCreate,
)
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging
from core.web.rule_check import rules

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]


def _rules(realm: service.Realm):
    """Rule errors of a body's well-shaped fields, answered with its shape errors at once."""

    async def check(request: Request, partial, broken: frozenset[str]) -> list[dict]:
        entity_id = request.path_params.get("entity_id")
        scope = principal_of(request).scope
        return await service.rule_errors(scope, realm, partial, entity_id, broken)

    return check


class LegalEntityController(Controller):
    path = "/legal-entities"
    tags = ["Legal entities"]

    @get(
        "/",
        summary="List the legal entities of the companies your company created",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        company_id: FromQuery[int | None] = None,
        country: FromQuery[str | None] = None,
        is_default: FromQuery[bool | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> LegalEntityPage:
        filters = service.LegalEntityFilters(
            q=q, company_id=company_id, country=country, is_default=is_default
        )
        if format == "csv":
            return await csv_export.respond(
                "legal-entities",
                LegalEntityOut,
                lambda rows: service.list_legal_entities(
                    principal_of(request).scope, "clients", filters, rows
                ),
                list_query,
            )
        items, total, cursors = await service.list_legal_entities(
            principal_of(request).scope, "clients", filters, list_query
        )
        return make_page(items, total, list_query, LegalEntityPage, cursors)

    @post(
        "/",
        summary="Create a legal entity for one of your companies",
        guards=MANAGE,
        opt=rules(LegalEntityCreate, _rules("clients")),
    )
    async def create(self, request: Request, data: JSONBody[LegalEntityCreate]) -> LegalEntityOut:
        return await service.create_legal_entity(
            audit_context(request), principal_of(request).scope, "clients", data
        )

    @get("/{entity_id:int}", summary="One legal entity", guards=VIEW)
    async def read(self, request: Request, entity_id: FromPath[int]) -> LegalEntityOut:
        return await service.get_legal_entity(principal_of(request).scope, "clients", entity_id)

    @patch(
        "/{entity_id:int}",
        summary="Change a legal entity",
        guards=MANAGE,
        opt=rules(LegalEntityCreate, _rules("clients")),
    )
    async def update(
        self, request: Request, entity_id: FromPath[int], data: JSONBody[LegalEntityUpdate]
    ) -> LegalEntityOut:
        return await service.update_legal_entity(
            audit_context(request), principal_of(request).scope, "clients", entity_id, data
        )

    @delete("/{entity_id:int}", summary="Delete a legal entity", status_code=204, guards=MANAGE)
    async def remove(self, request: Request, entity_id: FromPath[int]) -> None:
        await service.delete_legal_entity(
            audit_context(request), principal_of(request).scope, "clients", entity_id
        )


class OwnLegalEntityController(Controller):
    path = "/own-legal-entities"
    tags = ["Legal entities"]

    @get(
        "/",
        summary="List your company's own legal entities",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        country: FromQuery[str | None] = None,
        is_default: FromQuery[bool | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> LegalEntityPage:
        filters = service.LegalEntityFilters(q=q, country=country, is_default=is_default)
        if format == "csv":
            return await csv_export.respond(
                "own-legal-entities",
                LegalEntityOut,
                lambda rows: service.list_legal_entities(
                    principal_of(request).scope, "own", filters, rows
                ),
                list_query,
            )
        items, total, cursors = await service.list_legal_entities(
            principal_of(request).scope, "own", filters, list_query
        )
        return make_page(items, total, list_query, LegalEntityPage, cursors)

    @post(
        "/",
        summary="Create an own legal entity",
        guards=MANAGE,
        opt=rules(OwnLegalEntityCreate, _rules("own")),
    )
    async def create(
        self, request: Request, data: JSONBody[OwnLegalEntityCreate]
    ) -> LegalEntityOut:
        return await service.create_legal_entity(
            audit_context(request), principal_of(request).scope, "own", data
        )

    @get("/{entity_id:int}", summary="One own legal entity", guards=VIEW)
    async def read(self, request: Request, entity_id: FromPath[int]) -> LegalEntityOut:
        return await service.get_legal_entity(principal_of(request).scope, "own", entity_id)

    @patch(
        "/{entity_id:int}",
        summary="Change an own legal entity",
        guards=MANAGE,
        opt=rules(OwnLegalEntityCreate, _rules("own")),
    )
    async def update(
        self, request: Request, entity_id: FromPath[int], data: JSONBody[LegalEntityUpdate]
    ) -> LegalEntityOut:
        return await service.update_legal_entity(
            audit_context(request), principal_of(request).scope, "own", entity_id, data
        )

    @delete(
        "/{entity_id:int}", summary="Delete an own legal entity", status_code=204, guards=MANAGE
    )
    async def remove(self, request: Request, entity_id: FromPath[int]) -> None:
        await service.delete_legal_entity(
            audit_context(request), principal_of(request).scope, "own", entity_id
        )


API_HANDLERS = [LegalEntityController, OwnLegalEntityController]
