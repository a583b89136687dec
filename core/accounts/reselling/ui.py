"""Reselling agreements pages: the tenant's "Manage reselling agreements" of a reseller's legal
entity (add, edit, delete with confirmation), and the reseller's read-only view of what one of
its own legal entities buys under. Rules live in ``core.accounts.reselling.service``."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.accounts.agreements import versions
from core.accounts.agreements.ui import local_input
from core.accounts.legal_entities import service as legal_entities
from core.accounts.reselling import service
from core.accounts.reselling.schemas import AssociationCreate, AssociationOut, AssociationUpdate
from core.errors import Conflict, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.web.context import audit_context, principal_of

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
SETTINGS_VIEW = [requires("settings", "view")]
BASE = "/legal-entities/{entity_id:int}/reselling-agreements"
ITEM = BASE + "/{association_id:int}"


def _base(entity_id: int) -> str:
    return f"/legal-entities/{entity_id}/reselling-agreements"


def _data(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "agreement_id": values.get("agreement_id") or None,
        "effective_from": local_input(values.get("effective_from", "")),
        "effective_till": local_input(values.get("effective_till", "")) or None,
        "timezone": values.get("timezone", "").strip() or "UTC",
    }


def _parse(values: dict[str, Any], struct: type, item: AssociationOut | None = None):
    data = _data(values)
    if (
        item is not None
        and item.status != "upcoming"
        and data["effective_from"][:16] == (item.effective_from_local or "")[:16]
    ):
        # a started association keeps its start; resending it unchanged (the form has minutes
        # only, or another zone was chosen for the end) must not count as a move
        data.pop("effective_from")
    return parse(data, struct)


def _values(item: AssociationOut) -> dict[str, Any]:
    return {
        "agreement_id": item.agreement_id,
        "effective_from": (item.effective_from_local or "")[:16],
        "effective_till": (item.effective_till_local or "")[:16],
        "timezone": item.timezone,
    }


async def _manage(request, entity_id, values=None, errors=(), status=200) -> Response:
    scope = principal_of(request).scope
    entity = await service.tenant_entity(scope, entity_id)
    return await page(
        request,
        "reselling/manage.html",
        status=status,
        active="legal_entities",
        entity=entity,
        items=await service.list_for_tenant(scope, entity_id),
        agreements=await service.agreement_choices(scope, entity["company"]),
        values=values or {"timezone": "UTC"},
        errors=by_field(list(errors)),
        zones=versions.zone_names(),
        base=_base(entity_id),
    )


@get(BASE, include_in_schema=False, guards=VIEW)
async def reselling_manage(request: Request, entity_id: FromPath[int]) -> Response:
    return await _manage(request, entity_id)


@post(BASE, include_in_schema=False, guards=MANAGE)
async def reselling_add(request: Request, entity_id: FromPath[int]) -> Response:
    values = await read_form(request)
    data, errors = _parse(values, AssociationCreate)
    if data is None:
        return await _manage(request, entity_id, values, errors, 422)
    try:
        await service.add_association(
            audit_context(request), principal_of(request).scope, entity_id, data
        )
    except (Invalid, Conflict) as exc:
        return await _manage(request, entity_id, values, domain_errors(exc), exc.status_code)
    return redirect(_base(entity_id), flash="The reselling agreement was added.")


async def _edit_page(request, entity_id, item, values, errors=(), status=200) -> Response:
    scope = principal_of(request).scope
    entity = await service.tenant_entity(scope, entity_id)
    return await page(
        request,
        "reselling/edit.html",
        status=status,
        active="legal_entities",
        entity=entity,
        item=item,
        agreements=await service.agreement_choices(scope, entity["company"]),
        values=values,
        errors=by_field(list(errors)),
        zones=versions.zone_names(),
        base=_base(entity_id),
    )


@get(f"{ITEM}/edit", include_in_schema=False, guards=MANAGE)
async def reselling_edit(
    request: Request, entity_id: FromPath[int], association_id: FromPath[int]
) -> Response:
    item = await service.get_association(principal_of(request).scope, entity_id, association_id)
    return await _edit_page(request, entity_id, item, _values(item))


@post(f"{ITEM}/edit", include_in_schema=False, guards=MANAGE)
async def reselling_update(
    request: Request, entity_id: FromPath[int], association_id: FromPath[int]
) -> Response:
    scope = principal_of(request).scope
    item = await service.get_association(scope, entity_id, association_id)
    values = await read_form(request)
    data, errors = _parse(values, AssociationUpdate, item)
    if data is None:
        return await _edit_page(request, entity_id, item, values, errors, 422)
    try:
        await service.update_association(
            audit_context(request), scope, entity_id, association_id, data
        )
    except (Invalid, Conflict) as exc:
        return await _edit_page(
            request, entity_id, item, values, domain_errors(exc), exc.status_code
        )
    return redirect(_base(entity_id), flash="The reselling agreement was saved.")


async def _confirm(request, entity_id, item, error="", status=200) -> Response:
    entity = await service.tenant_entity(principal_of(request).scope, entity_id)
    return await page(
        request,
        "reselling/delete.html",
        status=status,
        active="legal_entities",
        entity=entity,
        item=item,
        error=error,
        base=_base(entity_id),
    )


@get(f"{ITEM}/delete", include_in_schema=False, guards=MANAGE)
async def reselling_delete_confirm(
    request: Request, entity_id: FromPath[int], association_id: FromPath[int]
) -> Response:
    item = await service.get_association(principal_of(request).scope, entity_id, association_id)
    return await _confirm(request, entity_id, item)


@post(f"{ITEM}/delete", include_in_schema=False, guards=MANAGE)
async def reselling_delete(
    request: Request, entity_id: FromPath[int], association_id: FromPath[int]
) -> Response:
    scope = principal_of(request).scope
    item = await service.get_association(scope, entity_id, association_id)
    try:
        await service.delete_association(audit_context(request), scope, entity_id, association_id)
    except (Invalid, Conflict) as exc:
        return await _confirm(request, entity_id, item, exc.detail, exc.status_code)
    return redirect(_base(entity_id), flash="The reselling agreement was removed.")


@get(
    "/own-legal-entities/{entity_id:int}/reselling-agreements",
    include_in_schema=False,
    guards=SETTINGS_VIEW,
)
async def reselling_own(request: Request, entity_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    entity = await legal_entities.get_legal_entity(scope, "own", entity_id)
    return await page(
        request,
        "reselling/own.html",
        active="own_legal_entities",
        entity=entity,
        items=await service.list_for_reseller(scope, entity_id),
    )


async def own_reselling_rows(request: Request, entity_id: int) -> list[AssociationOut]:
    """For the own-legal-entity view page: what this entity buys under (read-only)."""
    return await service.list_for_reseller(principal_of(request).scope, entity_id)


HANDLERS = [
    reselling_manage,
    reselling_add,
    reselling_edit,
    reselling_update,
    reselling_delete_confirm,
    reselling_delete,
    reselling_own,
]
