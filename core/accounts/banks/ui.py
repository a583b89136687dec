"""Account management → Banks: list, view, add, edit and delete through the banks service.

A bank of a tenant above the caller is shown read-only (no Edit or Delete); its edit and delete
pages answer 404 like any bank outside the caller's write scope, because the service says so.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pycountry
from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.access.service import at_least, best_level
from core.accounts.banks import service as banks
from core.accounts.banks.schemas import BankCreate, BankOut, BankUpdate
from core.errors import Conflict, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of

TABLE = register(
    Table(
        name="banks",
        columns=(
            Column("id", "ID", "id"),
            Column("name", "Name", "name"),
            Column("country", "Country", "country"),
            Column("swift", "SWIFT code", "swift"),
            Column("branch_code", "Branch code"),
            Column("bank_code", "Bank code", default=False),
            Column("owner", "Owner company"),
            Column("created", "Created", "created_at", default=False),
        ),
    )
)
VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
FIELDS = ("name", "description", "country", "address", "swift", "branch_code", "bank_code")


@cache
def country_choices() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1]))


async def _can_manage(request: Request) -> bool:
    level = await best_level(principal_of(request), ["account_management"], request.scope)
    return at_least(level, "manage")


def _filters(request: Request) -> tuple[banks.BankFilters, dict[str, str]]:
    params = request.query_params
    shown = {k: params.get(k, "").strip()[:200] for k in ("q", "country", "swift")}
    known = {code for code, _ in country_choices()}
    filters = banks.BankFilters(
        q=shown["q"] or None,
        country=shown["country"] if shown["country"] in known else None,
        swift=shown["swift"] or None,
    )
    return filters, shown


@get("/banks", include_in_schema=False, guards=VIEW)
async def bank_list(request: Request) -> Response:
    filters, shown = _filters(request)
    query = TABLE.query(request)
    if csv_export.wanted(request):
        return await csv_export.respond(
            "banks",
            BankOut,
            lambda rows: banks.list_banks(principal_of(request).scope, filters, rows),
            query,
        )
    items, paged = await listed(
        lambda q: banks.list_banks(principal_of(request).scope, filters, q), query
    )
    return await page(
        request,
        "banks/list.html",
        active="banks",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        countries=country_choices(),
        can_manage=await _can_manage(request),
    )


@get("/banks/{bank_id:int}", include_in_schema=False, guards=VIEW)
async def bank_view(request: Request, bank_id: FromPath[int]) -> Response:
    bank = await banks.get_bank(principal_of(request).scope, bank_id)
    return await page(
        request,
        "banks/view.html",
        active="banks",
        bank=bank,
        can_manage=bank.owned and await _can_manage(request),
    )


async def _form(
    request: Request,
    values: dict,
    errors: list[dict],
    bank: BankOut | None = None,
    status: int = 200,
) -> Response:
    return await page(
        request,
        "banks/form.html",
        status=status,
        active="banks",
        bank=bank,
        values=values,
        errors=by_field(errors),
        countries=country_choices(),
    )


def _values(bank: BankOut) -> dict[str, Any]:
    return {name: getattr(bank, name) for name in FIELDS}


@get("/banks/new", include_in_schema=False, guards=MANAGE)
async def bank_new(request: Request) -> Response:
    return await _form(request, dict.fromkeys(FIELDS, ""), [])


@post("/banks/new", include_in_schema=False, guards=MANAGE)
async def bank_create(request: Request) -> Response:
    values = await read_form(request)
    data, errors = parse(values, BankCreate)
    if data is None:
        return await _form(request, values, errors, status=422)
    try:
        created = await banks.create_bank(audit_context(request), principal_of(request).scope, data)
    except Invalid as exc:
        return await _form(request, values, domain_errors(exc), status=exc.status_code)
    return redirect(f"/banks/{created.id}", flash=f"Bank “{created.name}” was created.")


@get("/banks/{bank_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def bank_edit(request: Request, bank_id: FromPath[int]) -> Response:
    bank = await banks.get_own_bank(principal_of(request).scope, bank_id)
    return await _form(request, _values(bank), [], bank)


@post("/banks/{bank_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def bank_update(request: Request, bank_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    bank = await banks.get_own_bank(scope, bank_id)
    values = await read_form(request)
    data, errors = parse(values, BankUpdate)
    if data is None:
        return await _form(request, values, errors, bank, status=422)
    try:
        saved = await banks.update_bank(audit_context(request), scope, bank_id, data)
    except Invalid as exc:
        return await _form(request, values, domain_errors(exc), bank, exc.status_code)
    return redirect(f"/banks/{bank_id}", flash=f"Bank “{saved.name}” was saved.")


@get("/banks/{bank_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def bank_delete_confirm(request: Request, bank_id: FromPath[int]) -> Response:
    bank = await banks.get_own_bank(principal_of(request).scope, bank_id)
    return await page(request, "banks/delete.html", active="banks", bank=bank)


@post("/banks/{bank_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def bank_delete(request: Request, bank_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    bank = await banks.get_own_bank(scope, bank_id)
    try:
        await banks.delete_bank(audit_context(request), scope, bank_id)
    except Conflict as exc:  # still used by bank accounts: say so on the confirmation page
        return await page(
            request,
            "banks/delete.html",
            active="banks",
            bank=bank,
            error=exc.detail,
            status=exc.status_code,
        )
    return redirect("/banks", flash=f"Bank “{bank.name}” was deleted.")


HANDLERS = [
    bank_list,
    bank_new,
    bank_create,
    bank_view,
    bank_edit,
    bank_update,
    bank_delete_confirm,
    bank_delete,
]
