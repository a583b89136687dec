"""Finance → Services console pages: list, view, add, edit, clone, archive and delete, each
through the services service, so the pages answer exactly what the API answers (a sibling's
service is a 404 page, a bad size the same message under its field)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.access.service import at_least, best_level
from core.accounts.agreements.service import currency_choices
from core.catalogue.services import service
from core.catalogue.services.schemas import ServiceClone, ServiceCreate, ServiceOut, ServiceUpdate
from core.catalogue.services.service_types import LABELS, MONEY_SIZED, PACKS, WITHOUT_CURRENCY
from core.errors import Conflict, Invalid
from core.money import input_amount
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_bool, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of

TABLE = register(
    Table(
        name="services",
        columns=(
            Column("id", "ID", "id"),
            Column("name", "Name", "name"),
            Column("type", "Type", "type"),
            Column("size", "Size"),
            Column("currency", "Currency", "currency"),
            Column("description", "Description", default=False),
            Column("created", "Created", "created_at", default=False),
        ),
    )
)
VIEW = [requires("services", "view")]
MANAGE = [requires("services", "manage")]
FIELDS = ("name", "type", "currency", "size", "description")


async def _can_manage(request: Request) -> bool:
    level = await best_level(principal_of(request), ["services"], request.scope)
    return at_least(level, "manage")


def _filters(request: Request) -> tuple[service.ServiceFilters, dict[str, str]]:
    params = request.query_params
    shown = {k: params.get(k, "").strip()[:200] for k in ("q", "type", "currency", "archived")}
    currencies = {code for code, _ in currency_choices()}
    filters = service.ServiceFilters(
        q=shown["q"] or None,
        type=shown["type"] if shown["type"] in LABELS else None,
        currency=shown["currency"] if shown["currency"] in currencies else None,
        archived=as_bool(shown["archived"]),
    )
    return filters, shown


def _choices() -> dict:
    return {
        "types": list(LABELS.items()),
        "currencies": currency_choices(),
        "packs": sorted(PACKS),
        "without_currency": sorted(WITHOUT_CURRENCY),
        "with_currency": [k for k in LABELS if k not in WITHOUT_CURRENCY],
    }


@get("/services", include_in_schema=False, guards=VIEW)
async def service_list(request: Request) -> Response:
    filters, shown = _filters(request)
    query = TABLE.query(request)
    scope = principal_of(request).scope
    if csv_export.wanted(request):
        return await csv_export.respond(
            "services", ServiceOut, lambda rows: service.list_services(scope, filters, rows), query
        )
    items, paged = await listed(lambda q: service.list_services(scope, filters, q), query)
    return await page(
        request,
        "services/list.html",
        active="services",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        can_manage=await _can_manage(request),
        **_choices(),
    )


async def view_context(request: Request, found: ServiceOut) -> dict:
    """What the service page shows besides the panel: the service and its scopes."""
    from core.catalogue.scopes.ui import describe, scopes_of

    scopes = await scopes_of(principal_of(request).scope, found.id)
    return {
        "service": found,
        "can_manage": await _can_manage(request),
        "scopes": [(s, describe(s)) for s in scopes],
    }


@get("/services/{service_id:int}", include_in_schema=False, guards=VIEW)
async def service_view(request: Request, service_id: FromPath[int]) -> Response:
    from core.catalogue.trees.try_ui import panel

    found = await service.get_service(principal_of(request).scope, service_id)
    return await page(
        request,
        "services/view.html",
        active="services",
        **await view_context(request, found),
        **await panel(request, service_id, run=False),
    )


async def _form(
    request: Request,
    values: dict,
    errors: list[dict],
    found: ServiceOut | None = None,
    status: int = 200,
) -> Response:
    return await page(
        request,
        "services/form.html",
        status=status,
        active="services",
        service=found,
        values=values,
        errors=by_field(errors),
        **_choices(),
    )


def _values(found: ServiceOut) -> dict[str, str]:
    """The form's values: a monetary size as a person types it ("250.00", not "250.000000")."""
    values = {name: getattr(found, name) or "" for name in FIELDS}
    if found.type in MONEY_SIZED:
        values["size"] = input_amount(found.size)
    return values


@get("/services/new", include_in_schema=False, guards=MANAGE)
async def service_new(request: Request) -> Response:
    return await _form(request, {**dict.fromkeys(FIELDS, ""), "type": "pay_as_you_go"}, [])


@post("/services/new", include_in_schema=False, guards=MANAGE)
async def service_create(request: Request) -> Response:
    values = await read_form(request)
    data, errors = parse(values, ServiceCreate)
    if data is None:
        return await _form(request, values, errors, status=422)
    try:
        created = await service.create_service(
            audit_context(request), principal_of(request).scope, data
        )
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), status=exc.status_code)
    return redirect(f"/services/{created.id}", flash=f"Service “{created.name}” was created.")


@get("/services/{service_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def service_edit(request: Request, service_id: FromPath[int]) -> Response:
    found = await service.get_service(principal_of(request).scope, service_id)
    return await _form(request, _values(found), [], found)


@post("/services/{service_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def service_update(request: Request, service_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    found = await service.get_service(scope, service_id)
    values = await read_form(request)
    data, errors = parse(values, ServiceUpdate)
    if data is None:
        return await _form(request, values, errors, found, status=422)
    try:
        saved = await service.update_service(audit_context(request), scope, service_id, data)
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), found, exc.status_code)
    return redirect(f"/services/{service_id}", flash=f"Service “{saved.name}” was saved.")


@get("/services/{service_id:int}/clone", include_in_schema=False, guards=MANAGE)
async def service_clone_form(request: Request, service_id: FromPath[int]) -> Response:
    found = await service.get_service(principal_of(request).scope, service_id)
    values = {"name": f"{found.name} (copy)"[: service.MAX_NAME]}
    return await page(
        request, "services/clone.html", active="services", service=found, values=values, errors={}
    )


@post("/services/{service_id:int}/clone", include_in_schema=False, guards=MANAGE)
async def service_clone(request: Request, service_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    found = await service.get_service(scope, service_id)
    values = await read_form(request)
    data, errors = parse(values, ServiceClone)
    status = 422
    if data is not None:
        try:
            made = await service.clone_service(audit_context(request), scope, service_id, data)
        except (Invalid, Conflict) as exc:
            errors, status = domain_errors(exc), exc.status_code
        else:
            return redirect(f"/services/{made.id}", flash=f"Service “{made.name}” was created.")
    return await page(
        request,
        "services/clone.html",
        status=status,
        active="services",
        service=found,
        values=values,
        errors=by_field(errors),
    )


async def _set_archived(request: Request, service_id: int, archived: bool) -> Response:
    saved = await service.set_archived(
        audit_context(request), principal_of(request).scope, service_id, archived
    )
    done = "archived" if archived else "brought back"
    return redirect(f"/services/{service_id}", flash=f"Service “{saved.name}” was {done}.")


@post("/services/{service_id:int}/archive", include_in_schema=False, guards=MANAGE)
async def service_archive(request: Request, service_id: FromPath[int]) -> Response:
    return await _set_archived(request, service_id, True)


@post("/services/{service_id:int}/unarchive", include_in_schema=False, guards=MANAGE)
async def service_unarchive(request: Request, service_id: FromPath[int]) -> Response:
    return await _set_archived(request, service_id, False)


@get("/services/{service_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def service_delete_confirm(request: Request, service_id: FromPath[int]) -> Response:
    found = await service.get_service(principal_of(request).scope, service_id)
    return await page(request, "services/delete.html", active="services", service=found)


@post("/services/{service_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def service_delete(request: Request, service_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    found = await service.get_service(scope, service_id)
    await service.delete_service(audit_context(request), scope, service_id)
    return redirect("/services", flash=f"Service “{found.name}” was deleted.")


HANDLERS = [
    service_list,
    service_new,
    service_create,
    service_view,
    service_edit,
    service_update,
    service_clone_form,
    service_clone,
    service_archive,
    service_unarchive,
    service_delete_confirm,
    service_delete,
]
