"""Account management → Agreements: list, add (with the first version), view with versions,
edit, delete, and add/edit/delete versions, each destructive step behind a confirmation page.

Every rule lives in ``core.accounts.agreements.service`` and
``core.accounts.agreements.versions``; the pages turn form strings into the API's shapes and
show the services' messages by field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.accounts.agreements import csv as agreement_csv
from core.accounts.agreements import service, versions
from core.accounts.agreements.schemas import (
    EMAIL_FIELDS,
    AgreementCreate,
    AgreementOut,
    AgreementUpdate,
    VersionCreate,
    VersionOut,
    VersionUpdate,
)
from core.catalogue.enabled.service import counts_by_agreement as enabled_counts
from core.errors import Conflict, Invalid
from core.money import input_amount
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_int, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.rule_check import rules_of_parsed

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
BASE = "/agreements"
PARTY_FIELDS = ("legal_entity_id", "own_legal_entity_id", "bank_account_id", "own_bank_account_id")
_EMAIL_SPLIT = re.compile(r"[\s,;]+")
_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TABLE = register(
    Table(
        "agreements",
        (
            Column("id", "ID", "id"),
            Column("company", "Company", "company"),
            Column("legal_entity", "Legal entity"),
            Column("own_legal_entity", "Own legal entity", default=False),
            Column("bank_account", "Bank account", default=False),
            Column("own_bank_account", "Own bank account", default=False),
            Column("code", "Agreement code", "code"),
            Column("date", "Agreement date", "agreement_date", default=False),
            Column("direction", "Direction", default=False),
            Column("currency", "Currency", "currency"),
            Column("balance", "Balance", "balance"),
            Column("from", "Effective from"),
            Column("till", "Effective till", default=False),
            Column("credit_limit", "Credit limit"),
            Column("services", "Services"),
            Column("packs", "Packs"),
            Column("billing_timezone", "Billing timezone", default=False),
            Column("billing_period", "Billing period", default=False),
        ),
    )
)


_parse = parse  # the shared messages already say "Required" and the expected date format


def local_input(value: str) -> str:
    """``datetime-local`` inputs send minutes only; the API wants seconds."""
    value = (value or "").strip()
    if _MINUTES.match(value):
        return value.replace(" ", "T") + ":00"
    if _DAY.match(value):
        return value + "T00:00:00"
    return value


def _filters(request: Request) -> tuple[service.AgreementFilters, dict]:
    params = request.query_params
    keys = ("q", "company_id", "currency", "direction", "in_force_on")
    shown = {k: params.get(k, "") for k in keys}
    currencies = {code for code, _ in service.currency_choices()}
    try:
        in_force = date.fromisoformat(shown["in_force_on"]) if shown["in_force_on"] else None
    except ValueError:
        in_force = None
    filters = service.AgreementFilters(
        q=shown["q"].strip()[:100] or None,
        company_id=as_int(shown["company_id"], 0) or None,
        currency=shown["currency"] if shown["currency"] in currencies else None,
        direction=shown["direction"] if shown["direction"] in service.DIRECTIONS else None,
        in_force_on=in_force,
    )
    return filters, shown


def version_values(version: VersionOut | None) -> dict[str, Any]:
    if version is None:
        return {
            "timezone": "UTC",
            "billing_timezone": "UTC",
            "billing_period": "monthly",
            "billing_day": "1",
            "days_for_payment": "10",
            "end_previous": True,
            **{f: "" for f in EMAIL_FIELDS},
        }
    values = {
        k: getattr(version, k)
        for k in (
            "timezone",
            "billing_timezone",
            "billing_period",
            "billing_day",
            "split_by_month",
            "days_for_payment",
        )
    }
    values["effective_from"] = version.effective_from_local[:16]
    values["effective_till"] = (version.effective_till_local or "")[:16]
    values["credit_limit"] = input_amount(version.credit_limit)
    for field in EMAIL_FIELDS:
        values[field] = "\n".join(getattr(version, field))
    return values


def version_data(values: dict[str, Any], fields: tuple[str, ...] | None = None) -> dict:
    """Form strings into the version shape: empty till = indefinitely, empty limit = unlimited."""
    data: dict[str, Any] = {
        "effective_from": local_input(values.get("effective_from", "")),
        "effective_till": local_input(values.get("effective_till", "")) or None,
        "timezone": values.get("timezone", "").strip(),
        "credit_limit": values.get("credit_limit", "").strip() or None,
        "billing_timezone": values.get("billing_timezone", "").strip(),
        "billing_period": values.get("billing_period", ""),
        "billing_day": values.get("billing_day", "").strip() or None,
        "split_by_month": bool(values.get("split_by_month")),
        "days_for_payment": values.get("days_for_payment", "").strip(),
    }
    for field in EMAIL_FIELDS:
        data[field] = [e for e in _EMAIL_SPLIT.split(str(values.get(field, ""))) if e]
    if fields is not None:
        data = {k: v for k, v in data.items() if k in fields}
    return data


def _agreement_data(values: dict[str, Any], creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {k: values.get(k) or None for k in PARTY_FIELDS}
    data["code"] = values.get("code", "").strip()
    data["agreement_date"] = values.get("agreement_date", "")
    if creating:
        data |= version_data(values)
        data["company_id"] = values.get("company_id") or None
        data["direction"] = values.get("direction") or "client"
        data["currency"] = values.get("currency", "")
    return data


async def _choices(request: Request, agreement: AgreementOut | None) -> dict[str, Any]:
    """Every choice the service could accept; an existing agreement keeps its company, so its
    form offers that company's entities and accounts only. On a new agreement the script of
    ``app.js`` narrows the lists to the chosen company (see ``core.ui.options``)."""
    scope = principal_of(request).scope
    companies = await service.company_choices(scope)
    names = {c["id"]: c["name"] for c in companies}
    entities = await service.legal_entity_choices(scope)
    accounts = await service.bank_account_choices(scope)
    if agreement is not None:
        entities = [e for e in entities if e["company"] == agreement.company_id]
        accounts = [a for a in accounts if a["company"] in (agreement.company_id, scope.company_id)]
    for e in entities:
        e["label"] = f"{names.get(e['company'], '')} — {e['name']}"
    own = [a for a in accounts if a["company"] == scope.company_id]
    return {
        "companies": companies,
        "entities": entities,
        "own_entities": await service.own_legal_entity_choices(scope),
        "accounts": [a for a in accounts if a["company"] != scope.company_id],
        "own_accounts": own,
        "currencies": service.currency_choices(),
        "zones": versions.zone_names(),
    }


async def _rule_errors(request, data: dict, errors: list[dict], agreement_id) -> list[dict]:
    """The rules broken by the fields that did parse, shown with the shape errors at once."""
    struct = AgreementCreate if agreement_id is None else AgreementUpdate
    scope = principal_of(request).scope

    async def check(partial, broken):
        return await service.rule_errors(scope, partial, agreement_id, broken)

    return await rules_of_parsed(data, errors, struct, check)


async def _form(request, values, errors, agreement=None, status=200) -> Response:
    return await page(
        request,
        "agreements/form.html",
        status=status,
        active="agreements",
        agreement=agreement,
        values=values,
        errors=by_field(errors),
        **await _choices(request, agreement),
    )


@get(BASE, include_in_schema=False, guards=VIEW)
async def agreement_list(request: Request) -> Response:
    scope = principal_of(request).scope
    filters, shown = _filters(request)
    query = TABLE.query(request)
    if csv_export.wanted(request):
        return await csv_export.respond(
            "agreements",
            AgreementOut,
            lambda rows: service.list_agreements(scope, filters, rows),
            query,
            columns=lambda rows: agreement_csv.columns(scope, filters, rows),
        )
    items, paged = await listed(lambda q: service.list_agreements(scope, filters, q), query)
    columns = TABLE.visible(request)
    keys = {c.key for c in columns}
    # one grouped query for the page, and only when a column shows it (issue 9)
    enabled = await enabled_counts([a.id for a in items]) if keys & {"services", "packs"} else {}
    return await page(
        request,
        "agreements/list.html",
        active="agreements",
        table=TABLE,
        columns=columns,
        items=items,
        enabled=enabled,
        pager=paged,
        filters=shown,
        companies=await service.company_choices(scope),
        currencies=service.currency_choices(),
    )


@get(f"{BASE}/new", include_in_schema=False, guards=MANAGE)
async def agreement_new(request: Request) -> Response:
    values = version_values(None) | {"direction": "client", "currency": "EUR"}
    values["agreement_date"] = date.today().isoformat()
    values["effective_from"] = date.today().isoformat() + "T00:00"
    return await _form(request, values, [])


@post(f"{BASE}/new", include_in_schema=False, guards=MANAGE)
async def agreement_create(request: Request) -> Response:
    values = await read_form(request, ("split_by_month",))
    data, errors = _parse(_agreement_data(values, True), AgreementCreate)
    if data is None:
        errors += await _rule_errors(request, _agreement_data(values, True), errors, None)
        return await _form(request, values, errors, status=422)
    try:
        created = await service.create_agreement(
            audit_context(request), principal_of(request).scope, data
        )
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), status=exc.status_code)
    return redirect(f"{BASE}/{created.id}", flash=f"Agreement “{created.code}” was created.")


@get(f"{BASE}/{{agreement_id:int}}", include_in_schema=False, guards=VIEW)
async def agreement_view(request: Request, agreement_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    return await page(
        request,
        "agreements/view.html",
        active="agreements",
        agreement=agreement,
        versions=await versions.list_versions(scope, agreement_id),
    )


@get(f"{BASE}/{{agreement_id:int}}/edit", include_in_schema=False, guards=MANAGE)
async def agreement_edit(request: Request, agreement_id: FromPath[int]) -> Response:
    agreement = await service.get_agreement(principal_of(request).scope, agreement_id)
    values = {k: getattr(agreement, k) for k in ("code", *PARTY_FIELDS)}
    values["agreement_date"] = agreement.agreement_date.isoformat()
    return await _form(request, values, [], agreement)


@post(f"{BASE}/{{agreement_id:int}}/edit", include_in_schema=False, guards=MANAGE)
async def agreement_update(request: Request, agreement_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    values = await read_form(request)
    data, errors = _parse(_agreement_data(values, False), AgreementUpdate)
    if data is None:
        errors += await _rule_errors(request, _agreement_data(values, False), errors, agreement_id)
        return await _form(request, values, errors, agreement, status=422)
    try:
        saved = await service.update_agreement(audit_context(request), scope, agreement_id, data)
    except (Invalid, Conflict) as exc:
        return await _form(request, values, domain_errors(exc), agreement, exc.status_code)
    return redirect(f"{BASE}/{agreement_id}", flash=f"Agreement “{saved.code}” was saved.")


async def _confirm(request, agreement, error="", status=200) -> Response:
    return await page(
        request,
        "agreements/delete.html",
        status=status,
        active="agreements",
        agreement=agreement,
        error=error,
    )


@get(f"{BASE}/{{agreement_id:int}}/delete", include_in_schema=False, guards=MANAGE)
async def agreement_delete_confirm(request: Request, agreement_id: FromPath[int]) -> Response:
    return await _confirm(
        request, await service.get_agreement(principal_of(request).scope, agreement_id)
    )


@post(f"{BASE}/{{agreement_id:int}}/delete", include_in_schema=False, guards=MANAGE)
async def agreement_delete(request: Request, agreement_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    try:
        await service.delete_agreement(audit_context(request), scope, agreement_id)
    except (Invalid, Conflict) as exc:
        return await _confirm(request, agreement, exc.detail, status=exc.status_code)
    return redirect(BASE, flash=f"Agreement “{agreement.code}” was deleted.")


# --- versions ------------------------------------------------------------------------------------


async def _version_form(request, agreement, values, errors, version=None, status=200):
    return await page(
        request,
        "agreements/version_form.html",
        status=status,
        active="agreements",
        agreement=agreement,
        version=version,
        values=values,
        errors=by_field(errors),
        zones=versions.zone_names(),
    )


@get(f"{BASE}/{{agreement_id:int}}/versions/new", include_in_schema=False, guards=MANAGE)
async def version_new(request: Request, agreement_id: FromPath[int]) -> Response:
    agreement = await service.get_agreement(principal_of(request).scope, agreement_id)
    values = version_values(agreement.current_version) | {"end_previous": True}
    values["effective_from"] = values["effective_till"] = ""
    return await _version_form(request, agreement, values, [])


@post(f"{BASE}/{{agreement_id:int}}/versions/new", include_in_schema=False, guards=MANAGE)
async def version_create(request: Request, agreement_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    values = await read_form(request, ("split_by_month", "end_previous"))
    data = version_data(values) | {"end_previous": values["end_previous"]}
    data, errors = _parse(data, VersionCreate)
    if data is None:
        return await _version_form(request, agreement, values, errors, status=422)
    try:
        await versions.add_version(audit_context(request), scope, agreement_id, data)
    except (Invalid, Conflict) as exc:
        return await _version_form(
            request, agreement, values, domain_errors(exc), status=exc.status_code
        )
    return redirect(f"{BASE}/{agreement_id}", flash="The new version was added.")


VERSION = f"{BASE}/{{agreement_id:int}}/versions/{{version_id:int}}"


@get(f"{VERSION}/edit", include_in_schema=False, guards=MANAGE)
async def version_edit(
    request: Request, agreement_id: FromPath[int], version_id: FromPath[int]
) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    version = await versions.get_version(scope, agreement_id, version_id)
    return await _version_form(request, agreement, version_values(version), [], version)


@post(f"{VERSION}/edit", include_in_schema=False, guards=MANAGE)
async def version_update(
    request: Request, agreement_id: FromPath[int], version_id: FromPath[int]
) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    version = await versions.get_version(scope, agreement_id, version_id)
    values = await read_form(request, ("split_by_month",))
    data = version_data(values)
    if (
        version.status != "upcoming"
        and data["effective_from"][:16] == (version.effective_from_local[:16])
    ):
        # a started version keeps its start; resending it unchanged must not count as a move
        data.pop("effective_from")
    data, errors = _parse(data, VersionUpdate)
    if data is None:
        return await _version_form(request, agreement, values, errors, version, status=422)
    try:
        await versions.update_version(audit_context(request), scope, agreement_id, version_id, data)
    except (Invalid, Conflict) as exc:
        return await _version_form(
            request, agreement, values, domain_errors(exc), version, exc.status_code
        )
    return redirect(f"{BASE}/{agreement_id}", flash=f"Version {version_id} was saved.")


async def _version_confirm(request, agreement, version, error="", status=200):
    return await page(
        request,
        "agreements/version_delete.html",
        status=status,
        active="agreements",
        agreement=agreement,
        version=version,
        error=error,
    )


@get(f"{VERSION}/delete", include_in_schema=False, guards=MANAGE)
async def version_delete_confirm(
    request: Request, agreement_id: FromPath[int], version_id: FromPath[int]
) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    version = await versions.get_version(scope, agreement_id, version_id)
    return await _version_confirm(request, agreement, version)


@post(f"{VERSION}/delete", include_in_schema=False, guards=MANAGE)
async def version_delete(
    request: Request, agreement_id: FromPath[int], version_id: FromPath[int]
) -> Response:
    scope = principal_of(request).scope
    agreement = await service.get_agreement(scope, agreement_id)
    version = await versions.get_version(scope, agreement_id, version_id)
    try:
        await versions.delete_version(audit_context(request), scope, agreement_id, version_id)
    except (Invalid, Conflict) as exc:
        return await _version_confirm(request, agreement, version, exc.detail, exc.status_code)
    return redirect(f"{BASE}/{agreement_id}", flash=f"Version {version_id} was deleted.")


HANDLERS = [
    agreement_list,
    agreement_new,
    agreement_create,
    agreement_view,
    agreement_edit,
    agreement_update,
    agreement_delete_confirm,
    agreement_delete,
    version_new,
    version_create,
    version_edit,
    version_update,
    version_delete_confirm,
    version_delete,
]
