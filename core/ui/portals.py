"""Portals pages: list, add, view (domain check, certificate, branding files), edit, delete.

The rules, scope and audit trail live in ``core.portals``; these handlers only turn forms into
the API's shapes and service errors into messages beside the fields.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from core.access.guards import requires
from core.errors import Conflict, Invalid
from core.portals import actions, export, files, service
from core.portals.api import BODY_LIMIT, file_response, read_upload
from core.portals.certificates import MAX_PEM
from core.portals.rules import language_name
from core.portals.schemas import CertificateUpload, PortalCreate, PortalOut, PortalUpdate
from core.portals.uploads import SLOTS
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_int, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of

VIEW = [requires("portals", "view")]
MANAGE = [requires("portals", "manage")]
BASE = "/portals"
CHECKBOXES = ("display_branding", "intercom_enabled", "remove_intercom_secret")
TEXT_FIELDS = (
    "name",
    "fqdn",
    "status",
    "theme",
    "title",
    "primary_color",
    "shortener_domain",
    "intercom_app_id",
    "support_email",
    "certificate_mode",
)
STATUS_LABELS = {"draft": "Draft", "active": "Active", "error": "Error"}
_SPLIT = re.compile(r"[\s,;]+")
TABLE = register(
    Table(
        "portals",
        (
            Column("id", "ID", "id"),
            Column("company", "Company", "company"),
            Column("name", "Name", "name"),
            Column("fqdn", "FQDN", "fqdn"),
            Column("backoffice_url", "BackOffice URL", default=False),
            Column("status", "Status", "status"),
            Column("theme", "Theme", default=False),
            Column("created", "Created", "created_at", default=False),
            Column("created_by", "Created by", default=False),
            Column("updated", "Updated", "updated_at"),
            Column("updated_by", "Updated by", default=False),
        ),
    )
)


def _filters(request: Request) -> tuple[service.PortalFilters, dict]:
    params = request.query_params
    shown = {k: params.get(k, "") for k in ("q", "company_id", "status")}
    filters = service.PortalFilters(
        q=shown["q"].strip()[:200] or None,
        company_id=as_int(shown["company_id"], 0) or None,
        status=shown["status"] if shown["status"] in service.STATUSES else None,
    )
    return filters, shown


def _values(portal: PortalOut) -> dict[str, Any]:
    values = {k: getattr(portal, k) for k in TEXT_FIELDS}
    values.update(
        languages=", ".join(portal.languages),
        display_branding=portal.display_branding,
        intercom_enabled=portal.intercom_enabled,
    )
    for code, text in portal.login_descriptions.items():
        values[f"description_{code}"] = text
    return values


def _languages_of(values: dict[str, Any]) -> list[str]:
    return [c.lower() for c in _SPLIT.split(str(values.get("languages", ""))) if c]


def _as_data(values: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Form strings into the API's shape; descriptions come from ``description_<code>`` fields."""
    data = {k: values.get(k, "") for k in TEXT_FIELDS}
    data["languages"] = _languages_of(values)
    data["login_descriptions"] = {
        key.removeprefix("description_"): str(text)
        for key, text in values.items()
        if key.startswith("description_") and str(text).strip()
    }
    data["display_branding"] = values.get("display_branding", False)
    data["intercom_enabled"] = values.get("intercom_enabled", False)
    secret = str(values.get("intercom_secret", "")).strip()
    if secret:
        data["intercom_secret"] = secret
    elif values.get("remove_intercom_secret") and not creating:
        data["intercom_secret"] = ""
    if creating:
        data["company_id"] = values.get("company_id") or None
    elif not data["status"]:
        # A portal in "error" shows that status as a disabled option, which browsers never
        # submit: no status keeps the stored one instead of refusing the whole form.
        del data["status"]
    return data


def _description_languages(values: dict[str, Any]) -> list[tuple[str, str]]:
    """One description box per language of the form that is a real ISO 639-1 code."""
    codes = [c for c in _languages_of(values) if language_name(c)] or ["en"]
    return [(c, language_name(c) or c) for c in dict.fromkeys(codes)]


async def _form(request, values, errors, portal=None, status=200) -> Response:
    scope = principal_of(request).scope
    return await page(
        request,
        "portals/form.html",
        status=status,
        active="portals",
        portal=portal,
        values=values,
        errors=by_field(errors),
        companies=await service.company_choices(scope),
        themes=service.theme_choices(),
        description_languages=_description_languages(values),
    )


@get(BASE, include_in_schema=False, guards=VIEW)
async def portal_list(request: Request) -> Response:
    scope = principal_of(request).scope
    filters, shown = _filters(request)
    query = TABLE.query(request)
    if csv_export.wanted(request):
        return await csv_export.respond(
            "portals",
            PortalOut,
            lambda rows: service.list_portals(scope, filters, rows),
            query,
            columns=lambda rows: export.columns(scope, filters, rows),
        )
    items, paged = await listed(lambda q: service.list_portals(scope, filters, q), query)
    return await page(
        request,
        "portals/list.html",
        active="portals",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        companies=await service.company_choices(scope),
        statuses=STATUS_LABELS,
        can_create=scope.company_kind != "client",
    )


@get(f"{BASE}/new", include_in_schema=False, guards=MANAGE)
async def portal_new(request: Request) -> Response:
    values = {
        "status": "draft",
        "theme": "default",
        "languages": "en",
        "display_branding": True,
        "certificate_mode": "automatic",
        "company_id": principal_of(request).company_id,
    }
    return await _form(request, values, [])


@post(f"{BASE}/new", include_in_schema=False, guards=MANAGE)
async def portal_create(request: Request) -> Response:
    values = await read_form(request, CHECKBOXES)
    data, errors = parse(_as_data(values, True), PortalCreate)
    if data is None:
        return await _form(request, values, errors, status=422)
    try:
        created = await service.create_portal(
            audit_context(request), principal_of(request).scope, data
        )
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), status=exc.status_code)
    return redirect(f"{BASE}/{created.id}", flash=f"Portal “{created.name}” was created.")


async def _view(request: Request, portal: PortalOut, errors=None, status=200) -> Response:
    return await page(
        request,
        "portals/view.html",
        status=status,
        active="portals",
        portal=portal,
        errors=by_field(errors or []),
        slots=list(SLOTS.values()),
        statuses=STATUS_LABELS,
        languages={c: language_name(c) or c for c in portal.languages},
        can_change=principal_of(request).scope.company_kind != "client",
    )


@get(f"{BASE}/{{portal_id:int}}", include_in_schema=False, guards=VIEW)
async def portal_view(request: Request, portal_id: FromPath[int]) -> Response:
    return await _view(request, await service.get_portal(principal_of(request).scope, portal_id))


@get(f"{BASE}/{{portal_id:int}}/edit", include_in_schema=False, guards=MANAGE)
async def portal_edit(request: Request, portal_id: FromPath[int]) -> Response:
    portal = await service.get_portal(principal_of(request).scope, portal_id)
    return await _form(request, _values(portal), [], portal)


@post(f"{BASE}/{{portal_id:int}}/edit", include_in_schema=False, guards=MANAGE)
async def portal_update(request: Request, portal_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    portal = await service.get_portal(scope, portal_id)
    values = await read_form(request, CHECKBOXES)
    data, errors = parse(_as_data(values, False), PortalUpdate)
    if data is None:
        return await _form(request, values, errors, portal, status=422)
    try:
        saved = await service.update_portal(audit_context(request), scope, portal_id, data)
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), portal, exc.status_code)
    return redirect(f"{BASE}/{portal_id}", flash=f"Portal “{saved.name}” was saved.")


@post(f"{BASE}/{{portal_id:int}}/check-domain", include_in_schema=False, guards=MANAGE)
async def portal_check_domain(request: Request, portal_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    try:
        checked = await actions.check_domain(audit_context(request), scope, portal_id)
    except Invalid as exc:
        portal = await service.get_portal(scope, portal_id)
        return await _view(request, portal, domain_errors(exc), exc.status_code)
    return redirect(f"{BASE}/{portal_id}", flash=f"Domain check: {checked.domain_message}")


async def _upload_text(form, file_field: str, text_field: str) -> str:
    upload = form.get(file_field)
    if isinstance(upload, UploadFile):
        content = await upload.read(MAX_PEM + 1)
        if content:
            return content.decode("utf-8", errors="replace")
    return str(form.get(text_field) or "")


@post(
    f"{BASE}/{{portal_id:int}}/certificate",
    include_in_schema=False,
    guards=MANAGE,
    request_max_body_size=4 * MAX_PEM,
)
async def portal_certificate(request: Request, portal_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    form = await request.form()
    data, errors = parse(
        {
            "certificate_pem": await _upload_text(form, "certificate_file", "certificate_pem"),
            "private_key_pem": await _upload_text(form, "key_file", "private_key_pem"),
        },
        CertificateUpload,
    )
    if data is not None:
        try:
            await actions.upload_certificate(audit_context(request), scope, portal_id, data)
        except Invalid as exc:
            errors = domain_errors(exc)
    if errors:
        portal = await service.get_portal(scope, portal_id)
        return await _view(request, portal, errors, 422)
    return redirect(f"{BASE}/{portal_id}", flash="The certificate was checked and saved.")


@post(
    f"{BASE}/{{portal_id:int}}/files/{{slot:str}}",
    include_in_schema=False,
    guards=MANAGE,
    request_max_body_size=BODY_LIMIT,
)
async def portal_file_upload(
    request: Request, portal_id: FromPath[int], slot: FromPath[str]
) -> Response:
    scope = principal_of(request).scope
    form = await request.form()
    upload = form.get("file")
    content = await read_upload(upload, slot) if isinstance(upload, UploadFile) else b""
    try:
        await files.set_file(audit_context(request), scope, portal_id, slot, content)
    except Invalid as exc:
        portal = await service.get_portal(scope, portal_id)
        return await _view(request, portal, domain_errors(exc), 422)
    label = SLOTS[slot].label
    return redirect(f"{BASE}/{portal_id}#branding", flash=f"{label} was uploaded.")


@post(f"{BASE}/{{portal_id:int}}/files/{{slot:str}}/delete", include_in_schema=False, guards=MANAGE)
async def portal_file_remove(
    request: Request, portal_id: FromPath[int], slot: FromPath[str]
) -> Response:
    scope = principal_of(request).scope
    try:
        await files.remove_file(audit_context(request), scope, portal_id, slot)
    except Invalid as exc:
        portal = await service.get_portal(scope, portal_id)
        return await _view(request, portal, domain_errors(exc), 422)
    return redirect(f"{BASE}/{portal_id}#branding", flash=f"{SLOTS[slot].label} was removed.")


@get(f"{BASE}/{{portal_id:int}}/files/{{slot:str}}", include_in_schema=False, guards=VIEW)
async def portal_file(request: Request, portal_id: FromPath[int], slot: FromPath[str]) -> Response:
    found = await files.read_file(principal_of(request).scope, portal_id, slot)
    return file_response(request, *found, public=False)


async def _confirm(request, portal, error="", status=200) -> Response:
    refs = await service.references(principal_of(request).scope, portal.id)
    return await page(
        request,
        "portals/delete.html",
        status=status,
        active="portals",
        portal=portal,
        refs=refs,
        error=error,
    )


@get(f"{BASE}/{{portal_id:int}}/delete", include_in_schema=False, guards=MANAGE)
async def portal_delete_confirm(request: Request, portal_id: FromPath[int]) -> Response:
    portal = await service.get_portal(principal_of(request).scope, portal_id)
    return await _confirm(request, portal)


@post(f"{BASE}/{{portal_id:int}}/delete", include_in_schema=False, guards=MANAGE)
async def portal_delete(request: Request, portal_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    portal = await service.get_portal(scope, portal_id)
    try:
        await service.delete_portal(audit_context(request), scope, portal_id)
    except (Invalid, Conflict) as exc:
        return await _confirm(request, portal, exc.detail, status=exc.status_code)
    return redirect(BASE, flash=f"Portal “{portal.name}” was deleted.")


HANDLERS = [
    portal_list,
    portal_new,
    portal_create,
    portal_view,
    portal_edit,
    portal_update,
    portal_check_domain,
    portal_certificate,
    portal_file_upload,
    portal_file_remove,
    portal_file,
    portal_delete_confirm,
    portal_delete,
]
