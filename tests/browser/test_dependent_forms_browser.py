"""A real browser: selects follow the choice above them without a reload, and the two-factor
warning follows its checkbox."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity

pytestmark = pytest.mark.browser


async def _entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=name, country="DE")
    await row.save()
    return row.id


async def _account(company: dict, entity: int, name: str) -> None:
    bank = Bank(company=company["id"], name=f"Bank {name}", country="DE", address="Main St 1")
    await bank.save()
    await BankAccount(
        company=company["id"],
        legal_entity=entity,
        bank=bank.id,
        name=name,
        holder=name,
        number=f"ACC{bank.id}",
    ).save()


async def _labels(select) -> list[str]:
    return [t.strip() for t in await select.locator("option").all_inner_texts()]


async def test_agreement_form_selects_follow_the_company(bo_factory, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    tenant = await bo_factory.company(owner, "reseller", name="Tenant")
    alpha = await bo_factory.company(tenant, "client", name="Alpha")
    beta = await bo_factory.company(tenant, "client", name="Beta")
    await _entity(tenant, "Tenant Own")
    alpha_le = await _entity(alpha, "Alpha Sales")
    await _entity(alpha, "Alpha Ops")
    beta_le = await _entity(beta, "Beta Sales")
    await _account(alpha, alpha_le, "Alpha EUR")
    await _account(beta, beta_le, "Beta EUR")
    user = await bo_factory.user(tenant)
    page = browser_page
    await sign_in(page, live_server, user["email"], user["password"])
    await page.goto(live_server + "/agreements/new")
    entities = page.locator("select[name=legal_entity_id]")
    accounts = page.locator("select[name=bank_account_id]")
    # without a company every choice is offered, as the server rendered it
    assert len(await _labels(entities)) == 4

    await page.select_option("select[name=company_id]", label="Alpha")
    await expect(entities.locator("option")).to_have_count(3)
    assert await _labels(entities) == ["Choose…", "Alpha Ops", "Alpha Sales"]
    await page.select_option("select[name=legal_entity_id]", label="Alpha Sales")
    await expect(accounts.locator("option")).to_have_count(2)
    assert await _labels(accounts) == ["None", "Alpha EUR"]
    await page.select_option("select[name=bank_account_id]", label="Alpha EUR")
    await page.screenshot(path=str(SHOTS / "forms-dependent-agreement.png"), full_page=True)

    # another company: its entities only, and the picks of the first company are let go
    await page.select_option("select[name=company_id]", label="Beta")
    await expect(entities.locator("option")).to_have_count(2)
    assert await _labels(entities) == ["Choose…", "Beta Sales"]
    assert await entities.input_value() == ""
    await expect(accounts.locator("option")).to_have_count(3)  # back to every account
    assert await accounts.input_value() == ""


async def test_two_factor_warning_follows_the_checkbox(bo_factory, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    page = browser_page
    await sign_in(page, live_server, user["email"], user["password"])
    await page.goto(live_server + "/companies/new")
    warning = page.locator("[data-shown-when=two_factor_required]")
    await expect(warning).to_be_hidden()
    await page.check("input[name=two_factor_required]")
    await expect(warning).to_be_visible()
    await page.uncheck("input[name=two_factor_required]")
    await expect(warning).to_be_hidden()
