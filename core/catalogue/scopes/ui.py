"""A service's Scopes section (Finance → Services → a service) and the scope forms: new,
edit, delete through a confirmation page. Every form goes through the scopes service, so a
page answers what the API answers: another company's scope is a 404 page, a skipped local
time the same message under its field."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core import periods
from core.access.guards import requires
from core.accounts.agreements.ui import local_input
from core.catalogue.scopes import service
from core.catalogue.scopes.models import ServiceScope
from core.catalogue.scopes.schemas import ScopeCreate, ScopeOut, ScopeUpdate
from core.catalogue.services import service as services
from core.errors import Conflict, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.web.context import audit_context, principal_of
from core.web.listing import ListQuery
from tenants.scope import Scope

VIEW = [requires("services", "view")]
MANAGE = [requires("services", "manage")]
# A service holds a handful of scopes; the section shows them all up to this many.
SHOWN = 200
# The "copy rate tree from" choices: every scope of the company's services, newest first.
COPY_CHOICES = 500


async def scopes_of(scope: Scope, service_id: int) -> list[ScopeOut]:
    query = ListQuery(page_size=SHOWN, sort="id", order="asc")
    items, _, _ = await service.list_scopes(scope, service_id, service.ScopeFilters(), query)
    return items


def describe(found: ScopeOut) -> str:
    """A scope as the section names it: its period in its own zone."""
    start = (found.effective_from_local or "…").replace("T", " ")
    till = (found.effective_till_local or "indefinitely").replace("T", " ")
    return f"{start} to {till} ({found.timezone})"


async def copy_choices(scope: Scope) -> list[tuple[int, str]]:
    rows = await (
        ServiceScope.select(
            ServiceScope.id,
            ServiceScope.service.name,
            ServiceScope.effective_from,
            ServiceScope.timezone,
            ServiceScope.draft,
        )
        .where(service.owned(scope))
        .order_by(ServiceScope.id, ascending=False)
        .limit(COPY_CHOICES)
    )
    choices = []
    for row in rows:
        start = periods.local_text(row["effective_from"], row["timezone"]) or "no start"
        draft = " · draft" if row["draft"] else ""
        name = row["service.name"]
        choices.append((row["id"], f"{name} · scope {row['id']} from {start}{draft}"))
    return choices


def _clean(values: dict) -> dict:
    """Form strings as the API takes them: empty is absent, minutes get their seconds."""
    data = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    for name in ("effective_from", "effective_till"):
        data[name] = local_input(data.get(name) or "") or None
    if not data.get("copy_from_scope_id"):
        data.pop("copy_from_scope_id", None)
    data["timezone"] = data.get("timezone") or "UTC"
    return data


def _minutes(text: str | None) -> str:
    """A stored local time as a ``datetime-local`` input shows it."""
    return (text or "")[:16]


async def _form(request, found, values, errors, scope_row=None, status=200) -> Response:
    scope = principal_of(request).scope
    return await page(
        request,
        "services/scope_form.html",
        status=status,
        active="services",
        service=found,
        scope_row=scope_row,
        values=values,
        errors=by_field(errors),
        zones=periods.zone_names(),
        copy_choices=[] if scope_row else await copy_choices(scope),
    )


@get("/services/{service_id:int}/scopes/new", include_in_schema=False, guards=MANAGE)
async def scope_new(request: Request, service_id: FromPath[int]) -> Response:
    found = await services.get_service(principal_of(request).scope, service_id)
    now = periods.local_text(periods.now_utc(), "UTC")
    values = {"effective_from": _minutes(now), "timezone": "UTC", "draft": False}
    return await _form(request, found, values, [])


@post("/services/{service_id:int}/scopes/new", include_in_schema=False, guards=MANAGE)
async def scope_create(request: Request, service_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    found = await services.get_service(scope, service_id)
    values = await read_form(request, checkboxes=("draft",))
    data, errors = parse(_clean(values), ScopeCreate)
    status = 422
    if data is not None:
        try:
            made = await service.create_scope(audit_context(request), scope, service_id, data)
        except (Invalid, Conflict) as exc:
            errors, status = domain_errors(exc), exc.status_code
        else:
            return redirect(f"/scopes/{made.id}", flash=f"Scope {describe(made)} was created.")
    return await _form(request, found, values, errors, status=status)


@get("/scopes/{scope_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def scope_edit(request: Request, scope_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    row = await service.get_scope(scope, scope_id)
    found = await services.get_service(scope, row.service_id)
    values = {
        "effective_from": _minutes(row.effective_from_local),
        "effective_till": _minutes(row.effective_till_local),
        "timezone": row.timezone,
        "draft": row.draft,
    }
    return await _form(request, found, values, [], row)


@post("/scopes/{scope_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def scope_update(request: Request, scope_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    row = await service.get_scope(scope, scope_id)
    found = await services.get_service(scope, row.service_id)
    values = await read_form(request, checkboxes=("draft",))
    data, errors = parse(_clean(values), ScopeUpdate)
    status = 422
    if data is not None:
        try:
            saved = await service.update_scope(audit_context(request), scope, scope_id, data)
        except (Invalid, Conflict) as exc:
            errors, status = domain_errors(exc), exc.status_code
        else:
            flash = f"Scope {describe(saved)} was saved."
            return redirect(f"/services/{row.service_id}#scopes", flash=flash)
    return await _form(request, found, values, errors, row, status)


@get("/scopes/{scope_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def scope_delete_confirm(request: Request, scope_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    row = await service.get_scope(scope, scope_id)
    found = await services.get_service(scope, row.service_id)
    return await page(
        request,
        "services/scope_delete.html",
        active="services",
        service=found,
        scope_row=row,
        described=describe(row),
        nodes=await service.store.count_rows(scope_id),
    )


@post("/scopes/{scope_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def scope_delete(request: Request, scope_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    row = await service.get_scope(scope, scope_id)
    await service.delete_scope(audit_context(request), scope, scope_id)
    flash = f"Scope {describe(row)} was deleted."
    return redirect(f"/services/{row.service_id}#scopes", flash=flash)


HANDLERS = [
    scope_new,
    scope_create,
    scope_edit,
    scope_update,
    scope_delete_confirm,
    scope_delete,
]
