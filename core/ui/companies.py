"""Account management → Companies: list, create, edit and delete through the companies service.

The pages hold no rules of their own: scope, validation and the audit trail all come from
``core.accounts.companies``, so the UI and the API can never disagree.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.accounts import companies
from core.accounts.company_schemas import CompanyCreate, CompanyOut, CompanyUpdate
from core.errors import Conflict, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_bool, pager, register
from core.web.context import audit_context, principal_of

TABLE = register(
    Table(
        name="companies",
        columns=(
            Column("id", "ID", "id"),
            Column("name", "Company", "name"),
            Column("legal_entity", "Own legal entity"),
            Column("portal", "Portal"),
            Column("is_reseller", "Is reseller", "type"),
            Column("creator_of_resellers", "Creator of resellers", "creator_of_resellers"),
            Column("moderation", "Moderation", "moderation"),
            Column("enabled", "Enabled", "enabled", default=False),
            Column("created", "Created", "created_at"),
            Column("updated", "Updated", "updated_at"),
        ),
    )
)
CHECKBOXES = ("enabled", "creator_of_resellers", "moderation")
VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
NEW_DEFAULTS = {
    "name": "",
    "enabled": True,
    "description": "",
    "type": "client",
    "creator_of_resellers": False,
    "moderation": False,
}


def _filters(request: Request) -> tuple[companies.CompanyFilters, dict[str, str]]:
    params = request.query_params
    shown = {k: params.get(k, "") for k in ("q", "type", "enabled", "moderation", "cor")}
    filters = companies.CompanyFilters(
        q=shown["q"].strip()[:200] or None,
        type=shown["type"] if shown["type"] in ("client", "reseller") else None,
        enabled=as_bool(shown["enabled"]),
        moderation=as_bool(shown["moderation"]),
        creator_of_resellers=as_bool(shown["cor"]),
    )
    return filters, shown


@get("/companies", include_in_schema=False, guards=VIEW)
async def company_list(request: Request) -> Response:
    scope = principal_of(request).scope
    filters, shown = _filters(request)
    query = TABLE.query(request)
    items, total = await companies.list_companies(scope, filters, query)
    return await page(
        request,
        "companies/list.html",
        active="companies",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=pager(total, query),
        filters=shown,
        can_create=scope.company_kind != "client",
    )


def _values(company: CompanyOut) -> dict[str, Any]:
    return {
        "name": company.name,
        "enabled": company.enabled,
        "description": company.description,
        "type": company.type,
        "creator_of_resellers": company.creator_of_resellers,
        "moderation": company.moderation,
    }


async def _posted(request: Request) -> dict[str, Any]:
    data = await read_form(request, CHECKBOXES)
    if data.get("type") != "reseller":
        data["creator_of_resellers"] = False  # the box is only offered to resellers
    return data


async def _form(
    request: Request,
    values: dict,
    errors: list[dict],
    company: CompanyOut | None = None,
    status: int = 200,
) -> Response:
    return await page(
        request,
        "companies/form.html",
        status=status,
        active="companies",
        company=company,
        values=values,
        errors=by_field(errors),
    )


@get("/companies/new", include_in_schema=False, guards=MANAGE)
async def company_new(request: Request) -> Response:
    return await _form(request, dict(NEW_DEFAULTS), [])


@post("/companies/new", include_in_schema=False, guards=MANAGE)
async def company_create(request: Request) -> Response:
    values = await _posted(request)
    data, errors = parse(values, CompanyCreate)
    if data is None:
        return await _form(request, values, errors, status=422)
    try:
        created = await companies.create_company(
            audit_context(request), principal_of(request).scope, data
        )
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), status=exc.status_code)
    return redirect("/companies", flash=f"Company “{created.name}” was created.")


@get("/companies/{company_id:int}", include_in_schema=False, guards=VIEW)
async def company_edit(request: Request, company_id: FromPath[int]) -> Response:
    company = await companies.get_company(principal_of(request).scope, company_id)
    return await _form(request, _values(company), [], company)


@post("/companies/{company_id:int}", include_in_schema=False, guards=MANAGE)
async def company_update(request: Request, company_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    company = await companies.get_company(scope, company_id)
    values = await _posted(request)
    data, errors = parse(values, CompanyUpdate)
    if data is None:
        return await _form(request, values, errors, company, status=422)
    try:
        saved = await companies.update_company(audit_context(request), scope, company_id, data)
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), company, exc.status_code)
    return redirect("/companies", flash=f"Company “{saved.name}” was saved.")


@get("/companies/{company_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def company_delete_confirm(request: Request, company_id: FromPath[int]) -> Response:
    company = await companies.get_company(principal_of(request).scope, company_id)
    return await page(
        request, "companies/delete.html", active="companies", company=company, error=""
    )


@post("/companies/{company_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def company_delete(request: Request, company_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    company = await companies.get_company(scope, company_id)
    try:
        await companies.delete_company(audit_context(request), scope, company_id)
    except Conflict as exc:
        return await page(
            request,
            "companies/delete.html",
            status=409,
            active="companies",
            company=company,
            error=exc.detail,
        )
    return redirect("/companies", flash=f"Company “{company.name}” was deleted.")


HANDLERS = [
    company_list,
    company_new,
    company_create,
    company_edit,
    company_update,
    company_delete_confirm,
    company_delete,
]
