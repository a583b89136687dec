"""In a real browser, an empty form shows every error at once (issue 8 item 2)."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in

pytestmark = pytest.mark.browser


async def test_an_empty_legal_entity_form_shows_all_its_errors_at_once(
    bo_factory, live_server, browser_page
):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await bo_factory.company(reseller, "client", name="Client Co")
    admin = await bo_factory.user(reseller)
    page = browser_page
    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.goto(f"{live_server}/legal-entities/new")
    await page.click("form >> button:has-text('Save')")
    for name in ("name", "legal_name", "country", "company_id"):
        field = page.locator("label.field", has=page.locator(f"[name={name}]"))
        await expect(field.locator(".field-error")).to_have_text("Required")
    await page.screenshot(path=str(SHOTS / "all-errors-legal-entity.png"), full_page=True)


async def test_a_bank_account_form_shows_shape_and_rule_errors_together(
    bo_factory, live_server, browser_page
):
    """One submit shows the empty fields and the rules the typed ones break (issue 8 item 2)."""
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    admin = await bo_factory.user(reseller)
    page = browser_page
    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.goto(f"{live_server}/own-bank-accounts/new")
    await page.fill("[name=holder]", "   ")
    await page.fill("[name=number]", "DE89 3704 0044 0532 0130 01")
    await page.click("form >> button:has-text('Save')")

    def error_of(name: str):
        return page.locator("label.field", has=page.locator(f"[name={name}]")).locator(
            ".field-error"
        )

    await expect(error_of("name")).to_have_text("Required")
    await expect(error_of("holder")).to_have_text("Must not be blank")
    await expect(error_of("number")).to_contain_text("Looks like an IBAN but is not a valid one")
    await page.screenshot(path=str(SHOTS / "all-errors-bank-account.png"), full_page=True)
