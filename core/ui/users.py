"""Users → BackOffice / Client portal tabs: the list, invitations and user editing.

The pages only translate forms; scope, rules and the audit trail live in ``core.users``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.models import Role
from core.auth.principal import Principal
from core.errors import Conflict, DomainError, Forbidden, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_int, listed, register
from core.users import directory, invitations, manage, rules, standing
from core.users.api import MANAGE, VIEW
from core.users.schemas import InvitationCreate, UserUpdate
from core.web.context import audit_context, principal_of
from tenants.models import Company

TABLE = register(
    Table(
        name="users",
        columns=(
            Column("id", "ID", "id"),
            Column("user", "User", "email"),
            Column("company", "Company", "company"),
            Column("status", "Status", "status"),
            Column("role", "Role"),
            Column("last_active", "Last active", "last_active"),
        ),
        default_sort="email",
        default_order="asc",
    )
)
STATUSES = ("invited", "expired", "revoked", "active", "inactive")
GROUP_LABELS = {"backoffice": "BackOffice", "portal": "Client portal"}


def _group(request: Request, principal: Principal) -> str:
    groups = rules.visible_groups(principal)
    wanted = request.query_params.get("group") or groups[0]
    return wanted if wanted in groups else groups[0]


async def _companies(principal: Principal, group: str) -> list[dict]:
    """Companies the caller may invite into ``group``: its own and the ones it created."""
    query = Company.select(Company.id, Company.name, Company.kind).where(
        Company.id == principal.company_id
    )
    if principal.group != "portal":
        query = Company.select(Company.id, Company.name, Company.kind).where(
            (Company.id == principal.company_id) | (Company.parent == principal.company_id)
        )
    rows = await query.order_by(Company.name)
    return [r for r in rows if group == "portal" or r["kind"] != "client"]


async def _roles(principal: Principal, group: str) -> list[dict]:
    return await (
        Role.select(Role.id, Role.name, Role.is_system)
        .where(
            Role.group == group, Role.is_system.eq(True) | (Role.company == principal.company_id)
        )
        .order_by(Role.is_system, ascending=False)
        .order_by(Role.name)
    )


async def _grantable_roles(principal: Principal, group: str) -> list[dict]:
    """The roles a form may offer: none that grants more than the caller holds."""
    return [
        r
        for r in await _roles(principal, group)
        if await standing.can_grant(principal, group, r["id"], False)
    ]


@get("/users", guards=VIEW, include_in_schema=False)
async def user_list(request: Request) -> Response:
    principal = principal_of(request)
    group = _group(request, principal)
    params = request.query_params
    shown = {k: params.get(k, "") for k in ("q", "company", "status", "role")}
    filters = directory.DirectoryFilters(
        group=group,
        q=shown["q"].strip()[:200] or None,
        company_id=as_int(shown["company"], 0) or None,
        status=shown["status"] if shown["status"] in STATUSES else None,
        role_id=as_int(shown["role"], 0) or None,
    )
    query = TABLE.query(request)
    items, paged = await listed(lambda q: directory.list_directory(principal, filters, q), query)
    return await page(
        request,
        "users/list.html",
        active="users",
        group=group,
        groups=[(g, GROUP_LABELS[g]) for g in rules.visible_groups(principal)],
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        statuses=STATUSES,
        companies=await _companies(principal, "portal"),
        roles=await _roles(principal, group),
    )


async def _invite_form(request: Request, values: dict, errors: list, status: int = 200):
    principal = principal_of(request)
    group = values.get("group") if values.get("group") in GROUP_LABELS else "backoffice"
    return await page(
        request,
        "users/invite.html",
        status=status,
        active="users",
        group=group,
        group_label=GROUP_LABELS[group],
        values=values,
        errors=by_field(errors),
        companies=await _companies(principal, group),
        roles=await _grantable_roles(principal, group),
        can_grant_admin=await standing.can_grant(principal, group, None, True),
    )


@get("/users/invite", guards=MANAGE, include_in_schema=False)
async def invite_new(request: Request) -> Response:
    group = _group(request, principal_of(request))
    values = {"email": "", "group": group, "is_admin": False, "two_factor": False}
    return await _invite_form(request, values, [])


def _optional_int(values: dict[str, Any], name: str) -> None:
    raw = str(values.get(name) or "").strip()
    values[name] = int(raw) if raw.isdigit() else None


@post("/users/invite", guards=MANAGE, include_in_schema=False)
async def invite_create(request: Request) -> Response:
    values = await read_form(request, ("is_admin", "two_factor"))
    shown = dict(values)
    _optional_int(values, "company_id")
    _optional_int(values, "role_id")
    if values["company_id"] is None:
        return await _invite_form(
            request, shown, [{"field": "company_id", "message": "choose a company"}], 422
        )
    data, errors = parse(values, InvitationCreate)
    if data is None:
        return await _invite_form(request, shown, errors, 422)
    try:
        created = await invitations.create_invitation(
            audit_context(request), principal_of(request), data
        )
    except DomainError as exc:
        return await _invite_form(request, shown, domain_errors(exc), exc.status_code)
    return redirect(f"/users/invitations/{created}", flash=f"Invitation sent to {data.email}.")


@get("/users/invitations/{invitation_id:int}", guards=VIEW, include_in_schema=False)
async def invitation_view(request: Request, invitation_id: FromPath[int]) -> Response:
    principal = principal_of(request)
    invitation = await invitations.get_invitation(principal, invitation_id)
    row = {"group": invitation.group, "role": invitation.role_id, "is_admin": invitation.is_admin}
    return await page(
        request,
        "users/invitation.html",
        active="users",
        invitation=invitation,
        outranked=await standing.outranks(principal, row),
    )


ACTIONS = {
    "resend": (invitations.resend_invitation, "The invitation was sent again with a new link."),
    "revoke": (invitations.revoke_invitation, "The invitation was revoked."),
    "delete": (invitations.delete_invitation, "The invitation was deleted."),
}


@post("/users/invitations/{invitation_id:int}/{action:str}", guards=MANAGE, include_in_schema=False)
async def invitation_action(
    request: Request, invitation_id: FromPath[int], action: FromPath[str]
) -> Response:
    principal = principal_of(request)
    invitation = await invitations.get_invitation(principal, invitation_id)
    if action not in ACTIONS:
        raise Invalid.field("action", "unknown action")
    run, message = ACTIONS[action]
    try:
        await run(audit_context(request), principal, invitation_id)
    except (Conflict, Forbidden) as exc:
        return redirect(
            f"/users/invitations/{invitation_id}",
            flash=exc.detail[:1].upper() + exc.detail[1:] + ".",
        )
    return redirect(f"/users?group={invitation.group}", flash=message)


async def _edit_form(request: Request, user_id: int, values: dict | None, errors: list, status=200):
    principal = principal_of(request)
    user = await manage.get_user(principal, user_id)
    if values is None:
        values = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "is_admin": user.is_admin,
            "role_id": str(user.role_id or ""),
            "status": user.status,
            "departments": [d.name for d in user.departments],
            "new_departments": "",
        }
    departments = []
    if user.group == "portal":
        departments = [d.name for d in await manage.list_departments_of_company(user.company_id)]
    return await page(
        request,
        "users/edit.html",
        status=status,
        active="users",
        user_row=user,
        is_self=user.id == principal.user_id,
        values=values,
        errors=by_field(errors),
        roles=await _grantable_roles(principal, user.group),
        can_grant_admin=await standing.can_grant(principal, user.group, None, True),
        outranked=await standing.outranks(
            principal, {"group": user.group, "role": user.role_id, "is_admin": user.is_admin}
        ),
        departments=sorted(set(departments) | set(values.get("departments", [])), key=str.lower),
    )


@get("/users/{user_id:int}", guards=VIEW, include_in_schema=False)
async def user_edit(request: Request, user_id: FromPath[int]) -> Response:
    return await _edit_form(request, user_id, None, [])


@post("/users/{user_id:int}", guards=MANAGE, include_in_schema=False)
async def user_update(request: Request, user_id: FromPath[int]) -> Response:
    principal = principal_of(request)
    user = await manage.get_user(principal, user_id)
    form = await request.form()
    values = await read_form(request, ("is_admin",))
    values["departments"] = [d for d in form.getall("departments", []) if d.strip()]
    new = [n.strip() for n in str(values.get("new_departments", "")).split(",") if n.strip()]
    shown = {**values, "departments": values["departments"] + new}
    data_in = {k: values[k] for k in ("first_name", "last_name", "phone") if k in values}
    if "status" in values:
        data_in["status"] = values["status"]
    if user.id != principal.user_id:
        _optional_int(values, "role_id")
        data_in.update(is_admin=values["is_admin"], role_id=values["role_id"])
    if user.group == "portal":
        data_in["departments"] = shown["departments"]
    data, errors = parse(data_in, UserUpdate)
    if data is None:
        return await _edit_form(request, user_id, shown, errors, 422)
    try:
        await manage.update_user(audit_context(request), principal, user_id, data)
    except (Invalid, Conflict, Forbidden) as exc:
        return await _edit_form(request, user_id, shown, domain_errors(exc), exc.status_code)
    return redirect(f"/users?group={user.group}", flash=f"User {user.email} was saved.")


@get("/users/{user_id:int}/delete", guards=MANAGE, include_in_schema=False)
async def user_delete_confirm(request: Request, user_id: FromPath[int]) -> Response:
    user = await manage.get_user(principal_of(request), user_id)
    return await page(request, "users/delete.html", active="users", user_row=user, error="")


@post("/users/{user_id:int}/delete", guards=MANAGE, include_in_schema=False)
async def user_delete(request: Request, user_id: FromPath[int]) -> Response:
    principal = principal_of(request)
    user = await manage.get_user(principal, user_id)
    try:
        await manage.delete_user(audit_context(request), principal, user_id)
    except (Conflict, Forbidden) as exc:
        return await page(
            request,
            "users/delete.html",
            status=exc.status_code,
            active="users",
            user_row=user,
            error=exc.detail,
        )
    return redirect(f"/users?group={user.group}", flash=f"User {user.email} was deleted.")


HANDLERS = [
    user_list,
    invite_new,
    invite_create,
    invitation_view,
    invitation_action,
    user_edit,
    user_update,
    user_delete_confirm,
    user_delete,
]
