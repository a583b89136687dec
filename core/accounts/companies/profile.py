"""The company profile page: overview, finance and assets of one company, for a period.

Kept apart from the tree rules in ``companies``: this module only reads, and it is where
traffic, invoices, payments, services and templates will be joined in as their issues land.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.accounts.agreements.models import Agreement
from core.accounts.agreements.versions import local_text, versions_in_force
from core.accounts.companies.schemas import (
    AgreementSummary,
    Assets,
    CompanyProfile,
    Finance,
    LegalEntitySummary,
    Overview,
    TrafficRow,
)
from core.accounts.companies.service import get_company
from core.accounts.legal_entities.models import LegalEntity
from core.errors import Invalid
from core.ledger.models import agreement_balance
from core.money import amount_text
from core.plugins import registry
from tenants.scope import Scope

PERIODS = ("day", "month", "year")


def period_bounds(period: str, at: datetime) -> tuple[datetime, datetime]:
    """The current calendar day, month or year (UTC), from its start up to ``at``."""
    if period not in PERIODS:
        raise Invalid.field("period", "must be day, month or year")
    at = at.astimezone(UTC)
    start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if period != "day":
        start = start.replace(day=1)
    if period == "year":
        start = start.replace(month=1)
    return start, at


def _traffic() -> list[TrafficRow]:
    """One row per registered channel. No traffic is recorded anywhere yet, so every count is
    a true zero; the rows come from the registry so new channels show up on their own."""
    channels = registry.channels()
    return [TrafficRow(key, channels[key].name, 0, 0) for key in sorted(channels)]


def _local(version: dict | None, key: str) -> str | None:
    """A version's bound in the zone it was entered in: the Finance tab must show the start the
    agreement pages show ("2026-01-01 00:00 Europe/Berlin"), not its UTC instant's day."""
    return local_text(version[key], version["timezone"]) if version else None


async def _agreements(company_id: int, at: datetime) -> list[AgreementSummary]:
    rows = await (
        Agreement.select(
            Agreement.id,
            Agreement.code,
            Agreement.currency,
            agreement_balance(Agreement.id).as_alias("balance"),
            Agreement.legal_entity,
            Agreement.legal_entity.name.as_alias("legal_entity_name"),
        )
        .where(Agreement.company == company_id)
        .order_by(Agreement.id)
    )
    versions = await versions_in_force([r["id"] for r in rows], at) if rows else {}
    items = []
    for row in rows:
        version = versions.get(row["id"])
        limit = version["credit_limit"] if version else None
        items.append(
            AgreementSummary(
                id=row["id"],
                code=row["code"],
                currency=row["currency"],
                legal_entity_id=row["legal_entity"],
                legal_entity_name=row["legal_entity_name"],
                balance=amount_text(row["balance"]),
                credit_limit=amount_text(limit),
                version_id=version["id"] if version else None,
                effective_from=version["effective_from"] if version else None,
                effective_till=version["effective_till"] if version else None,
                timezone=version["timezone"] if version else None,
                effective_from_local=_local(version, "effective_from"),
                effective_till_local=_local(version, "effective_till"),
            )
        )
    return items


async def company_profile(
    scope: Scope, company_id: int, period: str, at: datetime | None = None
) -> CompanyProfile:
    """Header, overview, finance and assets of one company of the caller's scope.

    Invoices, payments, enabled services, templates and traffic have no tables yet: those
    lists are empty because there is nothing to show, not because anything is hidden.
    """
    at = at or datetime.now(UTC)
    start, end = period_bounds(period, at)
    company = await get_company(scope, company_id)
    entities = await (
        LegalEntity.select(
            LegalEntity.id,
            LegalEntity.name,
            LegalEntity.legal_name,
            LegalEntity.country,
            LegalEntity.is_default,
        )
        .where(LegalEntity.company == company_id)
        .order_by(LegalEntity.name)
    )
    return CompanyProfile(
        company=company,
        period=period,
        period_from=start,
        period_to=end,
        overview=Overview(traffic=_traffic(), top_senders=[]),
        finance=Finance(
            legal_entities=[LegalEntitySummary(**e) for e in entities],
            agreements=await _agreements(company_id, at),
            invoices=[],
            payments=[],
            services=[],
        ),
        assets=Assets(templates=[]),
    )
