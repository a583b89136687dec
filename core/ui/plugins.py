"""Settings → Plugins: what is installed, and the switches of a company the caller created
(the system owner also switches the platform), over the same services as ``/api/v1/plugins``.

A reseller sees its own company's switches read-only: the company above it sets them.
"""

from __future__ import annotations

from litestar import Request, Response, get, post

from core.access.guards import requires
from core.access.service import at_least, best_level
from core.errors import DomainError, NotFound
from core.plugins import catalog, enablement
from core.plugins import service as plugins
from core.ui.forms import read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_bool, as_int, listed, register
from core.web.context import audit_context, principal_of
from tenants.models import Company

BASE = "/plugins"
VIEW = [requires("settings", "view")]
MANAGE = [requires("settings", "manage")]
FIELD_PREFIX = "plugin:"
CONTRIBUTION_LABELS = {
    "channels": "Channels",
    "vendors": "Vendor types",
    "payment_systems": "Payment systems",
    "dictionaries": "Dictionaries",
    "themes": "Themes",
    "areas": "Permission areas",
    "routes": "Routes",
    "jobs": "Jobs",
    "events": "Event subscriptions",
    "pages": "Pages",
    "menu_entries": "Menu entries",
    "templates": "Templates and static files",
    "migrations": "Tables (own migrations)",
}
KIND_LABELS = {
    "core": "Core",
    "bundled": "Bundled",
    "package": "Package",
    "registered": "Registered in code",
}
TABLE = register(
    Table(
        name="plugins",
        columns=(
            Column("name", "Name", "name"),
            Column("enabled", "For your company"),
            Column("package", "Package", "package"),
            Column("version", "Version", "version", default=False),
            Column("kind", "Kind", "kind", default=False),
            Column("contributes", "Contributes"),
            Column("compatibility", "Compatibility", "status"),
        ),
        default_sort="name",
        default_order="asc",
    )
)


async def _can_manage(request: Request) -> bool:
    level = await best_level(principal_of(request), ["settings"], request.scope)
    return at_least(level, "manage") and principal_of(request).scope.company_kind != "client"


def _filters(request: Request) -> tuple[plugins.PluginFilters, dict[str, str]]:
    params = request.query_params
    shown = {k: params.get(k, "").strip()[:200] for k in ("q", "kind", "contributes", "enabled")}
    filters = plugins.PluginFilters(
        q=shown["q"] or None,
        kind=shown["kind"] if shown["kind"] in catalog.KINDS else None,
        contributes=shown["contributes"] if shown["contributes"] in CONTRIBUTION_LABELS else None,
        enabled=as_bool(shown["enabled"]),
    )
    return filters, shown


@get(BASE, include_in_schema=False, guards=VIEW)
async def plugin_list(request: Request) -> Response:
    filters, shown = _filters(request)
    query = TABLE.query(request)
    scope = principal_of(request).scope
    items, paged = await listed(lambda q: plugins.list_plugins(scope, filters, q), query)
    return await page(
        request,
        "plugins/list.html",
        active="plugins",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        kinds=KIND_LABELS,
        contributions=CONTRIBUTION_LABELS,
        own_company_id=scope.company_id,
        notices=await plugins.missing_notices(scope),
    )


async def _company_choices(request: Request) -> list[dict]:
    """The caller's own company, then the companies it created, by name."""
    scope = principal_of(request).scope
    children = await (
        Company.select(Company.id, Company.name)
        .where(Company.parent == scope.company_id)
        .order_by(Company.name)
    )
    own = {"id": scope.company_id, "name": principal_of(request).company_name}
    return [own, *children]


async def _switches_page(
    request: Request, company_id: int, errors: list[str] | None = None, status: int = 200
) -> Response:
    scope = principal_of(request).scope
    company, states = await enablement.company_states(scope, company_id)
    infos = catalog.switchable()
    own = company["id"] == scope.company_id
    editable = await _can_manage(request) and (not own or scope.is_system_owner)
    return await page(
        request,
        "plugins/switches.html",
        status=status,
        active="plugins",
        company=company,
        own=own,
        is_owner=scope.is_system_owner,
        companies=await _company_choices(request),
        rows=[(s, infos[s.plugin]) for s in states if s.plugin in infos],
        contributions=CONTRIBUTION_LABELS,
        editable=editable,
        errors=errors or [],
        prefix=FIELD_PREFIX,
    )


@get(f"{BASE}/switches", include_in_schema=False, guards=VIEW)
async def plugin_switches(request: Request) -> Response:
    """``?company_id=`` picks the company; without it, the caller's own."""
    raw = request.query_params.get("company_id", "")
    company_id = as_int(raw, 0) if raw else principal_of(request).scope.company_id
    if company_id <= 0:
        raise NotFound(f"company {raw[:40]!r} not found")
    return await _switches_page(request, company_id)


@post(f"{BASE}/switches", include_in_schema=False, guards=MANAGE)
async def plugin_switches_save(request: Request) -> Response:
    """Saves each switch that changed; a refused one is named on the page, the others stay."""
    values = await read_form(request)
    company_id = as_int(str(values.get("company_id", "")), 0)
    if company_id <= 0:
        raise NotFound("company not found")
    scope = principal_of(request).scope
    company, states = await enablement.company_states(scope, company_id)
    errors: list[str] = []
    changed = 0
    for state in states:
        wanted = values.get(FIELD_PREFIX + state.plugin)
        if wanted not in ("on", "off"):
            continue
        enabled = wanted == "on"
        if enabled == (state.setting != "off"):
            continue
        try:
            await enablement.set_enabled(
                audit_context(request), scope, company["id"], state.plugin, enabled
            )
            changed += 1
        except DomainError as exc:
            errors.append(
                f"{state.plugin}: {exc.errors[0]['message'] if exc.errors else exc.detail}"
            )
    if errors:
        return await _switches_page(request, company["id"], errors, status=422)
    note = f"{changed} plugin switch(es) saved for {company['name']}." if changed else None
    return redirect(f"{BASE}/switches?company_id={company['id']}", flash=note or "Nothing changed.")


HANDLERS = [plugin_list, plugin_switches, plugin_switches_save]
