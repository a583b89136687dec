"""Account management → Companies: list, create, profile, edit, block and delete.

The pages hold no rules of their own: scope, validation and the audit trail all come from
``core.accounts.companies.service``, so the UI and the API can never disagree. The
number-portability (MNP) controls are rendered and read only for the system owner; anyone else
posting them gets the service's refusal.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.access.service import at_least, effective_level
from core.accounts.companies import profile as company_profile_service
from core.accounts.companies import service as companies
from core.accounts.companies.schemas import CompanyCreate, CompanyOut, CompanyUpdate
from core.errors import Conflict, Invalid
from core.plugins import enablement, registry
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_bool, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.rule_check import rules_of_parsed

TABLE = register(
    Table(
        name="companies",
        columns=(
            Column("id", "ID", "id"),
            Column("name", "Company", "name"),
            Column("legal_entity", "Own legal entity", "own_legal_entity"),
            Column("portal", "Portal", default=False),
            Column("is_reseller", "Is reseller", "type"),
            Column(
                "creator_of_resellers",
                "Creator of resellers",
                "creator_of_resellers",
                default=False,
            ),
            Column("moderation", "Moderation", "moderation", default=False),
            Column("invoices_enabled", "Invoices enabled", "invoices_enabled"),
            Column("two_factor_required", "Two-factor", "two_factor_required", default=False),
            Column("enabled", "Enabled", "enabled"),
            Column("created", "Created", "created_at"),
            Column("updated", "Updated", "updated_at", default=False),
        ),
    )
)
CHECKBOXES = (
    "enabled",
    "creator_of_resellers",
    "moderation",
    "invoices_enabled",
    "two_factor_required",
)
VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
NEW_DEFAULTS = {
    "name": "",
    "enabled": True,
    "description": "",
    "type": "client",
    "creator_of_resellers": False,
    "moderation": False,
    "invoices_enabled": False,
    "two_factor_required": False,
    "mnp_requests": False,
    "mnp_connection": "",
    "mnp_channels": [],
}
TABS = (("overview", "Overview"), ("finance", "Finance"), ("assets", "Assets"))
PERIODS = (("day", "Day"), ("month", "Month"), ("year", "Year"))
FILTER_KEYS = ("q", "type", "enabled", "moderation", "cor", "invoices", "tfa")


def _filters(request: Request) -> tuple[companies.CompanyFilters, dict[str, str]]:
    params = request.query_params
    shown = {k: params.get(k, "") for k in FILTER_KEYS}
    filters = companies.CompanyFilters(
        q=shown["q"].strip()[:200] or None,
        type=shown["type"] if shown["type"] in ("client", "reseller") else None,
        enabled=as_bool(shown["enabled"]),
        moderation=as_bool(shown["moderation"]),
        creator_of_resellers=as_bool(shown["cor"]),
        invoices_enabled=as_bool(shown["invoices"]),
        two_factor_required=as_bool(shown["tfa"]),
    )
    return filters, shown


async def _can_manage(request: Request) -> bool:
    level = await effective_level(principal_of(request), "account_management", request.scope)
    return at_least(level, "manage")


@get("/companies", include_in_schema=False, guards=VIEW)
async def company_list(request: Request) -> Response:
    scope = principal_of(request).scope
    filters, shown = _filters(request)
    query = TABLE.query(request)
    if csv_export.wanted(request):
        return await csv_export.respond(
            "companies",
            CompanyOut,
            lambda rows: companies.list_companies(scope, filters, rows),
            query,
        )
    items, paged = await listed(lambda q: companies.list_companies(scope, filters, q), query)
    return await page(
        request,
        "companies/list.html",
        active="companies",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        can_create=scope.company_kind != "client" and await _can_manage(request),
    )


def _values(company: CompanyOut) -> dict[str, Any]:
    values = {k: getattr(company, k) for k in NEW_DEFAULTS if k not in companies.MNP_FIELDS}
    values["own_legal_entity_id"] = company.own_legal_entity_id
    for name in companies.MNP_FIELDS:
        values[name] = getattr(company, name, None) or NEW_DEFAULTS[name]
    return values


async def _posted(request: Request) -> dict[str, Any]:
    """The form as the API's fields; MNP fields are read as a set only for the system owner."""
    owner = principal_of(request).scope.is_system_owner
    data = await read_form(request, CHECKBOXES + (("mnp_requests",) if owner else ()))
    if data.get("type") != "reseller":
        data["creator_of_resellers"] = False  # the box is only offered to resellers
    data["own_legal_entity_id"] = data.get("own_legal_entity_id") or None
    if owner:
        form = await request.form()
        data["mnp_channels"] = [c for c in form.getall("mnp_channels", []) if c]
        data["mnp_connection"] = data.get("mnp_connection", "")
    return data


async def _rule_errors(
    request: Request, values: dict, errors: list[dict], company_id: int | None
) -> list[dict]:
    """The rules broken by the fields that did parse, shown with the shape errors at once."""
    scope = principal_of(request).scope

    async def check(partial, broken):
        return await companies.rule_errors(scope, partial, company_id, broken)

    return await rules_of_parsed(values, errors, CompanyUpdate, check)


async def _form(
    request: Request,
    values: dict,
    errors: list[dict],
    company: CompanyOut | None = None,
    status: int = 200,
) -> Response:
    scope = principal_of(request).scope
    channels = await enablement.available(scope, "channels")
    kept = set(values.get("mnp_channels") or ())
    channels = {k: v for k, v in registry.channels().items() if k in channels or k in kept}
    return await page(
        request,
        "companies/form.html",
        status=status,
        active="companies",
        company=company,
        values=values,
        errors=by_field(errors),
        legal_entities=await companies.own_legal_entity_choices(scope),
        show_mnp=scope.is_system_owner,
        mnp_connections=companies.mnp_connections(),
        no_mnp_connection=companies.NO_MNP_CONNECTION,
        channels=[(key, channels[key].name) for key in sorted(channels)],
    )


@get("/companies/new", include_in_schema=False, guards=MANAGE)
async def company_new(request: Request) -> Response:
    values = dict(NEW_DEFAULTS)
    values["own_legal_entity_id"] = await companies.default_own_legal_entity(
        principal_of(request).scope
    )
    return await _form(request, values, [])


@post("/companies/new", include_in_schema=False, guards=MANAGE)
async def company_create(request: Request) -> Response:
    values = await _posted(request)
    data, errors = parse(values, CompanyCreate)
    if data is None:
        errors += await _rule_errors(request, values, errors, None)
        return await _form(request, values, errors, status=422)
    try:
        created = await companies.create_company(
            audit_context(request), principal_of(request).scope, data
        )
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), status=exc.status_code)
    return redirect(f"/companies/{created.id}", flash=f"Company “{created.name}” was created.")


@get("/companies/{company_id:int}", include_in_schema=False, guards=VIEW)
async def company_profile(request: Request, company_id: FromPath[int]) -> Response:
    params = request.query_params
    tab = params.get("tab") if params.get("tab") in dict(TABS) else "overview"
    period = params.get("period") if params.get("period") in dict(PERIODS) else "month"
    scope = principal_of(request).scope
    profile = await company_profile_service.company_profile(scope, company_id, period)
    return await page(
        request,
        "companies/profile.html",
        active="companies",
        profile=profile,
        company=profile.company,
        tab=tab,
        tabs=TABS,
        period=period,
        periods=PERIODS,
        show_mnp=scope.is_system_owner,
        can_manage=await _can_manage(request),
    )


@get("/companies/{company_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def company_edit(request: Request, company_id: FromPath[int]) -> Response:
    company = await companies.get_company(principal_of(request).scope, company_id)
    return await _form(request, _values(company), [], company)


@post("/companies/{company_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def company_update(request: Request, company_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    company = await companies.get_company(scope, company_id)
    values = await _posted(request)
    data, errors = parse(values, CompanyUpdate)
    if data is None:
        errors += await _rule_errors(request, values, errors, company_id)
        return await _form(request, values, errors, company, status=422)
    try:
        saved = await companies.update_company(audit_context(request), scope, company_id, data)
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), company, exc.status_code)
    return redirect(f"/companies/{company_id}", flash=f"Company “{saved.name}” was saved.")


async def _confirm(request, template, company, error="", status=200) -> Response:
    return await page(
        request, template, status=status, active="companies", company=company, error=error
    )


@get("/companies/{company_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def company_delete_confirm(request: Request, company_id: FromPath[int]) -> Response:
    company = await companies.get_company(principal_of(request).scope, company_id)
    return await _confirm(request, "companies/delete.html", company)


@post("/companies/{company_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def company_delete(request: Request, company_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    company = await companies.get_company(scope, company_id)
    try:
        await companies.delete_company(audit_context(request), scope, company_id)
    except Conflict as exc:
        return await _confirm(request, "companies/delete.html", company, exc.detail, 409)
    return redirect("/companies", flash=f"Company “{company.name}” was deleted.")


def _blocking(blocked: bool) -> list:
    """The confirmation page and the action of Block (``blocked``) or Unblock."""
    action = "block" if blocked else "unblock"

    @get(
        f"/companies/{{company_id:int}}/{action}",
        include_in_schema=False,
        guards=MANAGE,
    )
    async def confirm(request: Request, company_id: FromPath[int]) -> Response:
        company = await companies.get_company(principal_of(request).scope, company_id)
        return await page(
            request, "companies/block.html", active="companies", company=company, blocking=blocked
        )

    @post(
        f"/companies/{{company_id:int}}/{action}",
        include_in_schema=False,
        guards=MANAGE,
    )
    async def act(request: Request, company_id: FromPath[int]) -> Response:
        scope = principal_of(request).scope
        company = await companies.get_company(scope, company_id)
        try:
            await companies.set_blocked(audit_context(request), scope, company_id, blocked)
        except Conflict as exc:
            return redirect(
                f"/companies/{company_id}", flash=exc.detail[:1].upper() + exc.detail[1:] + "."
            )
        done = "blocked; its users were signed out" if blocked else "unblocked"
        return redirect(f"/companies/{company_id}", flash=f"Company “{company.name}” was {done}.")

    return [confirm, act]


HANDLERS = [
    company_list,
    company_new,
    company_create,
    company_profile,
    company_edit,
    company_update,
    company_delete_confirm,
    company_delete,
    *_blocking(True),
    *_blocking(False),
]
