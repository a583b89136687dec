"""Account management → Bank accounts and Settings → Own bank accounts.

Both sections are one set of pages built twice from a ``Section``, as for legal entities; the
rules, the scope and the audit trail live in ``core.accounts.bank_accounts.service``. The select
boxes only offer what the service would accept, so a valid choice is always at hand; a forged
value still meets the service's own checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from core.access.guards import requires
from core.access.service import at_least, best_level
from core.accounts.bank_accounts import service
from core.accounts.bank_accounts.schemas import (
    BankAccountCreate,
    BankAccountOut,
    BankAccountUpdate,
)
from core.accounts.legal_entities.service import company_choices
from core.errors import Conflict, Forbidden, Invalid
from core.ui.forms import by_field, domain_errors, parse, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, as_int, listed, register
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.rule_check import rules_of_parsed

FIELDS = ("name", "legal_entity_id", "bank_id", "holder", "number")


def _columns(company_shown: bool) -> tuple[Column, ...]:
    return (
        Column("id", "ID", "id"),
        Column("name", "Name", "name"),
        Column("company", "Company", "company", default=company_shown),
        Column("legal_entity", "Legal entity", "legal_entity"),
        Column("bank", "Bank", "bank"),
        Column("holder", "Account holder", "holder", default=False),
        Column("number", "Account number", "number"),
        Column("origin", "Opened by", default=not company_shown),
        Column("created", "Created", "created_at", default=False),
        Column("updated", "Updated", "updated_at", default=False),
    )


@dataclass(frozen=True)
class Section:
    realm: service.Realm
    area: str
    base: str
    title: str
    singular: str
    group: str
    table: Table

    @property
    def asks_company(self) -> bool:
        return self.realm == "clients"

    @property
    def view(self) -> list:
        return [requires(self.area, "view")]

    @property
    def manage(self) -> list:
        return [requires(self.area, "manage")]


CLIENTS = Section(
    "clients",
    "account_management",
    "/bank-accounts",
    "Bank accounts",
    "Bank account",
    "Account management",
    register(Table("bank_accounts", _columns(True))),
)
OWN = Section(
    "own",
    "settings",
    "/own-bank-accounts",
    "Own bank accounts",
    "Own bank account",
    "Settings",
    register(Table("own_bank_accounts", _columns(False))),
)


def spaced(number: str) -> str:
    """An IBAN in the groups of four it is usually read in; other numbers as stored."""
    if not service.looks_like_iban(number):
        return number
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _filters(request: Request, section: Section) -> tuple[service.BankAccountFilters, dict]:
    params = request.query_params
    keys = ("q", "company_id", "legal_entity_id", "bank_id")
    shown = {k: params.get(k, "").strip()[:200] for k in keys}
    filters = service.BankAccountFilters(
        q=shown["q"] or None,
        company_id=(as_int(shown["company_id"], 0) or None) if section.asks_company else None,
        legal_entity_id=as_int(shown["legal_entity_id"], 0) or None,
        bank_id=as_int(shown["bank_id"], 0) or None,
    )
    return filters, shown


def _values(account: BankAccountOut) -> dict[str, Any]:
    return {
        "name": account.name,
        "legal_entity_id": account.legal_entity_id,
        "bank_id": account.bank_id,
        "holder": account.holder,
        "number": spaced(account.number),
    }


def _as_data(values: dict[str, Any]) -> dict[str, Any]:
    """Form strings into the API's shape; an unchosen select is a missing field."""
    data = {k: values.get(k, "") for k in FIELDS}
    for key in ("legal_entity_id", "bank_id"):
        if data[key] in ("", None):
            del data[key]
    return data


def _make_handlers(section: Section) -> list:
    base, realm = section.base, section.realm
    struct = {True: BankAccountCreate, False: BankAccountUpdate}

    async def _can_change(request: Request) -> bool:
        """Clients only read the accounts their tenant keeps (the service enforces it too)."""
        if realm == "own" and principal_of(request).scope.company_kind == "client":
            return False
        level = await best_level(principal_of(request), [section.area], request.scope)
        return at_least(level, "manage")

    async def _entities(request: Request, account: BankAccountOut | None) -> list[dict]:
        rows = await service.entity_choices(principal_of(request).scope, realm)
        if account is not None:  # an account keeps its company
            rows = [r for r in rows if r["company"] == account.company_id]
        return rows

    async def _form(request, values, errors, account=None, status=200) -> Response:
        scope = principal_of(request).scope
        asks = section.asks_company and account is None
        return await page(
            request,
            "bank_accounts/form.html",
            status=status,
            active=section.table.name,
            section=section,
            account=account,
            values=values,
            errors=by_field(errors),
            entities=await _entities(request, account),
            banks=await service.bank_choices(scope),
            companies=await company_choices(scope) if asks else [],
        )

    async def _company_mismatch(request: Request, values: dict[str, Any]) -> list[dict]:
        """The company select only narrows the legal entities; a pick from another company
        (possible without JavaScript) is pointed out rather than silently taken."""
        chosen = as_int(values.get("company_id"), 0)
        entity = as_int(values.get("legal_entity_id"), 0)
        if not (section.asks_company and chosen and entity):
            return []
        rows = await service.entity_choices(principal_of(request).scope, realm)
        if any(r["id"] == entity and r["company"] != chosen for r in rows):
            return [{"field": "legal_entity_id", "message": "belongs to another company"}]
        return []

    async def _rule_errors(request, values, errors, account_id) -> list[dict]:
        """The rules broken by the fields that did parse, shown with the shape errors."""
        data = _as_data(values)
        # on a new account an unchosen select is already "Required": not judged twice
        skip = [k for k in FIELDS if k not in data] if account_id is None else []
        scope = principal_of(request).scope

        async def check(partial, broken):
            return await service.rule_errors(scope, realm, partial, account_id, broken)

        return await rules_of_parsed(data, errors, BankAccountUpdate, check, skip=skip)

    @get(base, include_in_schema=False, guards=section.view)
    async def account_list(request: Request) -> Response:
        scope = principal_of(request).scope
        filters, shown = _filters(request, section)
        query = section.table.query(request)
        if csv_export.wanted(request):
            return await csv_export.respond(
                section.base.strip("/"),
                BankAccountOut,
                lambda rows: service.list_bank_accounts(scope, realm, filters, rows),
                query,
            )
        items, paged = await listed(
            lambda q: service.list_bank_accounts(scope, realm, filters, q), query
        )
        return await page(
            request,
            "bank_accounts/list.html",
            active=section.table.name,
            section=section,
            table=section.table,
            columns=section.table.visible(request),
            items=items,
            pager=paged,
            filters=shown,
            companies=await company_choices(scope) if section.asks_company else [],
            entities=await service.entity_choices(scope, realm),
            banks=await service.bank_choices(scope),
            can_change=await _can_change(request),
            spaced=spaced,
        )

    @get(f"{base}/new", include_in_schema=False, guards=section.manage)
    async def account_new(request: Request) -> Response:
        return await _form(request, dict.fromkeys(FIELDS, ""), [])

    @post(f"{base}/new", include_in_schema=False, guards=section.manage)
    async def account_create(request: Request) -> Response:
        values = await read_form(request)
        data, errors = parse(_as_data(values), struct[True])
        errors += await _company_mismatch(request, values)
        if data is None:
            errors += await _rule_errors(request, values, errors, None)
        if data is None or errors:
            return await _form(request, values, errors, status=422)
        try:
            created = await service.create_bank_account(
                audit_context(request), principal_of(request).scope, realm, data
            )
        except (Invalid, Conflict, Forbidden) as exc:
            return await _form(request, values, domain_errors(exc), status=exc.status_code)
        return redirect(
            f"{base}/{created.id}", flash=f"{section.singular} “{created.name}” was created."
        )

    @get(f"{base}/{{account_id:int}}", include_in_schema=False, guards=section.view)
    async def account_view(request: Request, account_id: FromPath[int]) -> Response:
        account = await service.get_bank_account(principal_of(request).scope, realm, account_id)
        return await page(
            request,
            "bank_accounts/view.html",
            active=section.table.name,
            section=section,
            account=account,
            can_change=await _can_change(request),
            spaced=spaced,
        )

    @get(f"{base}/{{account_id:int}}/edit", include_in_schema=False, guards=section.manage)
    async def account_edit(request: Request, account_id: FromPath[int]) -> Response:
        account = await service.get_bank_account(principal_of(request).scope, realm, account_id)
        return await _form(request, _values(account), [], account)

    @post(f"{base}/{{account_id:int}}/edit", include_in_schema=False, guards=section.manage)
    async def account_update(request: Request, account_id: FromPath[int]) -> Response:
        scope = principal_of(request).scope
        account = await service.get_bank_account(scope, realm, account_id)
        values = await read_form(request)
        data, errors = parse(_as_data(values), struct[False])
        if data is None:
            errors += await _rule_errors(request, values, errors, account_id)
            return await _form(request, values, errors, account, status=422)
        try:
            saved = await service.update_bank_account(
                audit_context(request), scope, realm, account_id, data
            )
        except (Invalid, Conflict, Forbidden) as exc:
            return await _form(request, values, domain_errors(exc), account, exc.status_code)
        return redirect(
            f"{base}/{account_id}", flash=f"{section.singular} “{saved.name}” was saved."
        )

    async def _confirm(request, account, error="", status=200) -> Response:
        return await page(
            request,
            "bank_accounts/delete.html",
            status=status,
            active=section.table.name,
            section=section,
            account=account,
            error=error,
            spaced=spaced,
        )

    @get(f"{base}/{{account_id:int}}/delete", include_in_schema=False, guards=section.manage)
    async def account_delete_confirm(request: Request, account_id: FromPath[int]) -> Response:
        account = await service.get_bank_account(principal_of(request).scope, realm, account_id)
        return await _confirm(request, account)

    @post(f"{base}/{{account_id:int}}/delete", include_in_schema=False, guards=section.manage)
    async def account_delete(request: Request, account_id: FromPath[int]) -> Response:
        scope = principal_of(request).scope
        account = await service.get_bank_account(scope, realm, account_id)
        try:
            await service.delete_bank_account(audit_context(request), scope, realm, account_id)
        except (Invalid, Conflict, Forbidden) as exc:
            return await _confirm(request, account, exc.detail, status=exc.status_code)
        return redirect(base, flash=f"{section.singular} “{account.name}” was deleted.")

    return [
        account_list,
        account_new,
        account_create,
        account_view,
        account_edit,
        account_update,
        account_delete_confirm,
        account_delete,
    ]


HANDLERS = [*_make_handlers(CLIENTS), *_make_handlers(OWN)]
