"""Users → Roles: list, view, create from a template, edit and delete custom roles.

All rules (scope, system roles being read-only, grants, the audit trail) live in
``core.access.roles``. The form offers only what the service would accept: a group in which the
user can grant something, and per area the levels up to their own (or up to the role's stored
level when editing, which the service lets stay). Picking the group and the template is a plain
GET form that reloads the new-role page with the template's levels filled in, so no script is
needed.
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
from core.auth.principal import Principal
from core.errors import Conflict, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_int, listed, register
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


async def grantable(principal: Principal) -> dict[str, str]:
    """The highest level ``principal`` may grant per area (the rule of ``_check_grants``)."""
    keys = [a.key for g in GROUP_LABELS for a in areas_of(g)]
    if principal.is_admin:
        return dict.fromkeys(keys, "manage")
    own = await load_permissions(principal)
    return {k: own.get(k, "none") for k in keys}


def offered_groups(principal: Principal, limits: dict[str, str]) -> dict[str, str]:
    """Groups in which the user can grant more than none (a client company: its portal only)."""
    return {
        g: label
        for g, label in GROUP_LABELS.items()
        if (principal.company_kind != "client" or g == "portal")
        and any(limits.get(a.key, "none") != "none" for a in areas_of(g))
    }


def _offered_levels(group: str, limits: dict[str, str], stored: dict[str, str]) -> dict:
    out = {}
    for area in areas_of(group):
        top = max(RANK[limits.get(area.key, "none")], RANK[stored.get(area.key, "none")])
        out[area.key] = [lvl for lvl in LEVELS if RANK[lvl] <= top]
    return out


def _capped(permissions: dict[str, str], limits: dict[str, str]) -> dict[str, str]:
    return {
        k: v if RANK[v] <= RANK[limits.get(k, "none")] else limits.get(k, "none")
        for k, v in permissions.items()
    }


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
    items, paged = await listed(
        lambda q: roles.list_roles(principal_of(request).scope, filters, q), query
    )
    return await page(
        request,
        "roles/list.html",
        active="roles",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
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
    limits = await grantable(principal_of(request))
    return await page(
        request,
        "roles/form.html",
        status=status,
        active="roles",
        role=role,
        values=values,
        errors=by_field(errors),
        groups=GROUP_LABELS if role else offered_groups(principal_of(request), limits),
        levels=LEVELS,
        offered=_offered_levels(group, limits, role.permissions if role else {}),
        sections=_sections(group),
        companies=await _company_choices(request, group),
        templates=[
            t
            for t in await roles.template_choices(principal_of(request).scope)
            if t["group"] == group
        ],
    )


def _default_group(request: Request, offered: dict[str, str], wanted: Any = None) -> str:
    wanted = request.query_params.get("group") if wanted is None else wanted
    if wanted in offered:
        return wanted
    if offered:
        return next(iter(offered))
    return "portal" if principal_of(request).company_kind == "client" else "backoffice"


@get("/roles/new", include_in_schema=False, guards=MANAGE)
async def role_new(request: Request) -> Response:
    limits = await grantable(principal_of(request))
    group = _default_group(request, offered_groups(principal_of(request), limits))
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
    values["permissions"] = _capped(permissions, limits)
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
    offered = offered_groups(principal_of(request), await grantable(principal_of(request)))
    group = _default_group(request, offered, data.get("group"))
    values = {**await _posted(request, group), "group": group}
    if data.get("group") not in offered:
        values["template_id"] = str(as_int(data.get("template_id"), 0) or "")
        label = GROUP_LABELS.get(str(data.get("group")), "this group")
        error = {"field": "group", "message": f"you cannot grant any {label} permission"}
        return await _form(request, values, [error], status=422)
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
