"""The money side of the demo: a bank, an own bank account and two agreements.

The tenant file format describes the tree, not agreements, so the demo adds them here through
the same services the API uses (rules, audit), once: a second run finds agreement DEMO-RS-1
and leaves everything as it is. The reseller buys under DEMO-RS-1 (its reselling agreement)
and sells to its client under DEMO-CL-1, so lists, balances, versions and the reselling page
have something to show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core import ledger
from core.accounts.agreements import service as agreements
from core.accounts.agreements.models import Agreement
from core.accounts.agreements.schemas import AgreementCreate
from core.accounts.bank_accounts import service as bank_accounts
from core.accounts.bank_accounts.schemas import BankAccountCreate
from core.accounts.banks import service as banks
from core.accounts.banks.schemas import BankCreate
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.reselling import service as reselling
from core.accounts.reselling.schemas import AssociationCreate
from core.audit.recorder import AuditContext
from core.db.engine import transaction
from tenants.models import Company
from tenants.scope import Scope

START = datetime(2026, 1, 1)


async def _entity(company_id: int) -> int:
    row = (
        await LegalEntity.select(LegalEntity.id)
        .where(LegalEntity.company == company_id)
        .order_by(LegalEntity.is_default, ascending=False)
        .first()
    )
    if row is None:
        raise RuntimeError(f"the demo company {company_id} has no legal entity")
    return row["id"]


def _terms(**extra) -> dict:
    return {
        "agreement_date": START.date(),
        "currency": "EUR",
        "effective_from": START,
        "timezone": "Europe/Berlin",
        "billing_timezone": "Europe/Berlin",
        "billing_period": "monthly",
        "billing_day": 1,
        **extra,
    }


async def seed_agreements(owner_id: int, reseller_id: int, client_id: int) -> bool:
    """Returns False when the demo agreements already exist. All or nothing: a failure half-way
    leaves no bank or account behind for the next run to trip over."""
    async with transaction():
        if await Agreement.exists().where(Agreement.code == "DEMO-RS-1"):
            return False
        await _seed(owner_id, reseller_id, client_id)
    return True


async def _seed(owner_id: int, reseller_id: int, client_id: int) -> None:
    rows = await Company.select().where(Company.id.is_in([owner_id, reseller_id]))
    scopes = {row["id"]: Scope.of(row) for row in rows}
    owner, seller = scopes[owner_id], scopes[reseller_id]
    ctx = AuditContext(company_id=owner_id, user_id=None, user_label="demo seed", ip="")
    owner_le, reseller_le = await _entity(owner_id), await _entity(reseller_id)

    bank = await banks.create_bank(
        ctx,
        owner,
        BankCreate(
            name="Demo Bank", country="GB", address="1 Demo Street, London", swift="NWBKGB2L"
        ),
    )
    account = await bank_accounts.create_bank_account(
        ctx,
        owner,
        "own",
        BankAccountCreate(
            name="Main EUR account",
            legal_entity_id=owner_le,
            bank_id=bank.id,
            holder="Demo Platform Ltd",
            number="GB82 WEST 1234 5698 7654 32",
        ),
    )
    supply = await agreements.create_agreement(
        ctx,
        owner,
        AgreementCreate(
            company_id=reseller_id,
            legal_entity_id=reseller_le,
            own_legal_entity_id=owner_le,
            own_bank_account_id=account.id,
            code="DEMO-RS-1",
            **_terms(credit_limit="1000"),
        ),
    )
    await reselling.add_association(
        ctx,
        owner,
        reseller_le,
        AssociationCreate(agreement_id=supply.id, effective_from=START, timezone="Europe/Berlin"),
    )
    await _post_usage(supply.id)
    reseller_ctx = AuditContext(company_id=reseller_id, user_id=None, user_label="demo seed", ip="")
    await agreements.create_agreement(
        reseller_ctx,
        seller,
        AgreementCreate(
            company_id=client_id,
            legal_entity_id=await _entity(client_id),
            own_legal_entity_id=reseller_le,
            code="DEMO-CL-1",
            **_terms(),
        ),
    )


async def _post_usage(agreement_id: int) -> None:
    """A top-up, a month fee and a few days of traffic, so the Ledger tab has something to show."""
    account = await ledger.main_account(agreement_id)
    day = datetime(2026, 1, 5, 9, tzinfo=UTC)
    entries = [
        ledger.Entry(account, 500_000_000, "payment", "DEMO-PAY-1", day),
        ledger.Entry(account, -49_000_000, "fee", "Monthly platform fee", day),
    ]
    for n, micros in enumerate((12_345_600, 8_120_050, 15_002_300, 9_876_540)):
        at = day + timedelta(days=n + 1)
        entries.append(ledger.Entry(account, -micros, "edr", f"SMS traffic {at:%Y-%m-%d}", at))
    await ledger.post(entries, idempotency_key="demo-usage", enforce_limit=True)
