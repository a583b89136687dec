"""Account management → Legal entities and Settings → Own legal entities.

Both sections are one set of pages built twice from a ``Section``: the rules, the scope and the
audit trail live in ``core.accounts.legal_entities.service``, so the pages and the API cannot
disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.access.service import at_least, best_level
from core.accounts.legal_entities import service
from core.accounts.legal_entities.schemas import (
    LegalEntityCreate,
    LegalEntityOut,
    LegalEntityUpdate,
    OwnLegalEntityCreate,
)
from core.errors import Conflict, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_bool, as_int, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.rule_check import rules_of_parsed

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
TEXT_FIELDS = ("name", "legal_name", "country", "tax_id", "legal_id", "vat_id")
ADDRESS_FIELDS = ("legal_address", "billing_address")
_EMAIL_SPLIT = re.compile(r"[\s,;]+")


def _columns(company_shown: bool) -> tuple[Column, ...]:
    return (
        Column("id", "ID", "id"),
        Column("name", "Name", "name"),
        Column("company", "Company", "company", default=company_shown),
        Column("country", "Country", "country"),
        Column("portal", "Portal", default=False),
        Column("legal_address", "Legal address", default=False),
        Column("billing_address", "Billing address", default=False),
        Column("legal_name", "Legal company name", "legal_name"),
        Column("tax_id", "Tax ID number"),
        Column("legal_id", "Legal ID number", default=False),
        Column("vat_id", "VAT ID number", default=False),
        Column("is_default", "Is default", "is_default"),
        Column("created", "Created", "created_at", default=False),
        Column("updated", "Updated", "updated_at", default=False),
    )


@dataclass(frozen=True)
class Section:
    realm: service.Realm
    base: str
    title: str
    singular: str
    group: str
    table: Table

    @property
    def asks_company(self) -> bool:
        return self.realm == "clients"


CLIENTS = Section(
    "clients",
    "/legal-entities",
    "Legal entities",
    "Legal entity",
    "Account management",
    register(Table("legal_entities", _columns(True))),
)
OWN = Section(
    "own",
    "/own-legal-entities",
    "Own legal entities",
    "Own legal entity",
    "Settings",
    register(Table("own_legal_entities", _columns(False))),
)


@cache
def countries() -> list[tuple[str, str]]:
    import pycountry

    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


def _filters(request: Request, section: Section) -> tuple[service.LegalEntityFilters, dict]:
    params = request.query_params
    shown = {k: params.get(k, "") for k in ("q", "country", "is_default", "company_id")}
    known = {code for code, _ in countries()}
    company_id = as_int(shown["company_id"], 0) if section.asks_company else 0
    filters = service.LegalEntityFilters(
        q=shown["q"].strip()[:200] or None,
        country=shown["country"] if shown["country"] in known else None,
        is_default=as_bool(shown["is_default"]),
        company_id=company_id or None,
    )
    return filters, shown


def _values(entity: LegalEntityOut) -> dict[str, Any]:
    values = {k: getattr(entity, k) for k in (*TEXT_FIELDS, *ADDRESS_FIELDS, "is_default")}
    values["portal_id"] = entity.portal_id
    values["notification_emails"] = "\n".join(entity.notification_emails)
    return values


def _as_data(values: dict[str, Any], section: Section, creating: bool) -> dict[str, Any]:
    """Form strings into the API's shape: one address per line (or comma), blank = none."""
    data = {k: values.get(k, "") for k in (*TEXT_FIELDS, *ADDRESS_FIELDS)}
    data["is_default"] = values.get("is_default", False)
    data["portal_id"] = values.get("portal_id") or None
    emails = str(values.get("notification_emails", ""))
    data["notification_emails"] = [e for e in _EMAIL_SPLIT.split(emails) if e]
    if creating and section.asks_company:
        data["company_id"] = values.get("company_id") or None
    return data


def _make_handlers(section: Section) -> list:
    base, realm = section.base, section.realm
    create_struct = LegalEntityCreate if section.asks_company else OwnLegalEntityCreate

    async def _can_change(request: Request) -> bool:
        """Clients only read the entities their tenant keeps for them (the service enforces it);
        a view-only user gets no write buttons either."""
        if principal_of(request).scope.company_kind == "client":
            return False
        level = await best_level(principal_of(request), ["account_management"], request.scope)
        return at_least(level, "manage")

    async def _rule_errors(request, values, errors, entity_id) -> list[dict]:
        """The rules broken by the fields that did parse, shown with the shape errors."""
        data = _as_data(values, section, entity_id is None)
        scope = principal_of(request).scope

        async def check(partial, broken):
            return await service.rule_errors(scope, realm, partial, entity_id, broken)

        return await rules_of_parsed(data, errors, create_struct, check)

    async def _form(request, values, errors, entity=None, status=200) -> Response:
        scope = principal_of(request).scope
        return await page(
            request,
            "legal_entities/form.html",
            status=status,
            active=section.table.name,
            section=section,
            entity=entity,
            values=values,
            errors=by_field(errors),
            countries=countries(),
            portals=await service.portal_choices(scope),
            companies=await service.company_choices(scope) if section.asks_company else [],
        )

    @get(base, include_in_schema=False, guards=VIEW)
    async def entity_list(request: Request) -> Response:
        scope = principal_of(request).scope
        filters, shown = _filters(request, section)
        query = section.table.query(request)
        if csv_export.wanted(request):
            return await csv_export.respond(
                section.base.strip("/"),
                LegalEntityOut,
                lambda rows: service.list_legal_entities(scope, realm, filters, rows),
                query,
            )
        items, paged = await listed(
            lambda q: service.list_legal_entities(scope, realm, filters, q), query
        )
        return await page(
            request,
            "legal_entities/list.html",
            active=section.table.name,
            section=section,
            table=section.table,
            columns=section.table.visible(request),
            items=items,
            pager=paged,
            filters=shown,
            countries=countries(),
            companies=await service.company_choices(scope) if section.asks_company else [],
            can_create=await _can_change(request),
        )

    @get(f"{base}/new", include_in_schema=False, guards=MANAGE)
    async def entity_new(request: Request) -> Response:
        values = {"notification_emails": "", "is_default": False, "company_id": ""}
        return await _form(request, values, [])

    @post(f"{base}/new", include_in_schema=False, guards=MANAGE)
    async def entity_create(request: Request) -> Response:
        values = await read_form(request, ("is_default",))
        data, errors = parse(_as_data(values, section, True), create_struct)
        if data is None:
            errors += await _rule_errors(request, values, errors, None)
            return await _form(request, values, errors, status=422)
        try:
            created = await service.create_legal_entity(
                audit_context(request), principal_of(request).scope, realm, data
            )
        except (Invalid, Conflict) as exc:
            return await _form(request, values, domain_errors(exc), status=exc.status_code)
        return redirect(
            f"{base}/{created.id}", flash=f"{section.singular} “{created.name}” was created."
        )

    @get(f"{base}/{{entity_id:int}}", include_in_schema=False, guards=VIEW)
    async def entity_view(request: Request, entity_id: FromPath[int]) -> Response:
        entity = await service.get_legal_entity(principal_of(request).scope, realm, entity_id)
        reselling_rows = payment_box = None
        if realm == "own":
            from core.accounts.reselling.ui import own_reselling_rows

            reselling_rows = await own_reselling_rows(request, entity_id)
            from core.ui.payment_systems import own_entity_box

            payment_box = await own_entity_box(request, entity_id)
        return await page(
            request,
            "legal_entities/view.html",
            active=section.table.name,
            section=section,
            entity=entity,
            can_change=await _can_change(request),
            reselling_rows=reselling_rows,
            payment_box=payment_box,
        )

    @get(f"{base}/{{entity_id:int}}/edit", include_in_schema=False, guards=MANAGE)
    async def entity_edit(request: Request, entity_id: FromPath[int]) -> Response:
        entity = await service.get_legal_entity(principal_of(request).scope, realm, entity_id)
        return await _form(request, _values(entity), [], entity)

    @post(f"{base}/{{entity_id:int}}/edit", include_in_schema=False, guards=MANAGE)
    async def entity_update(request: Request, entity_id: FromPath[int]) -> Response:
        scope = principal_of(request).scope
        entity = await service.get_legal_entity(scope, realm, entity_id)
        values = await read_form(request, ("is_default",))
        data, errors = parse(_as_data(values, section, False), LegalEntityUpdate)
        if data is None:
            errors += await _rule_errors(request, values, errors, entity_id)
            return await _form(request, values, errors, entity, status=422)
        try:
            saved = await service.update_legal_entity(
                audit_context(request), scope, realm, entity_id, data
            )
        except (Invalid, Conflict) as exc:
            return await _form(request, values, domain_errors(exc), entity, exc.status_code)
        return redirect(
            f"{base}/{entity_id}", flash=f"{section.singular} “{saved.name}” was saved."
        )

    async def _confirm(request, entity, error="", status=200) -> Response:
        return await page(
            request,
            "legal_entities/delete.html",
            status=status,
            active=section.table.name,
            section=section,
            entity=entity,
            error=error,
        )

    @get(f"{base}/{{entity_id:int}}/delete", include_in_schema=False, guards=MANAGE)
    async def entity_delete_confirm(request: Request, entity_id: FromPath[int]) -> Response:
        entity = await service.get_legal_entity(principal_of(request).scope, realm, entity_id)
        return await _confirm(request, entity)

    @post(f"{base}/{{entity_id:int}}/delete", include_in_schema=False, guards=MANAGE)
    async def entity_delete(request: Request, entity_id: FromPath[int]) -> Response:
        scope = principal_of(request).scope
        entity = await service.get_legal_entity(scope, realm, entity_id)
        try:
            was_default = await service.delete_legal_entity(
                audit_context(request), scope, realm, entity_id
            )
        except (Invalid, Conflict) as exc:
            return await _confirm(request, entity, exc.detail, status=exc.status_code)
        notice = f"{section.singular} “{entity.name}” was deleted."
        if was_default:
            notice += f" It was the default one: {entity.company_name} has no default now."
        return redirect(base, flash=notice)

    return [
        entity_list,
        entity_new,
        entity_create,
        entity_view,
        entity_edit,
        entity_update,
        entity_delete_confirm,
        entity_delete,
    ]


HANDLERS = [*_make_handlers(CLIENTS), *_make_handlers(OWN)]
