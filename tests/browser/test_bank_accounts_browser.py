"""A real browser: add a client's bank account, find it in the list, edit it, delete it."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in

from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity

pytestmark = pytest.mark.browser


async def test_bank_account_create_list_edit_delete(bo_factory, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    await LegalEntity(company=client["id"], name="Client Ltd", legal_name="Client Ltd").save()
    await Bank(company=owner["id"], name="Owner Bank", country="DE", address="Main 1").save()
    admin = await bo_factory.user(reseller)
    page = browser_page

    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.click("nav >> text=Bank accounts")
    await expect(page.locator("h1")).to_have_text("Bank accounts")
    await page.click("text=Add bank account")
    await page.fill("input[name=name]", "Main EUR")
    await page.select_option("select[name=legal_entity_id]", label="Client Ltd")
    await page.select_option("select[name=bank_id]", label="Owner Bank")
    await page.fill("input[name=holder]", "Client Co GmbH")
    await page.fill("input[name=number]", "DE89 3704 0044 0532 0130 01")  # wrong checksum
    await page.click("button:has-text('Save')")
    await expect(page.locator(".field-error")).to_contain_text("not a valid one")
    await page.fill("input[name=number]", "de89 3704 0044 0532 0130 00")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("Main EUR")
    await page.goto(live_server + "/bank-accounts")  # creating lands on its page
    row = page.locator("tr", has_text="Main EUR")
    await expect(row).to_contain_text("DE89 3704 0044 0532 0130 00")
    await expect(row).to_contain_text("Client Co")
    await page.screenshot(path=str(SHOTS / "bo_bank_accounts.png"), full_page=True)

    await row.locator("text=Edit").click()
    await page.fill("input[name=name]", "Main EUR account")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("was saved")
    await expect(page.locator("h1")).to_contain_text("Main EUR account")

    await page.click("a:has-text('Delete')")
    await expect(page.locator("h1")).to_have_text("Delete bank account")
    await page.click("button:has-text('Delete bank account')")
    await expect(page.locator(".alert-success")).to_contain_text("was deleted")
    await expect(page.locator("td.empty")).to_be_visible()
