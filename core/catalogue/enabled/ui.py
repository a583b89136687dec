"""Account management → Enabled services console pages: one tab per kind (enabled services,
packs, bundle initiators, bundle packs), each with its list, add, view, edit and delete behind
a confirmation, all through the enabled-services service, so a page answers exactly what the
API answers (another seller's row is a 404 page, a broken rule the same message under its
field). The handlers of a tab are made by ``handlers_for``, so the four tabs behave alike."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.accounts.agreements import versions
from core.accounts.agreements.models import Agreement
from core.accounts.agreements.ui import local_input
from core.catalogue.enabled import service
from core.catalogue.enabled.kinds import BILLINGS, KINDS, Kind
from core.catalogue.enabled.schemas import EnabledCreate, EnabledOut, EnabledUpdate
from core.catalogue.services.models import Service
from core.errors import Conflict, Invalid
from core.periods import zone_names
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_bool, as_int, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of
from tenants.scope import Scope

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
# Above this many agreements the form asks for an agreement's ID instead of offering a list.
MAX_AGREEMENT_CHOICES = 500
TABS = [(k.key, k.tab, f"/{k.path}") for k in KINDS.values()]


def _table(kind: Kind) -> Table:
    columns = [
        Column("id", "ID", "id"),
        Column("company", "Company"),
        Column("agreement", "Agreement"),
        Column("service", "Service"),
    ]
    if kind.has_billing:
        columns += [Column("billing", "Billing"), Column("cost", "Cost")]
    if kind.is_bundle_pack:
        columns += [Column("auto_extend", "Auto extend"), Column("used", "Used")]
    columns += [
        Column("from", "Effective from", "effective_from"),
        Column("till", "Effective till", "effective_till"),
        Column("status", "Status", default=False),
        Column("hidden", "Hidden from client", default=False),
        Column("created", "Created", "created_at", default=False),
    ]
    return register(Table(name=f"enabled_{kind.key}", columns=tuple(columns)))


TABLES = {kind.key: _table(kind) for kind in KINDS.values()}


def _filters(request: Request) -> tuple[service.EnabledFilters, dict[str, str]]:
    params = request.query_params
    keys = ("agreement_id", "service_id", "active", "hidden")
    shown = {k: params.get(k, "").strip()[:30] for k in keys}
    filters = service.EnabledFilters(
        agreement_id=as_int(shown["agreement_id"], 0) or None,
        service_id=as_int(shown["service_id"], 0) or None,
        active=as_bool(shown["active"]),
        hidden=as_bool(shown["hidden"]),
    )
    if filters.agreement_id is not None and not 0 < filters.agreement_id < 2**63:
        filters = service.EnabledFilters(**{**filters.__dict__, "agreement_id": None})
    if filters.service_id is not None and not 0 < filters.service_id < 2**63:
        filters = service.EnabledFilters(**{**filters.__dict__, "service_id": None})
    return filters, shown


async def _service_choices(scope: Scope, kind: Kind) -> list[dict]:
    return (
        await Service.select(Service.id, Service.name, Service.type, Service.currency)
        .where(
            Service.company == scope.company_id,
            Service.type.is_in(sorted(kind.service_types)),
            Service.archived_at.is_null(),
        )
        .order_by(Service.name)
    )


async def _agreement_choices(scope: Scope) -> list[dict] | None:
    """The seller's agreements by code, or None when there are too many for one list."""
    rows = (
        await Agreement.select(
            Agreement.id,
            Agreement.code,
            Agreement.currency,
            Agreement.company.name.as_alias("company_name"),
        )
        .where(versions.managed(scope))
        .order_by(Agreement.code)
        .limit(MAX_AGREEMENT_CHOICES + 1)
    )
    return None if len(rows) > MAX_AGREEMENT_CHOICES else rows


def _data(kind: Kind, values: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Form strings into the API's shape: an empty till is indefinitely."""
    data: dict[str, Any] = {
        "effective_from": local_input(values.get("effective_from", "")),
        "effective_till": local_input(values.get("effective_till", "")) or None,
        "timezone": str(values.get("timezone", "")).strip(),
        "hidden_from_client": bool(values.get("hidden_from_client")),
    }
    if creating:
        data["agreement_id"] = str(values.get("agreement_id", "")).strip() or None
        data["service_id"] = str(values.get("service_id", "")).strip() or None
    if kind.has_billing:
        data["billing"] = values.get("billing") or None
        if not creating and data["billing"] is None:
            del data["billing"]
    if kind.is_bundle_pack:
        data["auto_extend"] = bool(values.get("auto_extend"))
    return data


def _values(found: EnabledOut) -> dict[str, Any]:
    return {
        "agreement_id": found.agreement_id,
        "service_id": found.service_id,
        "effective_from": found.effective_from_local[:16],
        "effective_till": (found.effective_till_local or "")[:16],
        "timezone": found.timezone,
        "hidden_from_client": found.hidden_from_client,
        "billing": found.billing or "",
        "auto_extend": bool(found.auto_extend),
    }


def _unchanged_ends_left_out(kind: Kind, values: dict[str, Any], found: EnabledOut) -> dict:
    """The form shows the ends to the minute; sent back unchanged in the same zone they are
    not a change (a start entered with seconds would otherwise move, which a started row
    refuses)."""
    data = _data(kind, values, False)
    shown = _values(found)
    if data["timezone"] == found.timezone:
        for end in ("effective_from", "effective_till"):
            if str(values.get(end, "")).strip().replace(" ", "T")[:16] == shown[end]:
                data.pop(end)
    return data


def handlers_for(kind: Kind) -> list:
    base = f"/{kind.path}"
    table = TABLES[kind.key]
    checkboxes = ("hidden_from_client", "auto_extend")

    async def form(request, values, errors, found=None, status=200) -> Response:
        scope = principal_of(request).scope
        return await page(
            request,
            "enabled/form.html",
            status=status,
            active="enabled_services",
            kind=kind,
            base=base,
            found=found,
            values=values,
            errors=by_field(errors),
            services=await _service_choices(scope, kind),
            agreements=await _agreement_choices(scope) if found is None else [],
            zones=zone_names(),
            billings=list(BILLINGS.items()),
        )

    @get(base, include_in_schema=False, guards=VIEW, name=f"enabled_{kind.key}_list")
    async def listing(request: Request) -> Response:
        filters, shown = _filters(request)
        query = table.query(request)
        scope = principal_of(request).scope
        if csv_export.wanted(request):
            return await csv_export.respond(
                kind.path,
                EnabledOut,
                lambda rows: service.list_enabled(scope, kind, filters, rows),
                query,
            )
        items, paged = await listed(lambda q: service.list_enabled(scope, kind, filters, q), query)
        return await page(
            request,
            "enabled/list.html",
            active="enabled_services",
            kind=kind,
            base=base,
            tabs=TABS,
            table=table,
            columns=table.visible(request),
            items=items,
            pager=paged,
            filters=shown,
            billings=BILLINGS,
        )

    @get(f"{base}/new", include_in_schema=False, guards=MANAGE, name=f"enabled_{kind.key}_new")
    async def new(request: Request) -> Response:
        agreement = request.query_params.get("agreement_id", "")[:20]
        values = {"timezone": "UTC", "agreement_id": agreement, "billing": "free"}
        return await form(request, values, [])

    @post(f"{base}/new", include_in_schema=False, guards=MANAGE, name=f"enabled_{kind.key}_add")
    async def create(request: Request) -> Response:
        values = await read_form(request, checkboxes)
        data, errors = parse(_data(kind, values, True), EnabledCreate)
        if data is None:
            return await form(request, values, errors, status=422)
        try:
            made = await service.create_enabled(
                audit_context(request), principal_of(request).scope, kind, data
            )
        except (Invalid, Conflict) as exc:
            return await form(request, values, domain_errors(exc), status=exc.status_code)
        return redirect(f"{base}/{made.id}", flash=f"{kind.label} {made.id} was created.")

    @get(
        f"{base}/{{enabled_id:int}}",
        include_in_schema=False,
        guards=VIEW,
        name=f"enabled_{kind.key}_view",
    )
    async def view(request: Request, enabled_id: FromPath[int]) -> Response:
        found = await service.get_enabled(principal_of(request).scope, kind, enabled_id)
        return await page(
            request,
            "enabled/view.html",
            active="enabled_services",
            kind=kind,
            base=base,
            found=found,
            billings=BILLINGS,
        )

    @get(
        f"{base}/{{enabled_id:int}}/edit",
        include_in_schema=False,
        guards=MANAGE,
        name=f"enabled_{kind.key}_edit",
    )
    async def edit(request: Request, enabled_id: FromPath[int]) -> Response:
        found = await service.get_enabled(principal_of(request).scope, kind, enabled_id)
        return await form(request, _values(found), [], found)

    @post(
        f"{base}/{{enabled_id:int}}/edit",
        include_in_schema=False,
        guards=MANAGE,
        name=f"enabled_{kind.key}_save",
    )
    async def update(request: Request, enabled_id: FromPath[int]) -> Response:
        scope = principal_of(request).scope
        found = await service.get_enabled(scope, kind, enabled_id)
        values = await read_form(request, checkboxes)
        data, errors = parse(_unchanged_ends_left_out(kind, values, found), EnabledUpdate)
        if data is None:
            return await form(request, values, errors, found, status=422)
        try:
            await service.update_enabled(audit_context(request), scope, kind, enabled_id, data)
        except (Invalid, Conflict) as exc:
            return await form(request, values, domain_errors(exc), found, exc.status_code)
        return redirect(f"{base}/{enabled_id}", flash=f"{kind.label} {enabled_id} was saved.")

    async def confirm(request, found, error="", status=200) -> Response:
        return await page(
            request,
            "enabled/delete.html",
            status=status,
            active="enabled_services",
            kind=kind,
            base=base,
            found=found,
            error=error,
        )

    @get(
        f"{base}/{{enabled_id:int}}/delete",
        include_in_schema=False,
        guards=MANAGE,
        name=f"enabled_{kind.key}_confirm",
    )
    async def delete_confirm(request: Request, enabled_id: FromPath[int]) -> Response:
        found = await service.get_enabled(principal_of(request).scope, kind, enabled_id)
        return await confirm(request, found)

    @post(
        f"{base}/{{enabled_id:int}}/delete",
        include_in_schema=False,
        guards=MANAGE,
        name=f"enabled_{kind.key}_delete",
    )
    async def delete(request: Request, enabled_id: FromPath[int]) -> Response:
        scope = principal_of(request).scope
        found = await service.get_enabled(scope, kind, enabled_id)
        try:
            await service.delete_enabled(audit_context(request), scope, kind, enabled_id)
        except (Invalid, Conflict) as exc:
            return await confirm(request, found, exc.detail, exc.status_code)
        return redirect(base, flash=f"{kind.label} {enabled_id} was deleted.")

    return [listing, new, create, view, edit, update, delete_confirm, delete]


HANDLERS = [handler for kind in KINDS.values() for handler in handlers_for(kind)]
