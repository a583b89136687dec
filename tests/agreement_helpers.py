"""An agreement written straight to the tables, for tests that need one to hang other rows on
(enabled services, balances, query counts) and are not about creating agreements: the API's
own rules and audit are tested in ``test_agreements_api``."""

from __future__ import annotations

from datetime import date


async def agreement_between(
    buyer: dict, seller: dict, code: str = "A-1", currency: str = "EUR"
) -> int:
    """``buyer`` and ``seller`` are companies as the factory returns them; each gets a legal
    entity named after ``code``."""
    from core.accounts.agreements.models import Agreement
    from core.accounts.legal_entities.models import LegalEntity

    theirs = LegalEntity(company=buyer["id"], name=f"{code} b", legal_name="B", country="DE")
    ours = LegalEntity(company=seller["id"], name=f"{code} s", legal_name="S", country="DE")
    await theirs.save()
    await ours.save()
    agreement = Agreement(
        company=buyer["id"],
        legal_entity=theirs.id,
        own_legal_entity=ours.id,
        code=code,
        agreement_date=date(2026, 1, 1),
        currency=currency,
    )
    await agreement.save()
    return agreement.id
