"""REST endpoints: /api/v1/bank-accounts (companies the caller created, account management)
and /api/v1/own-bank-accounts (the caller's company, settings), over one service."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.accounts.bank_accounts import service
from core.accounts.bank_accounts.schemas import (
    BankAccountCreate,
    BankAccountOut,
    BankAccountPage,
    BankAccountUpdate,
)
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging
from core.web.rule_check import rules

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
OWN_VIEW = [requires("settings", "view")]
OWN_MANAGE = [requires("settings", "manage")]


def _rules(realm: service.Realm):
    """Rule errors of a body's well-shaped fields, answered with its shape errors at once."""

    async def check(request: Request, partial, broken: frozenset[str]) -> list[dict]:
        account_id = request.path_params.get("account_id")
        scope = principal_of(request).scope
        return await service.rule_errors(scope, realm, partial, account_id, broken)

    return check


class BankAccountController(Controller):
    path = "/bank-accounts"
    tags = ["Bank accounts"]

    @get(
        "/",
        summary="List the bank accounts of the companies your company created",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        company_id: FromQuery[int | None] = None,
        legal_entity_id: FromQuery[int | None] = None,
        bank_id: FromQuery[int | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> BankAccountPage:
        filters = service.BankAccountFilters(
            q=q, company_id=company_id, legal_entity_id=legal_entity_id, bank_id=bank_id
        )
        if format == "csv":
            return await csv_export.respond(
                "bank-accounts",
                BankAccountOut,
                lambda rows: service.list_bank_accounts(
                    principal_of(request).scope, "clients", filters, rows
                ),
                list_query,
            )
        items, total, cursors = await service.list_bank_accounts(
            principal_of(request).scope, "clients", filters, list_query
        )
        return make_page(items, total, list_query, BankAccountPage, cursors)

    @post(
        "/",
        summary="Open a bank account for a legal entity of one of your companies",
        guards=MANAGE,
        opt=rules(BankAccountUpdate, _rules("clients")),
    )
    async def create(self, request: Request, data: JSONBody[BankAccountCreate]) -> BankAccountOut:
        return await service.create_bank_account(
            audit_context(request), principal_of(request).scope, "clients", data
        )

    @get("/{account_id:int}", summary="One bank account", guards=VIEW)
    async def read(self, request: Request, account_id: FromPath[int]) -> BankAccountOut:
        return await service.get_bank_account(principal_of(request).scope, "clients", account_id)

    @patch(
        "/{account_id:int}",
        summary="Change a bank account",
        guards=MANAGE,
        opt=rules(BankAccountUpdate, _rules("clients")),
    )
    async def update(
        self, request: Request, account_id: FromPath[int], data: JSONBody[BankAccountUpdate]
    ) -> BankAccountOut:
        return await service.update_bank_account(
            audit_context(request), principal_of(request).scope, "clients", account_id, data
        )

    @delete(
        "/{account_id:int}",
        summary="Delete a bank account no agreement uses",
        status_code=204,
        guards=MANAGE,
    )
    async def remove(self, request: Request, account_id: FromPath[int]) -> None:
        await service.delete_bank_account(
            audit_context(request), principal_of(request).scope, "clients", account_id
        )


class OwnBankAccountController(Controller):
    path = "/own-bank-accounts"
    tags = ["Bank accounts"]

    @get(
        "/",
        summary="List your company's own bank accounts, including those your tenant opened",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=OWN_VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        legal_entity_id: FromQuery[int | None] = None,
        bank_id: FromQuery[int | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> BankAccountPage:
        filters = service.BankAccountFilters(q=q, legal_entity_id=legal_entity_id, bank_id=bank_id)
        if format == "csv":
            return await csv_export.respond(
                "own-bank-accounts",
                BankAccountOut,
                lambda rows: service.list_bank_accounts(
                    principal_of(request).scope, "own", filters, rows
                ),
                list_query,
            )
        items, total, cursors = await service.list_bank_accounts(
            principal_of(request).scope, "own", filters, list_query
        )
        return make_page(items, total, list_query, BankAccountPage, cursors)

    @post(
        "/",
        summary="Open a bank account for one of your own legal entities",
        guards=OWN_MANAGE,
        opt=rules(BankAccountUpdate, _rules("own")),
    )
    async def create(self, request: Request, data: JSONBody[BankAccountCreate]) -> BankAccountOut:
        return await service.create_bank_account(
            audit_context(request), principal_of(request).scope, "own", data
        )

    @get("/{account_id:int}", summary="One own bank account", guards=OWN_VIEW)
    async def read(self, request: Request, account_id: FromPath[int]) -> BankAccountOut:
        return await service.get_bank_account(principal_of(request).scope, "own", account_id)

    @patch(
        "/{account_id:int}",
        summary="Change an own bank account",
        guards=OWN_MANAGE,
        opt=rules(BankAccountUpdate, _rules("own")),
    )
    async def update(
        self, request: Request, account_id: FromPath[int], data: JSONBody[BankAccountUpdate]
    ) -> BankAccountOut:
        return await service.update_bank_account(
            audit_context(request), principal_of(request).scope, "own", account_id, data
        )

    @delete(
        "/{account_id:int}",
        summary="Delete an own bank account no agreement uses",
        status_code=204,
        guards=OWN_MANAGE,
    )
    async def remove(self, request: Request, account_id: FromPath[int]) -> None:
        await service.delete_bank_account(
            audit_context(request), principal_of(request).scope, "own", account_id
        )


API_HANDLERS = [BankAccountController, OwnBankAccountController]
