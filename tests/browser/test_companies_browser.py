"""A real browser against a real server: sign in, create a company, find it in the audit log."""

from __future__ import annotations

import pytest
from browser_helpers import ARGS, CHROMIUM, SHOTS, require_chromium

pytestmark = pytest.mark.browser


async def test_create_company_and_see_it_in_the_audit_log(bo_factory, live_server):
    require_chromium()
    from playwright.async_api import async_playwright, expect

    owner = await bo_factory.owner()
    admin = await bo_factory.user(
        owner, first_name="Grace", last_name="Hopper", email="grace@example.test"
    )
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=ARGS,
        )
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 820})
            await page.goto(live_server + "/companies")
            assert "/login?next=/companies" in page.url
            await page.screenshot(path=str(SHOTS / "bo_login.png"))
            await page.fill("input[name=login]", admin["email"])
            await page.fill("input[name=password]", admin["password"])
            await page.click("button[type=submit]")
            await expect(page.locator("h1")).to_have_text("Companies")

            await page.click("text=New company")
            await page.click("button:has-text('Save')")  # nothing filled in
            await expect(page.locator(".field-error")).to_have_text("Required")
            await page.screenshot(path=str(SHOTS / "bo_company_form.png"), full_page=True)
            await page.fill("input[name=name]", "Browser Reseller")
            creator = page.locator("input[name=creator_of_resellers]")
            await expect(creator).to_be_hidden()  # only offered to resellers
            await page.select_option("select[name=type]", "reseller")
            await expect(creator).to_be_visible()
            await creator.check()
            await page.fill("textarea[name=description]", "Created from a real browser")
            await page.click("button:has-text('Save')")
            await expect(page.locator(".alert-success")).to_contain_text("Browser Reseller")
            await page.goto(live_server + "/companies")  # creating lands on its page
            row = page.locator("tr", has_text="Browser Reseller")
            await expect(row).to_have_count(1)
            await expect(row.locator(".badge-yes")).to_have_count(2)  # reseller, creator
            await page.screenshot(path=str(SHOTS / "bo_companies.png"), full_page=True)

            await page.click("[aria-label=Help]")
            dialog = page.locator("#help-dialog")
            await expect(dialog).to_be_visible()
            await expect(dialog.locator("a[href='/api/schema']")).to_be_visible()
            await page.screenshot(path=str(SHOTS / "bo_help.png"))
            await dialog.locator("[data-close]").click()
            await expect(dialog).to_be_hidden()

            await page.click(".account-menu summary")
            await expect(page.locator("text=Log out")).to_be_visible()
            await expect(page.locator(".account-menu summary")).to_have_text("GH")
            await page.click("text=My account")
            await expect(page.locator("main")).to_contain_text("grace@example.test")

            await page.click("nav >> text=Audit")
            entry = page.locator("tr", has_text="Company created")
            await expect(entry).to_have_count(1)
            await expect(entry).to_contain_text("grace@example.test")
            await page.screenshot(path=str(SHOTS / "bo_audit.png"), full_page=True)
            await entry.locator("a.row-link").click()
            await expect(page.locator("h1")).to_contain_text("Company created")
            # issue 8: a readable table of field labels and values replaced "name: ..." dumps
            name_row = page.locator("table.audit-diff tr", has_text="Name")
            await expect(name_row.first).to_contain_text("Browser Reseller")
            await expect(page.locator("text=Download CSV")).to_be_visible()
            await page.screenshot(path=str(SHOTS / "bo_audit_detail.png"), full_page=True)

            await page.click(".account-menu summary")
            await page.click("text=Log out")
            await expect(page.locator("input[name=password]")).to_be_visible()
        finally:
            await browser.close()
