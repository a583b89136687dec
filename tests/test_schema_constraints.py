"""Uniqueness the services check in Python also holds in the database, for the races."""

import pytest

from core.accounts.legal_entities.models import LegalEntity
from tenants.models import Company


async def test_two_companies_of_one_tenant_cannot_share_a_name_in_any_case(bo_factory):
    owner = await bo_factory.owner()
    await bo_factory.company(owner, name="Acme Telecom")
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Company.insert(
            Company(name="ACME telecom", kind="client", parent=owner["id"], depth=1)
        )
    other = await bo_factory.company(owner, kind="reseller")
    await bo_factory.company(other, name="Acme Telecom")  # another tenant may use it
    names = await Company.select(Company.name)
    assert sum(r["name"].casefold() == "acme telecom" for r in names) == 2


async def test_a_company_has_at_most_one_default_legal_entity(bo_factory):
    company = await bo_factory.company()
    await LegalEntity.insert(
        LegalEntity(company=company["id"], name="A", legal_name="A", is_default=True),
        LegalEntity(company=company["id"], name="B", legal_name="B", is_default=False),
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        await LegalEntity.insert(
            LegalEntity(company=company["id"], name="C", legal_name="C", is_default=True)
        )
    assert await LegalEntity.count().where(LegalEntity.company == company["id"]) == 2
