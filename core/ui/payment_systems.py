"""Settings → Payment systems, and the payment-system box of an own legal entity's page.

The settings form is rendered from the plugin's declared fields by the ``fields_form`` macro
(``templates/fields.html``) and read back by ``core.ui.field_forms``, so a new
payment-system plugin gets its page without a template of its own. Secrets are never sent back
to the browser: the edit form says whether one (or an uploaded file) is stored and a blank
input keeps it.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.access.service import at_least, best_level
from core.errors import Conflict, Invalid
from core.payments import systems as service
from core.payments.schemas import PaymentSystemCreate, PaymentSystemOut, PaymentSystemUpdate
from core.ui.field_forms import posted_fields, shown_values
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_bool, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of

BASE = "/payment-systems"
VIEW = [requires("settings", "view")]
MANAGE = [requires("settings", "manage")]
PREFIX = "setting_"  # form inputs of plugin settings, kept apart from our own field names
EXAMPLE_PLUGINS = "Stripe or PayPal"
TABLE = register(
    Table(
        name="payment_systems",
        columns=(
            Column("id", "ID", "id"),
            Column("name", "Name", "name"),
            Column("kind", "Type", "kind"),
            Column("enabled", "Enabled", "enabled"),
            Column("fee_payer", "Fee payer", "fee_payer"),
            Column("internal_fee", "Internal fee", "internal_fee"),
            Column("created", "Created", "created_at", default=False),
            Column("updated", "Updated", "updated_at", default=False),
        ),
    )
)


async def can_manage(request: Request) -> bool:
    level = await best_level(principal_of(request), ["settings"], request.scope)
    return at_least(level, "manage") and principal_of(request).scope.company_kind != "client"


def _filters(request: Request) -> tuple[service.PaymentSystemFilters, dict[str, str]]:
    params = request.query_params
    shown = {k: params.get(k, "").strip()[:200] for k in ("q", "kind", "enabled")}
    filters = service.PaymentSystemFilters(
        q=shown["q"] or None, kind=shown["kind"] or None, enabled=as_bool(shown["enabled"])
    )
    return filters, shown


def _fields(kind: str) -> tuple:
    plugin = service.plugin_types().get(kind)
    return plugin.settings_fields if plugin else ()


async def _posted(request: Request, kind: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as shown back on error, and the plugin settings in the API's shape; an edit
    reads the stored system's fields (``kind``), never a posted ``kind``."""
    values = await read_form(request, ("enabled",))
    fields = _fields(str(values.get("kind", "")) if kind is None else kind)
    values.update(await shown_values(request, fields, PREFIX))
    return values, await posted_fields(request, fields, PREFIX)


def _as_data(
    values: dict[str, Any], kind: str, creating: bool, settings: dict[str, Any]
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": values.get("name", ""),
        "enabled": values.get("enabled", False),
        "fee_payer": values.get("fee_payer") or "client",
        "internal_fee": str(values.get("internal_fee") or "").strip() or None,
        "settings": settings,
    }
    if creating:
        data["kind"] = kind
    return data


def _values(system: PaymentSystemOut) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": system.name,
        "enabled": system.enabled,
        "fee_payer": system.fee_payer,
        "internal_fee": system.internal_fee if system.fee_payer == "owner" else "",
    }
    files = {f.name for f in _fields(system.kind) if f.type == "file"}
    for key, value in system.settings.items():
        if key not in system.secrets_set and key not in files:
            values[PREFIX + key] = value
    return values


def _field_errors(errors: list[dict[str, str]]) -> dict[str, list[str]]:
    """``settings.x`` errors from the service land on the ``setting_x`` input."""
    renamed = [
        {**e, "field": PREFIX + e["field"].removeprefix("settings.")}
        if e.get("field", "").startswith("settings.")
        else e
        for e in errors
    ]
    return by_field(renamed)


async def _form(request, kind, values, errors, system=None, status=200) -> Response:
    plugin = service.plugin_types().get(kind)
    fields = plugin.settings_fields if plugin else ()
    stored = set()
    if system is not None:
        stored = {k for k, v in system.secrets_set.items() if v}
        stored |= {f.name for f in fields if f.type == "file" and system.settings.get(f.name)}
    return await page(
        request,
        "payment_systems/form.html",
        status=status,
        active=TABLE.name,
        kind=kind,
        plugin=plugin,
        fields=fields,
        known=["name", "enabled", "fee_payer", "internal_fee", *(PREFIX + f.name for f in fields)],
        prefix=PREFIX,
        stored=stored,
        multipart=any(f.type == "file" for f in fields),
        system=system,
        values=values,
        errors=_field_errors(errors),
    )


@get(BASE, include_in_schema=False, guards=VIEW)
async def system_list(request: Request) -> Response:
    filters, shown = _filters(request)
    query = TABLE.query(request)
    if csv_export.wanted(request):
        return await csv_export.respond(
            "payment-systems",
            PaymentSystemOut,
            lambda rows: service.list_payment_systems(principal_of(request).scope, filters, rows),
            query,
        )
    items, paged = await listed(
        lambda q: service.list_payment_systems(principal_of(request).scope, filters, q), query
    )
    return await page(
        request,
        "payment_systems/list.html",
        active=TABLE.name,
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        types=service.list_types(),
        can_manage=await can_manage(request),
    )


@get(f"{BASE}/new", include_in_schema=False, guards=MANAGE)
async def system_new(request: Request) -> Response:
    """Without ``?kind=`` the page offers the installed types; with it, that type's form."""
    kind = request.query_params.get("kind", "")
    types = service.list_types(await service.offered_types(principal_of(request).scope))
    if not types or kind not in {t.key for t in types}:
        return await page(
            request,
            "payment_systems/choose.html",
            active=TABLE.name,
            types=types,
            examples=EXAMPLE_PLUGINS,
        )
    values = {"enabled": True, "fee_payer": "client", "internal_fee": ""}
    for field in service.plugin_types()[kind].settings_fields:
        if field.default is not None:
            values[PREFIX + field.name] = field.default
    return await _form(request, kind, values, [])


@post(f"{BASE}/new", include_in_schema=False, guards=MANAGE)
async def system_create(request: Request) -> Response:
    values, settings = await _posted(request, None)
    kind = str(values.get("kind", ""))
    data, errors = parse(_as_data(values, kind, True, settings), PaymentSystemCreate)
    if data is None:
        return await _form(request, kind, values, errors, status=422)
    try:
        created = await service.create_payment_system(
            audit_context(request), principal_of(request).scope, data
        )
    except (Invalid, Conflict) as exc:
        return await _form(request, kind, values, domain_errors(exc), status=exc.status_code)
    return redirect(f"{BASE}/{created.id}", flash=f"Payment system “{created.name}” was created.")


@get(f"{BASE}/{{system_id:int}}", include_in_schema=False, guards=VIEW)
async def system_view(request: Request, system_id: FromPath[int]) -> Response:
    system = await service.get_payment_system(principal_of(request).scope, system_id)
    plugin = service.plugin_types().get(system.kind)
    return await page(
        request,
        "payment_systems/view.html",
        active=TABLE.name,
        system=system,
        fields=plugin.settings_fields if plugin else (),
        can_manage=await can_manage(request),
    )


@get(f"{BASE}/{{system_id:int}}/edit", include_in_schema=False, guards=MANAGE)
async def system_edit(request: Request, system_id: FromPath[int]) -> Response:
    system = await service.get_payment_system(principal_of(request).scope, system_id)
    return await _form(request, system.kind, _values(system), [], system)


@post(f"{BASE}/{{system_id:int}}/edit", include_in_schema=False, guards=MANAGE)
async def system_update(request: Request, system_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    system = await service.get_payment_system(scope, system_id)
    values, settings = await _posted(request, system.kind)
    data, errors = parse(_as_data(values, system.kind, False, settings), PaymentSystemUpdate)
    if data is None:
        return await _form(request, system.kind, values, errors, system, status=422)
    try:
        saved = await service.update_payment_system(audit_context(request), scope, system_id, data)
    except (Invalid, Conflict) as exc:
        status = exc.status_code
        return await _form(request, system.kind, values, domain_errors(exc), system, status)
    return redirect(f"{BASE}/{system_id}", flash=f"Payment system “{saved.name}” was saved.")


async def _confirm(request, system, error="", status=200) -> Response:
    return await page(
        request,
        "payment_systems/delete.html",
        status=status,
        active=TABLE.name,
        system=system,
        error=error,
    )


@get(f"{BASE}/{{system_id:int}}/delete", include_in_schema=False, guards=MANAGE)
async def system_delete_confirm(request: Request, system_id: FromPath[int]) -> Response:
    system = await service.get_payment_system(principal_of(request).scope, system_id)
    return await _confirm(request, system)


@post(f"{BASE}/{{system_id:int}}/delete", include_in_schema=False, guards=MANAGE)
async def system_delete(request: Request, system_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    system = await service.get_payment_system(scope, system_id)
    try:
        await service.delete_payment_system(audit_context(request), scope, system_id)
    except (Invalid, Conflict) as exc:
        return await _confirm(request, system, exc.detail, status=exc.status_code)
    return redirect(BASE, flash=f"Payment system “{system.name}” was deleted.")


@post(f"{BASE}/{{system_id:int}}/test", include_in_schema=False, guards=MANAGE)
async def system_test(request: Request, system_id: FromPath[int]) -> Response:
    """The "Test connection" button: the outcome comes back as the detail page's notice."""
    scope = principal_of(request).scope
    system = await service.get_payment_system(scope, system_id)
    back = f"{BASE}/{system_id}"
    try:
        result = await service.check_payment_system(scope, system_id)
    except Invalid as exc:
        why = exc.errors[0]["message"] if exc.errors else exc.detail
        return redirect(back, flash=f"Connection not tested: {why}.", kind="info")
    outcome = "succeeded" if result.ok else "failed"
    said = f": {result.message}" if result.message else "."
    kind = "success" if result.ok else "error"
    return redirect(back, flash=f"Connection test of “{system.name}” {outcome}{said}", kind=kind)


async def own_entity_box(request: Request, entity_id: int) -> dict[str, Any]:
    """What the own-legal-entity page shows: the assigned systems and, to managers, choices."""
    scope = principal_of(request).scope
    assignment = await service.get_assignment(scope, entity_id)
    manage = await can_manage(request)
    return {
        "assigned": assignment.payment_systems,
        "assigned_ids": assignment.payment_system_ids,
        "choices": await service.assignable(scope) if manage else [],
        "can_manage": manage,
    }


@post(
    "/own-legal-entities/{entity_id:int}/payment-systems",
    include_in_schema=False,
    guards=MANAGE,
)
async def own_entity_assign(request: Request, entity_id: FromPath[int]) -> Response:
    form = await request.form()
    back = f"/own-legal-entities/{entity_id}"
    try:
        ids = [int(v) for v in form.getall("payment_system_id", [])]
    except ValueError:
        return redirect(back, flash="Choose payment systems from the list.")
    try:
        await service.set_assignment(
            audit_context(request), principal_of(request).scope, entity_id, ids
        )
    except Invalid as exc:
        return redirect(back, flash=f"Payment systems were not changed: {exc.detail}.")
    return redirect(back, flash="Payment systems of this legal entity were saved.")


HANDLERS = [
    system_list,
    system_new,
    system_create,
    system_view,
    system_edit,
    system_update,
    system_delete_confirm,
    system_delete,
    system_test,
    own_entity_assign,
]
