"""A real browser: add a portal, find it in the list, edit it, delete it after confirming."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in

pytestmark = pytest.mark.browser


async def test_portal_create_list_edit_delete(bo_factory, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Browser Reseller")
    admin = await bo_factory.user(reseller, email="portals@example.test")
    page = browser_page
    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.goto(live_server + "/portals")
    await expect(page.locator("h1")).to_have_text("Portals")

    await page.click("text=Add portal")
    await page.fill("input[name=name]", "Browser portal")
    await page.fill("input[name=fqdn]", "Browser.Example.COM")
    await page.fill("input[name=languages]", "en, fr")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("Browser portal")
    await expect(page.locator("#domain")).to_contain_text("https://browser.example.com/bo")
    await expect(page.locator(".certificate-status")).to_contain_text("Pending")
    await page.screenshot(path=str(SHOTS / "bo_portal_view.png"), full_page=True)

    await page.click("nav >> text=Portals")
    row = page.locator("tr", has_text="Browser portal")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Draft")
    await row.locator("text=Edit").click()
    await page.fill("input[name=name]", "Renamed portal")
    await page.select_option("select[name=status]", "active")
    await page.fill("textarea[name=description_fr]", "Bienvenue")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("Renamed portal")
    await expect(page.locator("h1")).to_contain_text("Active")

    await page.click("text=Delete")
    await expect(page.locator("h1")).to_have_text("Delete portal")
    await page.click("button:has-text('Delete portal')")
    await expect(page.locator(".alert-success")).to_contain_text("was deleted")
    await expect(page.locator("tr", has_text="Renamed portal")).to_have_count(0)
