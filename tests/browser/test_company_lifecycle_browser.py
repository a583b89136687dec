"""A real browser: create a company, find it, edit it, block and unblock it, delete it."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in

from core.accounts.legal_entities.models import LegalEntity

pytestmark = pytest.mark.browser


async def test_company_create_list_edit_block_unblock_delete(bo_factory, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await LegalEntity(company=reseller["id"], name="Seller GmbH", is_default=True).save()
    admin = await bo_factory.user(reseller)
    page = browser_page

    await sign_in(page, live_server, admin["email"], admin["password"])
    await expect(page.locator("nav.menu")).to_contain_text("Companies")
    await page.goto(live_server + "/companies/new")
    await page.fill("input[name=name]", "Lifecycle Client")
    await expect(page.locator("select[name=own_legal_entity_id]")).to_contain_text("Seller GmbH")
    await expect(page.locator("form.form")).to_contain_text("needs a phone number")
    await page.check("input[name=invoices_enabled]")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("Lifecycle Client")
    await page.goto(live_server + "/companies")  # creating lands on its page
    row = page.locator("tr", has_text="Lifecycle Client")
    await expect(row).to_contain_text("Seller GmbH")

    await row.locator("a.row-link").click()
    await expect(page.locator("h1")).to_contain_text("Lifecycle Client")
    # a zero row per registered channel (the bundled channel plugins), no traffic recorded yet
    whatsapp = page.locator("main tr").filter(has=page.locator("td", has_text="WhatsApp"))
    await expect(whatsapp).to_have_text("WhatsApp00")
    await page.click("a.tab:has-text('Finance')")
    await expect(page.locator("main")).to_contain_text("No invoices yet.")
    await page.screenshot(path=str(SHOTS / "bo_company_profile.png"), full_page=True)

    await page.click(".page-actions >> text=Edit")
    await page.fill("input[name=name]", "Lifecycle Client Ltd")
    await page.check("input[name=two_factor_required]")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("was saved")
    await expect(page.locator("h1")).to_contain_text("Lifecycle Client Ltd")
    await expect(page.locator(".badges")).to_contain_text("Two-factor required")

    await page.click(".page-actions >> text=Block")
    await expect(page.locator("h1")).to_have_text("Block company")
    await page.click("button:has-text('Block company')")
    await expect(page.locator(".alert-success")).to_contain_text("was blocked")
    await expect(page.locator(".badges")).to_contain_text("Blocked")
    await page.click(".page-actions >> text=Unblock")
    await page.click("button:has-text('Unblock company')")
    await expect(page.locator(".alert-success")).to_contain_text("was unblocked")
    await expect(page.locator(".badges")).to_contain_text("Enabled")

    await page.click(".page-actions >> text=Delete")
    await expect(page.locator("h1")).to_have_text("Delete company")
    await page.click("button:has-text('Delete company')")
    await expect(page.locator(".alert-success")).to_contain_text("was deleted")
    await expect(page.locator("tr", has_text="Lifecycle Client")).to_have_count(0)
