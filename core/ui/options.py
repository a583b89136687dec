"""Choices that follow another choice, as JSON for the dependent selects of the forms.

A select marked ``data-depends-on="company_id" data-options-url="/ui/options/legal-entities"``
is refilled by ``app.js`` from ``/ui/options/legal-entities?company_id=<chosen>`` when the
company changes. The server still renders every choice, so a form works without JavaScript,
and the services still refuse a mismatched pair: these endpoints only save a wrong pick.

Each endpoint answers for the caller's tenant only: a company, legal entity or agreement the
caller cannot see is a 404, exactly as its own page would be.
"""

from __future__ import annotations

from litestar import Request, get

from core.access.guards import requires
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.legal_entities.models import LegalEntity
from core.errors import NotFound
from core.ui.tables import as_int
from core.web.context import principal_of
from tenants.models import Company
from tenants.scope import Scope, in_scope

VIEW = [requires("account_management", "view")]
BASE = "/ui/options"


def _id(request: Request, name: str) -> int | None:
    """The parent's id from the query: absent or empty is None, anything else must be an id."""
    raw = request.query_params.get(name, "")
    if raw == "":
        return None
    value = as_int(raw, 0)
    if value <= 0:
        raise NotFound(f"{name.removesuffix('_id').replace('_', ' ')} {raw[:40]!r} not found")
    return value


def _options(rows: list[dict]) -> list[dict[str, str]]:
    return [{"value": str(r["id"]), "label": r["name"]} for r in rows]


async def _visible_company(scope: Scope, company_id: int) -> None:
    """The caller's own company or one it created; anything else does not exist for it."""
    mine = (Company.id == scope.company_id) | (Company.parent == scope.company_id)
    if not await Company.exists().where(Company.id == company_id, mine):
        raise NotFound(f"company {company_id} not found")


async def _visible_entity(scope: Scope, entity_id: int) -> None:
    visible = in_scope(LegalEntity, scope)
    if not await LegalEntity.exists().where(LegalEntity.id == entity_id, visible):
        raise NotFound(f"legal entity {entity_id} not found")


@get(f"{BASE}/legal-entities", include_in_schema=False, guards=VIEW)
async def legal_entity_options(request: Request) -> list[dict[str, str]]:
    """The legal entities of one company (the caller's own or one it created)."""
    company_id = _id(request, "company_id")
    if company_id is None:
        return []
    await _visible_company(principal_of(request).scope, company_id)
    rows = await (
        LegalEntity.select(LegalEntity.id, LegalEntity.name)
        .where(LegalEntity.company == company_id)
        .order_by(LegalEntity.name)
    )
    return _options(rows)


@get(f"{BASE}/bank-accounts", include_in_schema=False, guards=VIEW)
async def bank_account_options(request: Request) -> list[dict[str, str]]:
    """The bank accounts of one legal entity the caller can see."""
    entity_id = _id(request, "legal_entity_id")
    if entity_id is None:
        return []
    await _visible_entity(principal_of(request).scope, entity_id)
    rows = await (
        BankAccount.select(BankAccount.id, BankAccount.name)
        .where(BankAccount.legal_entity == entity_id)
        .order_by(BankAccount.name)
    )
    return _options(rows)


HANDLERS = [legal_entity_options, bank_account_options]
