"""Users → Roles: list, view, create from a template, edit and delete custom roles.

All rules (scope, system roles being read-only, grants, the audit trail) live in
``core.access.roles``. Picking the group and the template is a plain GET form that reloads the
new-role page with the template's levels filled in, so no script is needed.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access import roles
from core.access.api import MANAGE, VIEW
from core.access.areas import GROUP_LABELS, areas_of
from core.access.models import LEVELS
from core.access.schemas import RoleCreate, RoleOut, RoleUpdate
from core.access.service import RANK, load_permissions
from core.errors import Conflict, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_int, pager, register
from core.web.context import audit_context, principal_of
from tenants.models import Company

TABLE = register(
    Table(
        name="roles",
        columns=(
            Column("id", "ID", "id", default=False),
            Column("name", "Name", "name"),
            Column("group", "Group", "group"),
            Column("companies", "Company"),
            Column("users", "Users", default=False),
            Column("updated", "Updated", "updated_at", default=False),
        ),
        default_sort="name",
        default_order="asc",
    )
)


def _sections(group: str) -> list[tuple[str, list]]:
    sections: dict[str, list] = {}
    for area in areas_of(group):
        sections.setdefault(area.section, []).append(area)
    return list(sections.items())


async def _company_choices(request: Request, group: str) -> list[dict]:
    scope = principal_of(request).scope
    rows = await Company.select(Company.id, Company.name, Company.kind).where(
        (Company.id == scope.company_id) | (Company.parent == scope.company_id),
        Company.kind.is_in(list(roles.GROUP_KINDS[group])),
    )
    return sorted(rows, key=lambda r: (r["id"] != scope.company_id, r["name"].lower()))


@get("/roles", include_in_schema=False, guards=VIEW)
async def role_list(request: Request) -> Response:
    params = request.query_params
    shown = {k: (params.get(k) or "").strip()[:40] for k in ("q", "group", "kind")}
    filters = roles.RoleFilters(
        q=shown["q"] or None,
        group=shown["group"] if shown["group"] in GROUP_LABELS else None,
        kind=shown["kind"] if shown["kind"] in ("system", "custom") else None,
    )
    query = TABLE.query(request)
    items, total = await roles.list_roles(principal_of(request).scope, filters, query)
    return await page(
        request,
        "roles/list.html",
        active="roles",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=pager(total, query),
        filters=shown,
        groups=GROUP_LABELS,
    )


@get("/roles/{role_id:int}", include_in_schema=False, guards=VIEW)
async def role_view(request: Request, role_id: FromPath[int]) -> Response:
    role = await roles.get_role(principal_of(request).scope, role_id)
    return await page(
        request,
        "roles/view.html",
        active="roles",
        role=role,
        groups=GROUP_LABELS,
        sections=_sections(role.group),
    )


async def _form(
    request: Request,
    values: dict[str, Any],
    errors: list[dict],
    role: RoleOut | None = None,
    status: int = 200,
) -> Response:
    group = role.group if role else values["group"]
    return await page(
        request,
        "roles/form.html",
        status=status,
        active="roles",
        role=role,
        values=values,
        errors=by_field(errors),
        groups=GROUP_LABELS,
        levels=LEVELS,
        sections=_sections(group),
        grantable=await _grantable(principal_of(request), group, role),
        companies=await _company_choices(request, group),
        templates=[
            t
            for t in await roles.template_choices(principal_of(request).scope)
            if t["group"] == group
        ],
    )


async def _grantable(principal, group: str, role: RoleOut | None) -> dict[str, list[str]] | None:
    """Levels the form offers per area: up to the caller's own, or the role's current level if
    higher (keeping it is allowed), the rule ``roles.create_role``/``update_role`` enforce."""
    if principal.is_admin:
        return None
    own = await load_permissions(principal)
    current = role.permissions if role else {}
    offered = {}
    for _, areas in _sections(group):
        for area in areas:
            top = max(RANK[own.get(area.key, "none")], RANK[current.get(area.key, "none")])
            offered[area.key] = [level for level in LEVELS if RANK[level] <= top]
    return offered


def _default_group(request: Request) -> str:
    wanted = request.query_params.get("group")
    if wanted in GROUP_LABELS:
        return wanted
    return "portal" if principal_of(request).company_kind == "client" else "backoffice"


@get("/roles/new", include_in_schema=False, guards=MANAGE)
async def role_new(request: Request) -> Response:
    group = _default_group(request)
    values = {"name": "", "description": "", "group": group, "template_id": "", "company_ids": []}
    permissions: dict[str, str] = {}
    errors: list[dict] = []
    template_id = as_int(request.query_params.get("template"), 0)
    if template_id:
        try:
            permissions = await roles.template_levels(
                principal_of(request).scope, template_id, group
            )
            values["template_id"] = str(template_id)
        except Invalid as exc:
            errors = domain_errors(exc)
    values["permissions"] = permissions
    return await _form(request, values, errors, status=422 if errors else 200)


async def _posted(request: Request, group: str) -> dict[str, Any]:
    form = await request.form()
    data = await read_form(request)
    values: dict[str, Any] = {
        "name": str(data.get("name", "")),
        "description": str(data.get("description", "")),
        "company_ids": [as_int(v, 0) for v in form.getall("company_ids", [])],
        "permissions": {a.key: data.get(f"perm.{a.key}", "none") for a in areas_of(group)},
    }
    return values


@post("/roles/new", include_in_schema=False, guards=MANAGE)
async def role_create(request: Request) -> Response:
    data = await read_form(request)
    group = data.get("group") if data.get("group") in GROUP_LABELS else _default_group(request)
    values = {**await _posted(request, group), "group": group}
    template = as_int(data.get("template_id"), 0) or None
    values["template_id"] = str(template or "")
    # Every area is posted, so the radios (pre-filled from the template) override it entirely.
    payload = {k: values[k] for k in ("name", "description", "group", "company_ids")}
    payload.update(permissions=values["permissions"], template_id=template)
    parsed, errors = parse(payload, RoleCreate)
    if parsed is None:
        return await _form(request, values, errors, status=422)
    try:
        created = await roles.create_role(audit_context(request), principal_of(request), parsed)
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), status=exc.status_code)
    return redirect(f"/roles/{created.id}", flash=f"Role “{created.name}” was created.")


def _values(role: RoleOut) -> dict[str, Any]:
    return {
        "name": role.name,
        "description": role.description,
        "group": role.group,
        "company_ids": [c.id for c in role.companies],
        "permissions": role.permissions,
    }


@get("/roles/{role_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def role_edit(request: Request, role_id: FromPath[int]) -> Response:
    role = await roles.get_role(principal_of(request).scope, role_id)
    if role.is_system:
        raise Conflict("system roles cannot be changed; create a custom role from this template")
    return await _form(request, _values(role), [], role)


@post("/roles/{role_id:int}/edit", include_in_schema=False, guards=MANAGE)
async def role_update(request: Request, role_id: FromPath[int]) -> Response:
    role = await roles.get_role(principal_of(request).scope, role_id)
    values = {**await _posted(request, role.group), "group": role.group}
    payload = {k: values[k] for k in ("name", "description", "company_ids", "permissions")}
    parsed, errors = parse(payload, RoleUpdate)
    if parsed is None:
        return await _form(request, values, errors, role, status=422)
    try:
        saved = await roles.update_role(
            audit_context(request), principal_of(request), role_id, parsed
        )
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), role, exc.status_code)
    return redirect(f"/roles/{role_id}", flash=f"Role “{saved.name}” was saved.")


@get("/roles/{role_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def role_delete_confirm(request: Request, role_id: FromPath[int]) -> Response:
    role = await roles.get_role(principal_of(request).scope, role_id)
    return await page(request, "roles/delete.html", active="roles", role=role, error="")


@post("/roles/{role_id:int}/delete", include_in_schema=False, guards=MANAGE)
async def role_delete(request: Request, role_id: FromPath[int]) -> Response:
    role = await roles.get_role(principal_of(request).scope, role_id)
    try:
        await roles.delete_role(audit_context(request), principal_of(request), role_id)
    except Conflict as exc:
        return await page(
            request, "roles/delete.html", status=409, active="roles", role=role, error=exc.detail
        )
    return redirect("/roles", flash=f"Role “{role.name}” was deleted.")


HANDLERS = [
    role_list,
    role_new,
    role_create,
    role_view,
    role_edit,
    role_update,
    role_delete_confirm,
    role_delete,
]
