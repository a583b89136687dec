"""Account management → Agreements → an agreement's Ledger tab: its entries, filtered by time
and cause, paged by key, downloadable as CSV. Reading and scoping belong to
``core.ledger.entries``; a hand-edited query string shows its errors, never an error page."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.params import FromPath

from core.accounts.agreements import service as agreement_service
from core.accounts.agreements.ui import BASE, VIEW, local_input
from core.errors import Invalid
from core.ledger import CAUSE_KINDS, entries
from core.ledger.entries import LedgerEntryOut, LedgerFilters
from core.ui.forms import by_field
from core.ui.render import page
from core.ui.tables import Column, Table, listed, pager, register
from core.web import csv_export
from core.web.context import principal_of
from core.web.listing import ListQuery

TABLE = register(
    Table(
        name="ledger",
        columns=(
            Column("id", "ID", default=False),
            Column("time", "Time", "time"),
            Column("cause_kind", "Cause"),
            Column("cause_ref", "Reference"),
            Column("amount", "Amount"),
            Column("resulting_balance", "Balance after"),
            Column("batch_id", "Batch", default=False),
        ),
        default_sort="time",
    )
)
FILTER_FIELDS = ("from", "till", "cause_kind")
CAUSE_LABELS = {kind: kind.replace("_", " ").capitalize() for kind in CAUSE_KINDS} | {"edr": "EDR"}


@get(f"{BASE}/{{agreement_id:int}}/ledger", include_in_schema=False, guards=VIEW)
async def agreement_ledger(request: Request, agreement_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    agreement = await agreement_service.get_agreement(scope, agreement_id)  # 404 outside scope
    shown = {k: (request.query_params.get(k) or "").strip()[:40] for k in FILTER_FIELDS}
    query = TABLE.query(request)
    items, errors = [], []
    try:
        filters = LedgerFilters.parse(
            local_input(shown["from"]), local_input(shown["till"]), shown["cause_kind"]
        )
    except Invalid as exc:
        filters, errors = None, exc.errors
    if filters is not None and csv_export.wanted(request):

        async def fetch(rows):
            found, count, _ = await entries.list_entries(scope, agreement_id, filters, rows)
            return found, count

        return await csv_export.respond(
            f"agreement-{agreement_id}-ledger", LedgerEntryOut, fetch, query
        )
    paged = pager(0, query)
    if filters is not None:

        async def read(at: ListQuery):
            return await entries.list_entries(scope, agreement_id, filters, at)

        items, paged = await listed(read, query)
    return await page(
        request,
        "agreements/ledger.html",
        active="agreements",
        agreement=agreement,
        tab="ledger",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        kinds=CAUSE_LABELS,
        errors=by_field(errors),
    )


HANDLERS = [agreement_ledger]
