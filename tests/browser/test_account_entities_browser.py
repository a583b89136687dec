"""A real browser through the account pages no other browser test walks: banks, own bank
accounts, legal entities, own legal entities and reselling associations, each created, found in
its list, edited and deleted through its confirmation page.

Only the steps under test go through the UI; companies, users and agreements are arranged
directly, so a failure points at the page being walked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from browser_helpers import SHOTS, sign_in

from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.legal_entities.models import LegalEntity

pytestmark = pytest.mark.browser


async def _entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=f"{name} Ltd", country="DE")
    await row.save()
    return row.id


async def _save(page) -> None:
    await page.click("form >> button:has-text('Save')")


async def test_bank_and_own_bank_account_create_list_edit_delete(
    bo_factory, live_server, browser_page
):
    """The bank is deleted last on purpose: while the account uses it, deleting it is refused."""
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await _entity(reseller, "Reseller HQ")
    admin = await bo_factory.user(reseller)
    page = browser_page
    await sign_in(page, live_server, admin["email"], admin["password"])

    # Banks: a malformed SWIFT code is refused on its field, the rest of the form is kept
    await page.click("nav >> text=Banks")
    await expect(page.locator("h1")).to_have_text("Banks")
    await page.click("text=Add bank")
    await page.fill("input[name=name]", "Hansa Bank")
    await page.select_option("select[name=country]", "DE")
    await page.fill("textarea[name=address]", "Hafenstraße 1, Hamburg")
    await page.fill("input[name=swift]", "HANS-DEFF")
    await _save(page)
    swift_field = page.locator("label.field", has=page.locator("input[name=swift]"))
    await expect(swift_field.locator(".field-error")).to_contain_text("letters and digits only")
    await expect(page.locator("input[name=name]")).to_have_value("Hansa Bank")
    await page.fill("input[name=swift]", "hansdeff")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("Hansa Bank")
    await expect(page.locator("dl.details")).to_contain_text("HANSDEFF")

    await page.click("text=Close")
    row = page.locator("tbody tr", has_text="Hansa Bank")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Germany")
    await expect(row).to_contain_text("HANSDEFF")
    await expect(row).to_contain_text("Reseller One")
    await row.locator("text=Edit").click()
    await page.fill("input[name=name]", "Hansa Bank AG")
    await page.fill("input[name=branch_code]", "200")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("Hansa Bank AG")
    await expect(page.locator("h1")).to_contain_text("Hansa Bank AG")
    await expect(page.locator("dl.details")).to_contain_text("200")
    await page.screenshot(path=str(SHOTS / "bo_bank_view.png"), full_page=True)

    # Own bank accounts: opened at that bank for the reseller's own legal entity
    await page.click("nav >> text=Own bank accounts")
    await expect(page.locator("h1")).to_have_text("Own bank accounts")
    await page.click("text=Add bank account")
    await page.fill("input[name=name]", "Operating EUR")
    await page.select_option("select[name=legal_entity_id]", label="Reseller HQ")
    await page.select_option("select[name=bank_id]", label="Hansa Bank AG")
    await page.fill("input[name=holder]", "Reseller One GmbH")
    await page.fill("input[name=number]", "DE89370400440532013000")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("Operating EUR")
    await page.goto(live_server + "/own-bank-accounts")  # creating lands on its page
    row = page.locator("tbody tr", has_text="Operating EUR")
    await expect(row).to_contain_text("DE89 3704 0044 0532 0130 00")
    await expect(row).to_contain_text("Reseller HQ")
    await expect(row).to_contain_text("Hansa Bank AG")
    await page.screenshot(path=str(SHOTS / "bo_own_bank_accounts.png"), full_page=True)
    await row.locator("text=Edit").click()
    await page.fill("input[name=name]", "Operating EUR main")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("was saved")
    await expect(page.locator("h1")).to_contain_text("Operating EUR main")

    # the bank cannot go while the account uses it; the confirmation page says why
    await page.goto(live_server + "/banks")
    await page.locator("tbody tr", has_text="Hansa Bank AG").locator("text=Delete").click()
    await expect(page.locator("h1")).to_have_text("Delete bank")
    await page.click("button:has-text('Delete bank')")
    await expect(page.locator(".alert-error")).to_contain_text("still used by 1 bank account")

    await page.goto(live_server + "/own-bank-accounts")
    await page.locator("tbody tr", has_text="Operating EUR main").locator("text=Delete").click()
    await expect(page.locator("h1")).to_have_text("Delete own bank account")
    await page.click("button:has-text('Delete bank account')")
    await expect(page.locator(".alert-success")).to_contain_text("was deleted")
    await expect(page.locator("td.empty")).to_be_visible()

    await page.goto(live_server + "/banks")
    await page.locator("tbody tr", has_text="Hansa Bank AG").locator("text=Delete").click()
    await page.click("button:has-text('Delete bank')")
    await expect(page.locator(".alert-success")).to_contain_text("Hansa Bank AG” was deleted")
    await expect(page.locator("td.empty")).to_be_visible()


async def _fill_entity(page, name: str, country: str = "DE") -> None:
    await page.fill("input[name=name]", name)
    await page.fill("input[name=legal_name]", f"{name} Ltd")
    await page.select_option("select[name=country]", country)


def _default_of(page, name: str):
    """The "Is default" cell of the row naming ``name``."""
    return page.locator("tbody tr", has_text=name).locator("td.col-is_default")


async def test_legal_entities_and_own_legal_entities_with_the_default_flag(
    bo_factory, live_server, browser_page
):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await bo_factory.company(reseller, "client", name="Client Co")
    admin = await bo_factory.user(reseller)
    page = browser_page
    await sign_in(page, live_server, admin["email"], admin["password"])

    # Legal entities of a client: required fields first, then the first one becomes default
    await page.click("nav >> text=Legal entities")
    await expect(page.locator("h1")).to_have_text("Legal entities")
    await page.click("text=Add legal entity")
    await _save(page)
    name_field = page.locator("label.field", has=page.locator("input[name=name]"))
    await expect(name_field.locator(".field-error")).to_have_text("Required")
    await _fill_entity(page, "Client Main")
    await page.select_option("select[name=company_id]", label="Client Co")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("Client Main")
    await page.goto(live_server + "/legal-entities")  # creating lands on its page
    row = page.locator("tbody tr", has_text="Client Main")
    await expect(row).to_contain_text("Client Co")
    await expect(row).to_contain_text("Germany")
    await expect(_default_of(page, "Client Main")).to_have_text("Yes")

    # a second one marked default takes the flag away from the first
    await page.click("text=Add legal entity")
    await _fill_entity(page, "Client Second", "FR")
    await page.select_option("select[name=company_id]", label="Client Co")
    await page.check("input[name=is_default]")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("Client Second")
    await page.goto(live_server + "/legal-entities")  # creating lands on its page
    await expect(_default_of(page, "Client Second")).to_have_text("Yes")
    await expect(_default_of(page, "Client Main")).to_have_text("No")
    await page.screenshot(path=str(SHOTS / "bo_legal_entities.png"), full_page=True)

    # editing the first one back into the default
    await page.locator("tbody tr", has_text="Client Main").locator("text=Edit").click()
    await page.fill("input[name=name]", "Client Main GmbH")
    await page.check("input[name=is_default]")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("Client Main GmbH")
    await expect(page.locator("h1 .badge-yes")).to_have_text("default")
    await page.click(".breadcrumb >> text=Legal entities")
    await expect(_default_of(page, "Client Main GmbH")).to_have_text("Yes")
    await expect(_default_of(page, "Client Second")).to_have_text("No")

    # deleting the default promotes none, and the notice says so
    await page.locator("tbody tr", has_text="Client Main GmbH").locator("text=Delete").click()
    await expect(page.locator("h1")).to_have_text("Delete legal entity")
    await expect(page.locator(".confirm")).to_contain_text("default legal entity")
    await page.click("button:has-text('Delete legal entity')")
    await expect(page.locator(".alert-success")).to_contain_text("Client Co has no default now")
    await expect(page.locator("tbody tr", has_text="Client Main GmbH")).to_have_count(0)
    await expect(_default_of(page, "Client Second")).to_have_text("No")

    # Own legal entities: the same pages for the signed-in company itself
    await page.click("nav >> text=Own legal entities")
    await expect(page.locator("h1")).to_have_text("Own legal entities")
    await expect(page.locator("text=Client Second")).to_have_count(0)  # not the client's
    await page.click("text=Add legal entity")
    await expect(page.locator("select[name=company_id]")).to_have_count(0)
    await _fill_entity(page, "Reseller HQ")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("Reseller HQ")
    await page.goto(live_server + "/own-legal-entities")  # creating lands on its page
    await expect(_default_of(page, "Reseller HQ")).to_have_text("Yes")
    await page.locator("tbody tr", has_text="Reseller HQ").locator("text=Edit").click()
    await page.fill("input[name=vat_id]", "DE123456789")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("was saved")
    await expect(page.locator("dl.details")).to_contain_text("DE123456789")
    await page.screenshot(path=str(SHOTS / "bo_own_legal_entity.png"), full_page=True)
    await page.click(".page-actions >> text=Delete")
    await expect(page.locator("h1")).to_have_text("Delete own legal entity")
    await page.click("button:has-text('Delete legal entity')")
    await expect(page.locator(".alert-success")).to_contain_text("Reseller HQ” was deleted")
    await expect(page.locator("td.empty")).to_be_visible()


async def test_reselling_association_add_list_edit_delete(bo_factory, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    tenant = await bo_factory.company(owner, "reseller", name="Tenant One")
    sub = await bo_factory.company(tenant, "reseller", name="Sub Reseller")
    own_entity = await _entity(tenant, "Tenant Entity")
    sub_entity = await _entity(sub, "Sub Entity")
    agreement = Agreement(
        company=sub["id"],
        legal_entity=sub_entity,
        own_legal_entity=own_entity,
        code="RS-7",
        agreement_date=date(2025, 1, 1),
        currency="EUR",
    )
    await agreement.save()
    await AgreementVersion(
        agreement=agreement.id,
        effective_from=datetime(2025, 1, 1, tzinfo=UTC),
        credit_limit=250_000_000,
    ).save()
    admin = await bo_factory.user(tenant)
    page = browser_page
    await sign_in(page, live_server, admin["email"], admin["password"])

    await page.goto(f"{live_server}/legal-entities/{sub_entity}")
    await expect(page.locator("h1")).to_contain_text("Sub Entity")
    await page.click("text=Manage reselling agreements")
    await expect(page.locator("h1")).to_have_text("Reselling agreements of Sub Entity")
    await expect(page.locator("table.reselling td.empty")).to_be_visible()

    await page.select_option("select[name=agreement_id]", label="RS-7, EUR")
    await page.click("button:has-text('Add')")  # no start date
    start = page.locator("label.field", has=page.locator("input[name=effective_from]"))
    await expect(start.locator(".field-error")).to_have_text("Required")
    await page.fill("input[name=effective_from]", "2025-03-01T01:00")
    await page.fill("input[name=timezone]", "Europe/Berlin")
    await page.click("button:has-text('Add')")
    await expect(page.locator(".alert-success")).to_contain_text("was added")
    row = page.locator("table.reselling tbody tr", has_text="RS-7")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("current")
    await expect(row).to_contain_text("250.00 EUR")
    await expect(row).to_contain_text("2025-03-01 01:00 Europe/Berlin")  # shown as entered
    await expect(row).to_contain_text("indefinitely")
    await page.screenshot(path=str(SHOTS / "bo_reselling_manage.png"), full_page=True)

    await row.locator("text=Edit").click()
    await expect(page.locator("input[name=effective_from]")).to_have_value("2025-03-01T01:00")
    await expect(page.locator("input[name=timezone]")).to_have_value("Europe/Berlin")
    await page.fill("input[name=effective_till]", "2031-01-01T00:00")
    await _save(page)
    await expect(page.locator(".alert-success")).to_contain_text("was saved")
    await expect(row).to_contain_text("2031-01-01 00:00")
    await expect(row).not_to_contain_text("indefinitely")

    await row.locator("text=Delete").click()
    await expect(page.locator("h1")).to_have_text("Remove reselling agreement")
    await expect(page.locator(".confirm")).to_contain_text("RS-7")
    await page.click("button:has-text('Remove')")
    await expect(page.locator(".alert-success")).to_contain_text("was removed")
    await expect(page.locator("table.reselling td.empty")).to_be_visible()
