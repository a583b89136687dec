"""GET /api/v1/agreements/{id}/ledger: an agreement's ledger entries, as pages or CSV.

Guarded like reading the agreement itself (``account_management`` view) and scoped by it.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter

from core.accounts.agreements.api import VIEW
from core.ledger import entries
from core.ledger.entries import LedgerEntryOut, LedgerFilters, LedgerPage
from core.web import csv_export
from core.web.context import principal_of
from core.web.listing import ListQueryParam, make_page, paging

WHEN = "ISO 8601 date-time or date; without a zone, UTC"


class LedgerController(Controller):
    path = "/agreements/{agreement_id:int}/ledger"
    tags = ["Ledger"]

    @get(
        "/",
        summary="An agreement's ledger: every movement of its balance, newest first",
        dependencies={"list_query": paging("time", entries.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        agreement_id: FromPath[int],
        list_query: ListQueryParam,
        time_from: Annotated[
            str | None,
            QueryParameter(name="from", max_length=40, description=f"Entries at or after. {WHEN}"),
        ] = None,
        till: Annotated[
            str | None, QueryParameter(max_length=40, description=f"Entries before. {WHEN}")
        ] = None,
        cause_kind: Annotated[str | None, QueryParameter(max_length=24)] = None,
        format: csv_export.ExportFormat = "json",
    ) -> LedgerPage:
        scope = principal_of(request).scope
        filters = LedgerFilters.parse(time_from, till, cause_kind)

        async def fetch(query):
            items, total, _ = await entries.list_entries(scope, agreement_id, filters, query)
            return items, total

        if format == "csv":
            return await csv_export.respond(
                f"agreement-{agreement_id}-ledger", LedgerEntryOut, fetch, list_query
            )
        items, total, cursors = await entries.list_entries(scope, agreement_id, filters, list_query)
        return make_page(items, total, list_query, LedgerPage, cursors)


API_HANDLERS = [LedgerController]
